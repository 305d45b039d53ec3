"""The Bolt app factory: nothing is built at import time."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.middleware.request_verification import RequestVerification
from slack_sdk import WebClient

from bot.slack import routes
from bot.slack.deps import DEPS, AppDeps
from bot.slack.handling import handle_error
from bot.slack.screening import screen


class WithoutRequestBody(logging.Filter):
    """Bolt logs a request that fails the signature check at INFO with its whole body: a lead's words, when the
    request was Slack's own but arrived late. Keep the fact, the signature and the timestamp; drop the body."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record without its body; never drop it."""
        head, separator, _body = record.getMessage().partition(", body: ")
        if separator:
            record.msg, record.args = f"{head}, body not logged)", ()
        return True


_WITHOUT_REQUEST_BODY = WithoutRequestBody()  # one instance, so building many apps adds it to Bolt's logger once


@contextmanager
def _client_is_the_only_token() -> Iterator[None]:
    """Bolt takes its token from `token=` or, failing that, from SLACK_BOT_TOKEN in the environment, and wants
    either that or a `client` (it warns "As you gave `client` as well, `token` will be unused." when it gets both).
    Our client carries the token, the API URL (SLACK_API_URL) and no automatic retries, so it is the one Bolt must
    use: Bolt is built with the client alone, SLACK_BOT_TOKEN held back from it for the length of the constructor
    and put back at once (start-up, before any thread that reads the environment)."""
    token = os.environ.pop("SLACK_BOT_TOKEN", None)
    try:
        yield
    finally:
        if token is not None:
            os.environ["SLACK_BOT_TOKEN"] = token


def create_app(deps: AppDeps, client: WebClient, *, team_id: str, executor: Executor | None = None) -> App:
    """Build the Slack app for the workspace `team_id` (the token's, from auth.test) with every listener registered;
    requests from any other workspace are answered and ignored. Lazy listeners run on `executor` if given."""
    with _client_is_the_only_token():
        app = App(
            client=client,  # the token, SLACK_API_URL, no retries: Bolt's per-request clients copy all three
            signing_secret=deps.settings.signing_secret or "",
            # Listeners write to the database before Slack is answered; Slack calls run after, lazily.
            process_before_response=True,
            token_verification_enabled=False,
            logger=logging.getLogger("bot.slack.app"),
            listener_executor=executor,
            # Before Bolt reads the request for its own authorization (which may call auth.test): another
            # workspace's request, or one of a shape Slack never sends, costs no Slack call and no traceback.
            before_authorize=screen(team_id),
        )
    logging.getLogger(f"slack_bolt.{RequestVerification.__name__}").addFilter(_WITHOUT_REQUEST_BODY)
    app.error(handle_error)

    @app.middleware
    def with_deps(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse:
        context[DEPS] = deps
        return next()

    routes.register(app)
    return app
