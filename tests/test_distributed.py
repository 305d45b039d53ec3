"""Distributed mode end to end: workspaces install through the real OAuth redirect (Bolt's flow, the encrypted
store, the Slack-compatible server's oauth.v2.access), and everything each one gets goes out with its own token."""

from __future__ import annotations

import html
import json
import re
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from wsgiref.util import setup_testing_defaults

import pytest
from cryptography.fernet import Fernet
from slack_bolt import App
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot import container
from bot.coaching.filing import Filing
from bot.coaching.prompts import PromptLibrary
from bot.delivery.gateway import make_client
from bot.jobs import run_tick
from bot.slack.app import create_distributed_app
from bot.slack.deps import AppDeps
from bot.slack.install import BOT_SCOPES, WELCOME, Installs, make_installs
from bot.slack.screening import NOT_INSTALLED
from bot.store.db import make_engine, make_session_factory
from bot.store.models import SLACK_BOTS, SLACK_INSTALLATIONS, Delivery, Lead, Workspace
from bot.web import make_wsgi_app
from tests.seed import add_entry
from tests.slack_api import SlackAPIServer
from tests.support import Clock, SlackRequests, settings_for, wait_until

if TYPE_CHECKING:
    from wsgiref.types import WSGIApplication

CLIENT_ID, CLIENT_SECRET = "1111.2222", "client-secret"
KEY = Fernet.generate_key().decode()
ACME, GLOBEX = "T0ACME", "T0GLOBEX"
ACME_TOKEN, GLOBEX_TOKEN = "xoxb-acme-1", "xoxb-globex-1"
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@dataclass
class Distributed:
    """The distributed app on the test database and Slack server, reached through its WSGI application."""

    app: App
    deps: AppDeps
    installs: Installs
    wsgi: WSGIApplication
    slack: SlackAPIServer

    def get(self, path: str, query: str = "", cookie: str | None = None) -> tuple[int, list[tuple[str, str]], str]:
        """A browser's GET: status, headers and page."""
        environ: dict[str, object] = {}
        setup_testing_defaults(environ)  # type: ignore[arg-type]
        environ.update(REQUEST_METHOD="GET", PATH_INFO=path, QUERY_STRING=query)
        if cookie is not None:
            environ["HTTP_COOKIE"] = cookie
        answer: dict[str, object] = {}

        def start_response(status: str, headers: list[tuple[str, str]], _exc: object = None) -> None:
            answer.update(status=status, headers=headers)

        page = b"".join(self.wsgi(environ, start_response)).decode()  # type: ignore[arg-type]
        return int(str(answer["status"]).split()[0]), list(answer["headers"]), page  # type: ignore[call-overload]

    def start_install(self) -> tuple[dict[str, list[str]], str]:
        """Open the "Add to Slack" page: the link's query, and the browser's state cookie."""
        status, headers, page = self.get("/slack/install")
        assert status == 200
        found = re.search(r'href="([^"]+)"', page)
        assert found is not None
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(html.unescape(found.group(1))).query)
        cookie = next(value for name, value in headers if name.lower() == "set-cookie").split(";")[0]
        return query, cookie

    def install(self, code: str, token: str, team_id: str, installer: str, **grant: object) -> tuple[int, str]:
        """Slack grants `code`; the installer goes from the install page through Slack back to the redirect."""
        self.slack.grant(code, token, team_id, installer=installer, name=f"{team_id} Inc", **grant)  # type: ignore[arg-type]
        query, cookie = self.start_install()
        back = urllib.parse.urlencode({"code": code, "state": query["state"][0]})
        status, _, page = self.get("/slack/oauth_redirect", back, cookie)
        return status, page

    def requests(self, team_id: str) -> SlackRequests:
        """Signed requests into the app from this workspace."""
        return SlackRequests(self.app, response_url=self.slack.url + "/respond/1", team_id=team_id)


@pytest.fixture
def distributed(
    slack: SlackAPIServer,
    database_url: str,
    engine: Engine,
    session_factory: sessionmaker[Session],
    clock: Clock,
    library: PromptLibrary,
    filing: Filing,
) -> Iterator[Distributed]:
    """Distributed mode: no bot token, the app's OAuth credentials and an encryption key."""
    slack.set_oauth_client(CLIENT_ID, CLIENT_SECRET)
    settings = replace(
        settings_for(slack.base_url, database_url),
        bot_token=None,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        encryption_keys=(KEY,),
    )
    client = make_client(None, slack.base_url)
    installs = make_installs(settings, engine, session_factory, client)
    deps = container.build(
        settings,
        session_factory,
        client,
        library,
        filing,
        clock=clock,
        channel_interval=0,
        tokens=installs.tokens,
    )
    deps.courier.sleep = lambda _seconds: None
    deps.courier.start()
    try:
        with ThreadPoolExecutor(8, thread_name_prefix="lazy") as executor:
            app = create_distributed_app(deps, installs, client, executor=executor)
            yield Distributed(app, deps, installs, make_wsgi_app(app, lambda: True), slack)
    finally:
        deps.courier.stop()


def tokens_to(slack: SlackAPIServer, channel: str, method: str = "chat.postMessage") -> set[str | None]:
    """The tokens calls of `method` to `channel` were made with."""
    return {call.token for call in slack.calls(method) if call.params.get("channel") == channel}


def command(distributed: Distributed, team_id: str, text: str, user_id: str) -> str:
    """A /coach command from this workspace, and the answer it got through its response_url."""
    slack = distributed.slack
    before = len(slack.calls("response_url"))
    assert distributed.requests(team_id).command("/coach", text, user_id=user_id).status == 200
    return str(wait_until(lambda: slack.calls("response_url")[before:])[0].params.get("text"))


def installed_both(distributed: Distributed) -> None:
    assert distributed.install("code-acme", ACME_TOKEN, ACME, "U0ACMEBOSS")[0] == 200
    assert distributed.install("code-globex", GLOBEX_TOKEN, GLOBEX, "U0GLOBEXBOSS")[0] == 200


def test_the_install_page_links_to_slack_with_the_manifests_scopes_and_a_one_time_state(
    distributed: Distributed,
) -> None:
    first, _ = distributed.start_install()
    second, _ = distributed.start_install()
    assert first["client_id"] == [CLIENT_ID]
    assert first["scope"] == [",".join(BOT_SCOPES)]
    assert first["state"] != second["state"]


def test_two_workspaces_install_through_the_redirect_and_each_installer_is_welcomed_with_its_token(
    distributed: Distributed, slack: SlackAPIServer, session_factory: sessionmaker[Session], engine: Engine
) -> None:
    status, page = distributed.install("code-acme", ACME_TOKEN, ACME, "U0ACMEBOSS")
    assert status == 200
    assert "Lead Coach is installed" in page
    assert "/coach start" in page
    assert distributed.install("code-globex", GLOBEX_TOKEN, GLOBEX, "U0GLOBEXBOSS")[0] == 200

    wait_until(lambda: len(slack.calls("chat.postMessage")) == 2)
    assert tokens_to(slack, "U0ACMEBOSS") == {ACME_TOKEN}
    assert tokens_to(slack, "U0GLOBEXBOSS") == {GLOBEX_TOKEN}
    assert all(call.params["text"] == WELCOME for call in slack.calls("chat.postMessage"))
    with session_factory() as session:
        installers = {w.team_id: w.installer_user_id for w in session.scalars(select(Workspace))}
    assert installers == {ACME: "U0ACMEBOSS", GLOBEX: "U0GLOBEXBOSS"}
    found = distributed.installs.store.find_installation(enterprise_id=None, team_id=GLOBEX)
    assert found is not None
    assert (found.bot_token, found.user_id) == (GLOBEX_TOKEN, "U0GLOBEXBOSS")


def test_the_database_holds_no_plain_token(distributed: Distributed, slack: SlackAPIServer, engine: Engine) -> None:
    installed_both(distributed)
    with engine.connect() as connection:
        stored = repr(
            [
                *connection.execute(select(SLACK_INSTALLATIONS)).all(),
                *connection.execute(select(SLACK_BOTS)).all(),
            ]
        )
    assert "U0ACMEBOSS" in stored  # the rows are there…
    assert ACME_TOKEN not in stored  # …their tokens are not readable
    assert GLOBEX_TOKEN not in stored
    assert "xox" not in stored


def test_prompts_scorecards_and_digests_go_out_with_each_workspaces_own_token(
    distributed: Distributed, slack: SlackAPIServer, session_factory: sessionmaker[Session], clock: Clock
) -> None:
    installed_both(distributed)
    leads = {ACME: ["U0ACME1", "U0ACME2"], GLOBEX: ["U0GLOBEX1"]}
    digests = {ACME: "C0ACMEDIGEST", GLOBEX: "C0GLOBEXDIGEST"}
    bosses = {ACME: "U0ACMEBOSS", GLOBEX: "U0GLOBEXBOSS"}
    for team_id, users in leads.items():
        for user_id in users:
            slack.set_user(user_id, tz="Europe/London", team_id=team_id)
            assert "You're in" in command(distributed, team_id, "start", user_id)
        # The installer is no admin, yet may choose the digest channel.
        slack.set_user(bosses[team_id], team_id=team_id)
        chose = command(distributed, team_id, f"digest <#{digests[team_id]}|digest>", bosses[team_id])
        assert f"now goes to <#{digests[team_id]}>" in chose
    with session_factory() as session:
        chosen = {w.team_id: w.digest_channel for w in session.scalars(select(Workspace))}
        lead_ids = {lead.user_id: lead.id for lead in session.scalars(select(Lead))}
    assert chosen == digests
    assert {call.token for call in slack.calls("users.info")} == {ACME_TOKEN, GLOBEX_TOKEN}
    with session_factory.begin() as session:
        for user_id, lead_id in lead_ids.items():
            add_entry(session, lead_id, MONDAY, f"paired with a junior on {user_id}", {"mentoring"}, shareable=True)

    tick = container.tick_of(distributed.deps)
    monday_prompt = datetime(2026, 11, 23, 16, 31, tzinfo=UTC)
    clock.now = monday_prompt
    assert run_tick(tick, monday_prompt).sent == 3
    friday = datetime(2026, 11, 27, 16, 31, tzinfo=UTC)
    clock.now = friday
    report = run_tick(tick, friday)
    assert (report.summaries, report.digests) == (3, 2)

    for team_id, users in leads.items():
        token = ACME_TOKEN if team_id == ACME else GLOBEX_TOKEN
        for user_id in users:
            dm = SlackAPIServer.dm_channel_id(user_id)
            assert tokens_to(slack, user_id) | tokens_to(slack, dm) == {token}  # prompts (to the user) and scorecards
        assert tokens_to(slack, digests[team_id]) == {token}
    with session_factory() as session:
        kinds = {d.kind for d in session.scalars(select(Delivery).where(Delivery.status == "sent"))}
    assert {"prompt", "summary", "digest"} <= kinds


def test_each_workspace_keeps_its_own_pace(
    distributed: Distributed, slack: SlackAPIServer, session_factory: sessionmaker[Session], clock: Clock
) -> None:
    installed_both(distributed)
    per_minute = 120  # a post every half second in each workspace
    for team_id in (ACME, GLOBEX):
        for n in range(3):
            user_id = f"U0{team_id[2:]}{n}"
            slack.set_user(user_id, tz="Europe/London", team_id=team_id)
            command(distributed, team_id, "start", user_id)
    wait_until(lambda: len(slack.calls("chat.postMessage")) >= 2)  # the welcomes
    slack.reset()
    deps = replace(distributed.deps, settings=replace(distributed.deps.settings, post_rate=per_minute))
    paced = container.build(
        deps.settings,
        session_factory,
        make_client(None, slack.base_url),
        deps.library,
        deps.filing,
        clock=clock,
        channel_interval=0,
        tokens=distributed.installs.tokens,
    )
    now = datetime(2026, 11, 23, 16, 31, tzinfo=UTC)
    clock.now = now
    assert run_tick(container.tick_of(paced), now).sent == 6

    times = {
        token: sorted(call.time for call in slack.calls("chat.postMessage") if call.token == token)
        for token in (ACME_TOKEN, GLOBEX_TOKEN)
    }
    for stamps in times.values():
        assert len(stamps) == 3
        assert stamps[-1] - stamps[0] >= 2 * 60 / per_minute * 0.95  # each workspace keeps to its pace…
    # …and neither waits behind the other: both start together, and all six take the time of three.
    assert abs(times[ACME_TOKEN][0] - times[GLOBEX_TOKEN][0]) < 0.4
    assert max(max(s) for s in times.values()) - min(min(s) for s in times.values()) < 5 * 60 / per_minute * 0.95


def test_a_request_from_a_workspace_without_an_installation_stores_nothing_and_calls_nothing(
    distributed: Distributed, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    installed_both(distributed)
    wait_until(lambda: len(slack.calls("chat.postMessage")) == 2)
    slack.reset()
    stranger = distributed.requests("T0STRANGER")
    answer = stranger.command("/coach", "start", user_id="U0STRANGE")
    assert answer.status == 200
    assert json.loads(answer.body) == {"response_type": "ephemeral", "text": NOT_INSTALLED}
    assert stranger.event({"type": "app_home_opened", "user": "U0STRANGE", "tab": "home"}).status == 200
    assert stranger.event({"type": "app_uninstalled"}).status == 200
    time.sleep(0.2)  # anything it might have started would have called Slack by now
    assert slack.calls() == []
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == 0
        assert session.scalar(select(func.count()).select_from(Delivery).where(Delivery.team_id == "T0STRANGER")) == 0
        assert session.get(Workspace, "T0STRANGER") is None
        assert all(w.active for w in session.scalars(select(Workspace)))


def test_uninstalling_one_workspace_stops_its_sends_and_leaves_the_other_working(
    distributed: Distributed, slack: SlackAPIServer, session_factory: sessionmaker[Session], clock: Clock
) -> None:
    installed_both(distributed)
    for team_id, user_id in ((ACME, "U0ACME1"), (GLOBEX, "U0GLOBEX1")):
        slack.set_user(user_id, tz="Europe/London", team_id=team_id)
        command(distributed, team_id, "start", user_id)
    wait_until(lambda: len(slack.calls("chat.postMessage")) == 2)

    slack.revoke(ACME_TOKEN)  # Slack revokes the token, then tells the app
    assert distributed.requests(ACME).event({"type": "app_uninstalled"}).status == 200
    assert distributed.installs.store.find_bot(enterprise_id=None, team_id=ACME) is None
    assert distributed.installs.store.find_installation(enterprise_id=None, team_id=ACME) is None
    with session_factory() as session:
        acme = session.get(Workspace, ACME)
        assert acme is not None
        assert not acme.active  # its data stays for the retention window
        assert acme.uninstalled_at is not None
    slack.reset()

    now = datetime(2026, 11, 23, 16, 31, tzinfo=UTC)
    clock.now = now
    assert run_tick(container.tick_of(distributed.deps), now).sent == 1
    assert {call.token for call in slack.calls("chat.postMessage")} == {GLOBEX_TOKEN}
    assert tokens_to(slack, "U0GLOBEX1") == {GLOBEX_TOKEN}
    answer = distributed.requests(ACME).command("/coach", "start", user_id="U0ACME1")
    assert json.loads(answer.body) == {"response_type": "ephemeral", "text": NOT_INSTALLED}

    # A reinstall resumes where it left off, with the new token.
    assert distributed.install("code-acme-again", "xoxb-acme-2", ACME, "U0ACMEBOSS")[0] == 200
    with session_factory() as session:
        acme = session.get(Workspace, ACME)
        assert acme is not None
        assert acme.active
        resumed = session.scalars(select(Lead).where(Lead.user_id == "U0ACME1")).one()
        assert resumed.next_prompt_at is not None
    tuesday = datetime(2026, 11, 24, 16, 31, tzinfo=UTC)
    clock.now = tuesday
    slack.reset()
    assert run_tick(container.tick_of(distributed.deps), tuesday).sent == 2
    assert tokens_to(slack, "U0ACME1") == {"xoxb-acme-2"}


def test_revoked_tokens_stop_that_workspaces_sends_at_once(
    distributed: Distributed, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    installed_both(distributed)
    revoked = {"type": "tokens_revoked", "tokens": {"bot": ["U0GLOBEXBOT"]}}
    assert distributed.requests(GLOBEX).event(revoked).status == 200
    assert distributed.installs.store.find_bot(enterprise_id=None, team_id=GLOBEX) is None
    assert distributed.installs.store.find_bot(enterprise_id=None, team_id=ACME) is not None
    with session_factory() as session:
        assert {w.team_id: w.active for w in session.scalars(select(Workspace))} == {ACME: True, GLOBEX: False}


def test_an_expiring_token_is_refreshed_before_a_tick_sends_and_the_new_pair_is_stored(
    distributed: Distributed,
    slack: SlackAPIServer,
    session_factory: sessionmaker[Session],
    clock: Clock,
    engine: Engine,
) -> None:
    status, _ = distributed.install(
        "code-acme", "xoxe.xoxb-acme-1", ACME, "U0ACMEBOSS", refresh_token="xoxe-1-acme", expires_in=3600
    )
    assert status == 200
    # The welcome goes first: the token expires within the refresh margin, so it is refreshed before it is sent.
    [welcome] = wait_until(lambda: slack.calls("chat.postMessage"))
    first = slack.calls("oauth.v2.access")[1:]
    assert [call.params.get("grant_type") for call in first] == ["refresh_token"]
    fresh = first[0].response
    assert fresh is not None
    assert welcome.token == fresh["access_token"]
    # A request needs no refresh of its own now, and is authorized with the new token.
    slack.set_user("U0ACME1", tz="Europe/London", team_id=ACME)
    assert "You're in" in command(distributed, ACME, "start", "U0ACME1")
    assert len(slack.calls("oauth.v2.access")) == 2
    assert {call.token for call in slack.calls("users.info")} == {fresh["access_token"]}

    # The refreshed token now has less than the refresh margin left as well: the tick refreshes it first.
    with engine.begin() as connection:
        connection.execute(
            SLACK_INSTALLATIONS.update().values(bot_token_expires_at=datetime.now(UTC).replace(tzinfo=None))
        )
        connection.execute(SLACK_BOTS.update().values(bot_token_expires_at=datetime.now(UTC).replace(tzinfo=None)))
    slack.reset()
    now = datetime(2026, 11, 23, 16, 31, tzinfo=UTC)
    clock.now = now
    assert run_tick(container.tick_of(distributed.deps), now).sent == 1
    refresh, post = slack.calls("oauth.v2.access"), slack.calls("chat.postMessage")
    assert len(refresh) == 1
    assert refresh[0].time <= post[0].time
    newest = refresh[0].response
    assert newest is not None
    assert post[0].token == newest["access_token"]
    stored = distributed.installs.store.find_installation(enterprise_id=None, team_id=ACME)
    assert stored is not None
    assert (stored.bot_token, stored.bot_refresh_token) == (newest["access_token"], newest["refresh_token"])
    with engine.connect() as connection:
        raw = repr(connection.execute(text("SELECT * FROM slack_installations")).all())
    assert newest["access_token"] not in raw


def test_a_reused_or_forged_state_is_refused_and_stores_nothing(
    distributed: Distributed, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    slack.grant("code-acme", ACME_TOKEN, ACME, installer="U0ACMEBOSS")
    query, cookie = distributed.start_install()
    state = query["state"][0]
    forged = urllib.parse.urlencode({"code": "code-acme", "state": "forged"})
    status, _, page = distributed.get("/slack/oauth_redirect", forged, cookie.replace(state, "forged"))
    assert status == 400
    assert "expired or was already used" in page
    back = urllib.parse.urlencode({"code": "code-acme", "state": state})
    assert distributed.get("/slack/oauth_redirect", back, cookie)[0] == 200
    status, _, page = distributed.get("/slack/oauth_redirect", back, cookie)  # the same link again
    assert status == 400
    assert "expired or was already used" in page
    assert len(slack.calls("oauth.v2.access")) == 1
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(SLACK_INSTALLATIONS)) == 1


def test_a_denied_install_or_a_failed_exchange_gets_a_clear_page_and_stores_nothing(
    distributed: Distributed, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    query, cookie = distributed.start_install()
    denied = urllib.parse.urlencode({"error": "access_denied", "state": query["state"][0]})
    status, _, page = distributed.get("/slack/oauth_redirect", denied, cookie)
    assert status == 200
    assert "You chose not to install it" in page
    query, cookie = distributed.start_install()
    unknown = urllib.parse.urlencode({"code": "never-granted", "state": query["state"][0]})
    status, _, page = distributed.get("/slack/oauth_redirect", unknown, cookie)
    assert status == 400
    assert "Slack didn&#x27;t confirm the install" in page
    time.sleep(0.1)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(SLACK_INSTALLATIONS)) == 0
        assert session.scalar(select(func.count()).select_from(Workspace)) == 0
        assert session.scalar(select(func.count()).select_from(Delivery)) == 0
    assert slack.calls("chat.postMessage") == []


def org_command(distributed: Distributed, team_id: str, enterprise_id: str, text: str, user_id: str) -> int:
    """/coach from a workspace of an Enterprise Grid organization whose app is installed org-wide."""
    form = {
        "team_id": team_id,
        "enterprise_id": enterprise_id,
        "is_enterprise_install": "true",
        "user_id": user_id,
        "command": "/coach",
        "text": text,
        "api_app_id": "A0APP",
        "response_url": distributed.slack.url + "/respond/1",
        "trigger_id": f"trigger-{user_id}-{text}",
    }
    requests = distributed.requests(team_id)
    return requests.dispatch(urllib.parse.urlencode(form), "application/x-www-form-urlencoded").status


def test_an_org_wide_install_serves_every_workspace_of_the_organization_with_its_token(
    distributed: Distributed, slack: SlackAPIServer, session_factory: sessionmaker[Session], clock: Clock
) -> None:
    org_token = "xoxb-org-1"
    status, _ = distributed.install(
        "code-org", org_token, "T0HQ", "U0ORGBOSS", enterprise_id="E0ORG", is_enterprise_install=True
    )
    assert status == 200
    stored = distributed.installs.store.find_installation(
        enterprise_id="E0ORG", team_id=None, is_enterprise_install=True
    )
    assert stored is not None
    assert (stored.enterprise_id, stored.team_id, stored.bot_token) == ("E0ORG", None, org_token)
    for team_id, user_id in (("T0WAYNE", "U0WAYNE1"), ("T0STARK", "U0STARK1")):
        slack.set_user(user_id, tz="Europe/London", team_id=team_id)
        assert org_command(distributed, team_id, "E0ORG", "start", user_id) == 200
    wait_until(lambda: len(slack.calls("response_url")) == 2)
    assert {call.token for call in slack.calls("users.info")} == {org_token}
    with session_factory() as session:
        organizations = {w.team_id: w.enterprise_id for w in session.scalars(select(Workspace))}
    assert organizations == {"T0WAYNE": "E0ORG", "T0STARK": "E0ORG"}

    now = datetime(2026, 11, 23, 16, 31, tzinfo=UTC)
    clock.now = now
    assert run_tick(container.tick_of(distributed.deps), now).sent == 2
    assert tokens_to(slack, "U0WAYNE1") == tokens_to(slack, "U0STARK1") == {org_token}
    # Every call with the organization's token says which of its workspaces it acts in.
    for method in ("users.info", "chat.postMessage"):
        acting = {
            (call.params.get("user") or call.params.get("channel"), call.params.get("team_id"))
            for call in slack.calls(method)
        }
        assert acting == {("U0WAYNE1", "T0WAYNE"), ("U0STARK1", "T0STARK")}, method

    # Another organization's workspace is not served by this one's install.
    assert org_command(distributed, "T0OTHER", "E0OTHER", "start", "U0OTHER1") == 200
    with session_factory() as session:
        assert session.get(Workspace, "T0OTHER") is None


def test_a_pair_another_process_refreshed_first_is_taken_not_mistaken_for_an_uninstall(
    distributed: Distributed, slack: SlackAPIServer, database_url: str
) -> None:
    assert (
        distributed.install(
            "code-acme", "xoxe.xoxb-acme-1", ACME, "U0ACMEBOSS", refresh_token="xoxe-1-acme", expires_in=600
        )[0]
        == 200
    )
    wait_until(lambda: slack.calls("chat.postMessage"))  # the welcome: refreshed once by the courier
    second_engine = make_engine(database_url)
    try:
        other = make_installs(
            distributed.deps.settings,
            second_engine,
            make_session_factory(second_engine),
            make_client(None, slack.base_url),
        )
        expiring = datetime.now(UTC).replace(tzinfo=None)
        with second_engine.begin() as connection:  # the refreshed pair is about to expire as well
            connection.execute(SLACK_INSTALLATIONS.update().values(bot_token_expires_at=expiring))
            connection.execute(SLACK_BOTS.update().values(bot_token_expires_at=expiring))
        stored = other.store.find_installation(enterprise_id=None, team_id=ACME)
        assert stored is not None
        # This process's refresh is answered late; meanwhile the other process refreshes the same pair.
        slack.delay("oauth.v2.access", 0.5, when={"refresh_token": stored.bot_refresh_token})
        with ThreadPoolExecutor(1) as pool:
            late = pool.submit(distributed.installs.tokens.client, ACME)
            time.sleep(0.2)
            theirs = other.tokens.client(ACME).token
            mine = late.result(timeout=10).token
        assert mine == theirs
        refused = [call for call in slack.calls("oauth.v2.access") if call.error]
        assert [call.error for call in refused] == ["invalid_refresh_token"]
    finally:
        second_engine.dispose()


def test_without_its_database_the_install_page_says_to_come_back_and_a_bare_redirect_is_refused(
    distributed: Distributed, tmp_path: Path
) -> None:
    status, _, page = distributed.get("/slack/oauth_redirect")  # no code, no state, no cookie
    assert status == 400
    assert "Go to the install page" in page
    gone = make_engine(f"sqlite:///{tmp_path / 'missing' / 'coach.db'}")  # a directory that does not exist
    distributed.installs.states.engine = gone
    try:
        status, _, page = distributed.get("/slack/install")
    finally:
        gone.dispose()
    assert status == 503
    assert "try again in a minute" in page
