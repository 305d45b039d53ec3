"""The Bolt app factory: nothing is built at import time."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import replace

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.middleware.request_verification import RequestVerification
from slack_sdk import WebClient

from bot.delivery.gateway import SlackGateway, make_client
from bot.slack import routes
from bot.slack.deps import DEPS, AppDeps
from bot.slack.handling import handle_error
from bot.slack.install import InstallFlow, Installs, organization_recorder
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


# Settings Bolt reads from the environment by itself when it is not given them.
BOLT_READS = ("SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")


@contextmanager
def _client_is_the_only_token() -> Iterator[None]:
    """Bolt takes its token from `token=` or, failing that, from SLACK_BOT_TOKEN in the environment, and wants
    either that or a `client` (it warns "As you gave `client` as well, `token` will be unused." when it gets both).
    Our client carries the token, the API URL (SLACK_API_URL) and no automatic retries, so it is the one Bolt must
    use: Bolt is built with the client alone, SLACK_BOT_TOKEN held back from it for the length of the constructor
    and put back at once (start-up, before any thread that reads the environment). SLACK_CLIENT_ID and
    SLACK_CLIENT_SECRET likewise: seeing them, Bolt would build default OAuth stores of its own on disk."""
    held = {name: os.environ.pop(name) for name in BOLT_READS if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(held)


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
            before_authorize=screen(lambda team, _enterprise: team == team_id),
        )
    return _with_listeners(app, deps)


def create_distributed_app(
    deps: AppDeps, installs: Installs, client: WebClient, *, executor: Executor | None = None
) -> App:
    """Build the Slack app for every workspace that installed it through OAuth (GET /slack/install): each request
    is authorized by its workspace's installation and its listeners use that workspace's token; a request from a
    workspace without one is answered and ignored. `client` carries SLACK_API_URL and no token."""
    authorize = InstallationStoreAuthorize(
        logger=logging.getLogger("bot.slack.app.authorize"),
        installation_store=installs.store,
        client_id=installs.client_id,
        client_secret=installs.client_secret,  # refreshes a rotating token (through SLACK_API_URL) as it expires
        client=client,
        cache_enabled=True,  # auth.test once per token, not once per request
    )
    authorize.token_rotator = installs.tokens.rotator  # the courier's: one refresh of a pair at a time
    with _client_is_the_only_token():
        app = App(
            client=client,
            signing_secret=deps.settings.signing_secret or "",
            process_before_response=True,
            token_verification_enabled=False,
            logger=logging.getLogger("bot.slack.app"),
            listener_executor=executor,
            authorize=authorize,  # type: ignore[arg-type]  # Bolt takes an Authorize, typed only as a function
            oauth_flow=InstallFlow(deps, installs, client),
            before_authorize=screen(installs.serves),
        )
    app.middleware(organization_recorder(deps))
    return _with_listeners(app, deps, own_gateway=True)


def _request_client(context: BoltContext) -> WebClient:
    """The client Bolt authorized the request with; an org-wide token's acts in the request's workspace."""
    client = context.client
    if context.is_enterprise_install and context.team_id:
        return make_client(client.token, client.base_url, client.timeout, team_id=context.team_id)
    return client


def _with_listeners(app: App, deps: AppDeps, *, own_gateway: bool = False) -> App:
    """Register the error handler, the container and every listener; with `own_gateway`, each request's listeners
    get a gateway with their workspace's token (the client Bolt authorized the request with)."""
    logging.getLogger(f"slack_bolt.{RequestVerification.__name__}").addFilter(_WITHOUT_REQUEST_BODY)
    app.error(handle_error)

    @app.middleware
    def with_deps(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse:
        context[DEPS] = replace(deps, gateway=SlackGateway(_request_client(context))) if own_gateway else deps
        return next()

    routes.register(app)
    return app
