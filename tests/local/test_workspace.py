"""The local workspace behind `coach try`, without a browser: the page's JSON API, signed requests into the real
app served over HTTP, the real tick behind the clock buttons, and friendly answers to bad input."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import App
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.coaching.prompts import PromptLibrary
from bot.jobs import run_tick
from bot.local import history, people
from bot.local.clock import TryClock, lead_times_of
from bot.local.page import make_page
from bot.local.workspace import LocalWorkspace
from bot.services.ports import SlackProfile
from bot.store.models import Diagnostic, ImpactEntry, Lead
from bot.web import make_wsgi_app
from tests.slack_api import SlackAPIServer
from tests.support import SIGNING_SECRET, TEAM_ID, Clock, wait_until
from tests.ticks import make_tick

WEDNESDAY = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


class Page:
    """The page's side of the JSON API."""

    def __init__(self, url: str) -> None:
        self.url = url

    def post(self, path: str, body: bytes | dict[str, Any]) -> tuple[int, dict[str, Any]]:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=20) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.loads(error.read())

    def state(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.url + "/api/state", timeout=10) as answer:
            state: dict[str, Any] = json.loads(answer.read())
            return state


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log in the test output."""


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


@pytest.fixture
def page(
    app: App, slack: SlackAPIServer, session_factory: sessionmaker[Session], library: PromptLibrary, clock: Clock
) -> Iterator[Page]:
    """The real app served over HTTP behind the page's API, as `coach try` serves them, and the local workspace."""
    people.populate(slack)
    clock.now = WEDNESDAY
    try_clock = TryClock(people.TIMEZONE, WEDNESDAY)
    tick = make_tick(session_factory, slack, library, clock=clock)

    def ticked(instant: datetime) -> None:
        clock.now = instant  # the app's clock follows the page's, as `coach try` shares one clock between them
        run_tick(tick, instant)

    workspace = LocalWorkspace(slack, SIGNING_SECRET)
    times = lead_times_of(session_factory, TEAM_ID, people.LEAD, people.TIMEZONE, try_clock)
    application = make_page(workspace, try_clock, times, ticked, make_wsgi_app(app, lambda: True))
    server = make_server("127.0.0.1", 0, application, ThreadingServer, QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    workspace.page_url = f"http://127.0.0.1:{server.server_port}"
    workspace.app_url = workspace.page_url + "/slack/events"
    yield Page(workspace.page_url)
    server.shutdown()
    server.server_close()
    thread.join()


def dm_texts(page: Page) -> list[str]:
    messages = page.state()["dm"]["messages"]
    return [m["text"] for m in messages] + [r["text"] for m in messages for r in m.get("replies", [])]


def test_a_slash_command_reaches_the_app_signed_and_its_answer_shows_only_to_the_lead(
    page: Page, session_factory: sessionmaker[Session]
) -> None:
    assert page.post("/api/command", {"text": "/coach start"}) == (200, {"ok": True})
    shown = wait_until(lambda: [m for m in page.state()["dm"]["messages"] if m.get("ephemeral")])
    assert "next reflection prompt" in shown[0]["text"]
    with session_factory() as session:
        lead = session.scalars(select(Lead).where(Lead.user_id == people.LEAD)).one()
        assert lead.enrolled
        assert lead.timezone == people.TIMEZONE


def test_the_clock_runs_the_real_tick_and_an_answer_in_the_prompts_thread_is_filed(page: Page) -> None:
    page.post("/api/command", {"text": "/coach start"})
    wait_until(lambda: [m for m in page.state()["dm"]["messages"] if m.get("ephemeral")])
    jumps = {jump["name"]: jump["label"] for jump in page.state()["jumps"]}
    assert jumps == {"prompt": "To today 16:30", "scorecard": "To Friday's scorecard", "next-day": "Next day"}

    assert page.post("/api/clock", {"jump": "prompt"}) == (200, {"ok": True})

    state = page.state()
    assert state["now"] == "Wednesday 25 November, 16:30"
    prompt = next(m for m in state["dm"]["messages"] if "prompt_actions" in json.dumps(m.get("blocks")))
    page.post("/api/message", {"text": "Paired with Sam; he owns the deploy script now.", "thread_ts": prompt["ts"]})
    wait_until(lambda: any(text.startswith("Logged:") for text in dm_texts(page)))
    thread = next(m for m in page.state()["dm"]["messages"] if m["ts"] == prompt["ts"])["replies"]
    assert [reply["user"] for reply in thread] == [people.LEAD, "U0000BOT"]


def test_a_modal_shows_its_field_errors_and_closes_on_a_good_submission(
    page: Page, session_factory: sessionmaker[Session]
) -> None:
    page.post("/api/command", {"text": "/why-am-i-coding the retry helper"})
    modal = wait_until(lambda: page.state()["modal"])
    assert modal["title"]["text"] == "Why am I coding?"

    assert page.post("/api/submit", {"view_id": modal["id"], "values": {}}) == (200, {"ok": True})
    errors = page.state()["modal"]["errors"]
    assert set(errors) == {"task", "ownership", "pull"}  # the values are empty: even the task

    radio = {"type": "radio_buttons", "selected_option": None}
    values = {
        "task": {"value": {"type": "plain_text_input", "value": "the retry helper"}},
        "ownership": {"value": {**radio, "selected_option": {"value": "yes"}}},
        "pull": {"value": {**radio, "selected_option": {"value": "dopamine"}}},
        "hours": {"value": {"type": "plain_text_input", "value": "6"}},
    }
    assert page.post("/api/submit", {"view_id": modal["id"], "values": values}) == (200, {"ok": True})
    assert page.state()["modal"] is None
    with session_factory() as session:
        assert session.scalars(select(Diagnostic.verdict)).one() == "delegate"


def test_mentions_in_escaping_commands_arrive_as_slack_sends_them() -> None:
    assert people.escape_mentions("@Sam the release checklist, see #eng-leads") == (
        "<@U0SAM|sam> the release checklist, see <#C0DIGEST|eng-leads>"
    )
    assert people.escape_mentions("@nobody and email@example.com stay") == "@nobody and email@example.com stay"


@pytest.mark.parametrize(
    ("path", "body", "status", "says"),
    [
        ("/api/command", {"text": "/deploy prod"}, 400, "/deploy is not a command here"),
        ("/api/command", {}, 400, "The page sent no text"),
        ("/api/message", {"text": "   "}, 400, "Write something first"),
        ("/api/clock", {"jump": "yesterday"}, 400, "There is no clock button 'yesterday'"),
        ("/api/action", {"surface": "message", "action": {"type": "button"}}, 400, "no action id"),
        ("/api/action", {"surface": "message", "action": {"type": "button", "action_id": "x"}}, 400, "gone"),
        ("/api/submit", {"view_id": "V404", "values": {}}, 400, "That modal is closed"),
        ("/api/message", {"text": "hi", "thread_ts": 1.5}, 400, "thread_ts that is not text"),
        ("/api/action", {"surface": "sidebar", "action": {"type": "button", "action_id": "x"}}, 400, "'sidebar'"),
        ("/api/action", {"surface": "home", "action": "click"}, 400, "That control sent nothing"),
        ("/api/command", b"{not json", 400, "unreadable"),
        ("/api/nothing", {}, 404, "no such page action"),
    ],
)
def test_bad_page_input_gets_a_friendly_answer_and_changes_nothing(
    page: Page, slack: SlackAPIServer, path: str, body: Any, status: int, says: str
) -> None:
    before = len(slack.calls())
    code, answer = page.post(path, body)
    assert code == status
    assert answer["ok"] is False
    assert says in answer["error"]
    assert len(slack.calls()) == before


def test_the_seeded_history_spans_six_weeks_before_today_and_leaves_today_to_the_tick(
    session_factory: sessionmaker[Session], slack: SlackAPIServer
) -> None:
    people.populate(slack)
    profile = SlackProfile(user_id=people.LEAD, display_name="Alex", tz=people.TIMEZONE)
    history.seed(session_factory, TEAM_ID, profile, people.TIMEZONE, WEDNESDAY)
    other = SlackProfile(user_id="U0PRIYA", display_name="Priya", tz=people.TIMEZONE)
    history.seed(session_factory, TEAM_ID, other, people.TIMEZONE, WEDNESDAY, variant=2)
    with session_factory() as session:
        lead = session.scalars(select(Lead).where(Lead.user_id == people.LEAD)).one()
        written = session.scalars(select(ImpactEntry).where(ImpactEntry.lead_id == lead.id)).all()
        days = {entry.created_at.date() for entry in written}
        assert min(days) >= (WEDNESDAY - timedelta(weeks=6)).date()
        assert max(days) < WEDNESDAY.date()
        assert len({entry.text for entry in written}) >= 8
        assert lead.enrolled
        assert lead.next_prompt_at is not None
        assert lead.next_prompt_at.replace(tzinfo=UTC) > WEDNESDAY
        mine = {entry.text for entry in written if entry.created_at.date() == date(2026, 11, 23)}
        priyas = {
            entry.text
            for entry in session.scalars(select(ImpactEntry).where(ImpactEntry.lead_id != lead.id))
            if entry.created_at.date() == date(2026, 11, 23)
        }
        assert mine
        assert priyas
        assert not mine & priyas
        assert session.scalars(select(Diagnostic)).all()


def test_a_response_url_the_workspace_never_gave_is_refused_and_recorded_nowhere(
    page: Page, slack: SlackAPIServer
) -> None:
    before = len(slack.calls())
    request = urllib.request.Request(page.url + "/respond/999", data=b'{"text": "hi"}', method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    with refused.value as answer:
        assert answer.code == 404
        assert json.loads(answer.read())["error"] == "expired_url"
    assert len(slack.calls()) == before
    assert page.state()["dm"]["messages"] == []
