"""/coach's subcommands, export and forget, and uninstalling, through signed requests into the real app."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.coaching.brag import indented
from bot.coaching.mentions import readable
from bot.coaching.prompts import PromptLibrary
from bot.jobs import run_tick
from bot.services import workspaces
from bot.slack.blocks.forget import MODAL_CALLBACK as FORGET_CALLBACK
from bot.store.models import Base, Delivery, ImpactEntry, Lead, Workspace
from tests.seed import add_diagnostic, add_entry, add_loops, add_memory, add_prompt, enroll
from tests.slack_api import SlackAPIServer
from tests.support import TEAM_ID, Clock, SlackRequests, queue_settled, wait_until
from tests.ticks import make_tick

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # Wednesday
FRIDAY = datetime(2026, 11, 20, 16, 30, tzinfo=UTC)  # prompt, scorecard (London) and digest (UTC 16:00) all due


def answer(slack: SlackAPIServer, count: int = 1) -> str:
    return str(slack.wait_for("response_url", count=count)[-1].params["text"])


def seed_lead(session_factory: sessionmaker[Session], slack: SlackAPIServer, user_id: str) -> int:
    """An enrolled lead with entries over two quarters, prompts and diagnostics."""
    lead_id = enroll(session_factory, slack, user_id, NOW - timedelta(hours=1))
    with session_factory.begin() as session:
        add_entry(session, lead_id, NOW - timedelta(days=1), f"{user_id}: unblocked the deploy", {"unblocking"})
        add_entry(session, lead_id, NOW - timedelta(days=60), f"{user_id}: wrote it down\nfor the team", {"context"})
        add_entry(session, lead_id, NOW - timedelta(days=2), f"{user_id}: a &lt;b&gt; tag", set(), shareable=True)
        add_prompt(session, lead_id, user_id, NOW - timedelta(days=1), "answered")
        add_diagnostic(session, lead_id, NOW - timedelta(days=3), "delegate", 2, "delegated")
        add_loops(session, lead_id, NOW - timedelta(days=4))
        add_memory(session, lead_id)
    return lead_id


def test_help_for_a_missing_unknown_or_help_subcommand(requests: SlackRequests) -> None:
    for text in ("", "help", "dance", "EXPORTS please"):
        response = requests.command("/coach", text)
        assert response.status == 200  # a plain-text answer: Slack shows it to the person only
        for command in ("/coach settings", "/coach export", "/coach forget", "/coach pause"):
            assert command in response.body, (text, command)


def test_pause_takes_a_number_of_days_or_a_date(
    requests: SlackRequests, slack: SlackAPIServer, clock: Clock, session_factory: sessionmaker[Session]
) -> None:
    clock.now = NOW
    seed_lead(session_factory, slack, "U0LEAD")
    requests.event({"type": "app_home_opened", "user": "U0LEAD", "channel": "D1", "tab": "home"})  # looking at Home
    assert "no prompts through Sunday 22 November" in requests.command("/coach", "pause 5 days").body
    assert "no prompts through Thursday 24 December" in requests.command("/coach", "pause until 2026-12-24").body
    assert "/coach pause 5d" in requests.command("/coach", "pause whenever").body
    wait_until(lambda: any("24 December" in json.dumps(c.params) for c in slack.calls("views.publish")))


def test_export_sends_the_brag_document_to_the_dm_as_a_file(
    requests: SlackRequests, slack: SlackAPIServer, clock: Clock, session_factory: sessionmaker[Session]
) -> None:
    clock.now = NOW
    seed_lead(session_factory, slack, "U0LEAD")
    seed_lead(session_factory, slack, "U0PEER")

    requests.command("/coach", "export")

    assert answer(slack) == "Your brag document is on its way to our DM."
    [upload] = wait_until(lambda: [f for f in slack.uploaded_files() if f.completed])
    assert (upload.filename, upload.completed, upload.channel) == ("brag-document-2026-11-18.md", True, "D0LEAD")
    document = (upload.data or b"").decode()
    with session_factory() as session:
        lead_id = session.scalars(select(Lead.id).where(Lead.user_id == "U0LEAD")).one()
        stored = list(session.scalars(select(ImpactEntry.text).where(ImpactEntry.lead_id == lead_id)))
    assert len(stored) == 3
    for text in stored:
        assert document.count(indented(readable(text, {}))) == 1
    assert "a <b> tag" in document
    assert "U0PEER" not in document
    assert "## 2026 Q4" in document
    assert "## 2026 Q3" in document


def test_export_for_someone_unknown_is_a_friendly_answer(requests: SlackRequests, slack: SlackAPIServer) -> None:
    requests.command("/coach", "export", user_id="U0STRANGER")
    assert "nothing to export yet" in answer(slack)
    assert slack.uploaded_files() == []


def snapshot(engine: Engine) -> dict[str, set[tuple[Any, ...]]]:
    """Every row of every table."""
    with engine.connect() as connection:
        return {
            table.name: {tuple(row) for row in connection.execute(select(table))}
            for table in Base.metadata.sorted_tables
        }


def theirs(table: str, row: tuple[Any, ...], columns: list[str], lead_id: int, entries: set[int]) -> bool:
    """Whether a row belongs to the lead: their lead row, or a row pointing at them or at their entries."""
    values = dict(zip(columns, row, strict=True))
    return (
        (table == "leads" and values["id"] == lead_id)
        or values.get("lead_id") == lead_id
        or (table == "entry_categories" and values["entry_id"] in entries)
        or (table == "pace_slots" and values["key"] in (f"{TEAM_ID}/D0LEAD", f"{TEAM_ID}/U0LEAD"))
    )


def test_forget_asks_first_then_deletes_every_row_of_the_lead_and_nothing_else(
    requests: SlackRequests,
    slack: SlackAPIServer,
    clock: Clock,
    engine: Engine,
    session_factory: sessionmaker[Session],
) -> None:
    clock.now = NOW
    lead_id = seed_lead(session_factory, slack, "U0LEAD")
    seed_lead(session_factory, slack, "U0PEER")
    with session_factory.begin() as session:
        session.add(Workspace(team_id="T0OTHER", timezone="UTC"))
        session.flush()
        session.add(Lead(team_id="T0OTHER", user_id="U0LEAD", enrolled=True))  # the same person elsewhere
        session.get_one(Workspace, TEAM_ID).digest_set_by = "U0LEAD"
    dm = {"type": "message", "channel_type": "im", "channel": "D0LEAD", "user": "U0LEAD", "ts": "1763467200.000100"}
    requests.event({**dm, "text": "Kept quiet so the team chose the schema"})
    slack.wait_for("chat.postMessage")  # its acknowledgement
    wait_until(lambda: queue_settled(session_factory))
    slack.reset()

    requests.command("/coach", "forget")
    [opened] = slack.wait_for("views.open")
    confirmation = json.dumps(opened.params["view"])
    assert "4 entries in your impact log" in confirmation
    assert "1 coding diagnostic" in confirmation
    with session_factory() as session:
        entries = set(session.scalars(select(ImpactEntry.id).where(ImpactEntry.lead_id == lead_id)))
    before = snapshot(engine)

    response = requests.view_submission(FORGET_CALLBACK, {}, private_metadata="")

    assert response.status == 200
    assert "Done: 4 entries, 1 diagnostic" in response.body
    slack.wait_for("views.publish")  # Home redrawn, empty: its new row names no lead and holds nothing of theirs
    wait_until(lambda: queue_settled(session_factory))
    after = snapshot(engine)
    columns = [column.name for column in Base.metadata.tables["deliveries"].columns]

    def new_empty_home(row: tuple[Any, ...]) -> bool:
        values = dict(zip(columns, row, strict=True))
        fresh = row not in before["deliveries"]
        return fresh and (values["kind"], values["recipient"], values["lead_id"]) == ("home", "U0LEAD", None)

    after["deliveries"] = {row for row in after["deliveries"] if not new_empty_home(row)}
    for snap in (before, after):  # that publish also moved the workspace's own pace, which is nobody's
        snap["pace_slots"] = {row for row in snap["pace_slots"] if row[0] != TEAM_ID}
    for table in Base.metadata.sorted_tables:
        columns = [column.name for column in table.columns]
        gone = {row for row in before[table.name] if theirs(table.name, row, columns, lead_id, entries)}
        if table.name == "workspaces":  # no lead's row; it only forgets who chose the digest channel
            assert not gone
            assert {dict(zip(columns, row, strict=True))["digest_set_by"] for row in after[table.name]} == {None}
            continue
        assert not {row for row in after[table.name] if theirs(table.name, row, columns, lead_id, entries)}, table
        assert after[table.name] == before[table.name] - gone, table.name
        # Tests post without per-channel spacing; distributed mode's installation tables hold no lead's rows.
        if table.name not in (
            "processed_events",
            "pace_slots",
            "slack_installations",
            "slack_bots",
            "slack_oauth_states",
        ):
            assert gone, f"the test seeds no {table.name} row of the lead"
    with session_factory() as session:
        assert session.scalars(select(Lead.user_id).order_by(Lead.team_id, Lead.user_id)).all() == [
            "U0LEAD",  # T0OTHER's
            "U0PEER",
        ]
    home = json.dumps(slack.wait_for("views.publish")[-1].params["view"])
    assert "home_start" in home


def test_forget_for_someone_unknown_says_there_is_nothing_to_delete(
    requests: SlackRequests, slack: SlackAPIServer
) -> None:
    requests.command("/coach", "forget", user_id="U0STRANGER")
    assert "nothing to delete" in answer(slack)
    assert slack.calls("views.open") == []
    response = requests.view_submission(FORGET_CALLBACK, {}, user_id="U0STRANGER")
    assert "nothing to delete" in response.body


def set_up_a_busy_friday(
    requests: SlackRequests, slack: SlackAPIServer, clock: Clock, session_factory: sessionmaker[Session]
) -> None:
    """Two leads and a digest channel: a prompt, a scorecard each and a digest all due on Friday, plus a claim left
    behind by a worker that died."""
    clock.now = NOW
    for user_id in ("U0LEAD", "U0PEER"):
        seed_lead(session_factory, slack, user_id)
    slack.set_user("U0LEAD", is_admin=True, tz="Europe/London")
    slack.set_channel("C0LEADS", is_private=False, is_member=True)
    requests.command("/coach", "digest <#C0LEADS>")
    answer(slack)
    with session_factory.begin() as session:
        lead_id = session.scalars(select(Lead.id).where(Lead.user_id == "U0LEAD")).one()
        session.add(
            Delivery(
                team_id=TEAM_ID,
                lead_id=lead_id,
                kind="prompt",
                period_key="2026-11-20-stale",
                recipient="U0LEAD",
                prompt_id="delegation-01",
                status="claimed",
                attempts=1,
                due_at=FRIDAY - timedelta(minutes=20),
                claimed_at=FRIDAY - timedelta(minutes=20),
            )
        )


@pytest.mark.parametrize("event", ["app_uninstalled", "tokens_revoked"])
def test_uninstalling_stops_every_send_to_the_workspace_until_it_is_reinstalled(
    requests: SlackRequests,
    slack: SlackAPIServer,
    clock: Clock,
    session_factory: sessionmaker[Session],
    library: PromptLibrary,
    event: str,
) -> None:
    set_up_a_busy_friday(requests, slack, clock, session_factory)
    tick = make_tick(session_factory, slack, library)
    payload: dict[str, Any] = {"type": event}
    if event == "tokens_revoked":
        payload["tokens"] = {"bot": ["U0BOT"]}
    assert requests.event(payload).status == 200  # recorded before Slack is answered
    slack.reset()

    report = run_tick(tick, FRIDAY)

    assert (report.sent, report.summaries, report.digests) == (0, 0, 0)
    assert [call.method for call in slack.calls()] == []
    with session_factory() as session:
        assert session.scalars(select(ImpactEntry)).all(), "the data stays"

    with session_factory.begin() as session:  # what start-up does when the app is back with a token
        install = workspaces.Install(TEAM_ID, "Acme", "UTC", None, None)
        workspaces.installed(session, install, FRIDAY)
    report = run_tick(tick, FRIDAY + timedelta(days=3))  # Monday 16:30 London
    assert report.sent == 2


def test_the_installer_named_at_start_up_may_choose_the_digest_channel(
    requests: SlackRequests, slack: SlackAPIServer, clock: Clock, session_factory: sessionmaker[Session]
) -> None:
    clock.now = NOW
    seed_lead(session_factory, slack, "U0LEAD")
    requests.command("/coach", "digest <#C0LEADS>")
    assert "Only workspace admins and owners" in answer(slack)

    with session_factory.begin() as session:
        workspaces.installed(session, workspaces.Install(TEAM_ID, None, "UTC", None, installer="U0LEAD"), NOW)
    requests.command("/coach", "digest <#C0LEADS>")
    assert "now goes to <#C0LEADS>" in answer(slack, count=2)


def test_start_succeeds_even_when_home_cannot_be_published(requests: SlackRequests, slack: SlackAPIServer) -> None:
    slack.fail("views.publish", status=500, times=None)
    requests.command("/coach", "start")
    assert "You're in" in answer(slack)


def test_the_export_file_is_dated_in_the_leads_timezone(
    requests: SlackRequests, slack: SlackAPIServer, clock: Clock, session_factory: sessionmaker[Session]
) -> None:
    clock.now = datetime(2026, 11, 18, 20, 0, tzinfo=UTC)  # already Thursday in Tokyo
    slack.set_user("U0LEAD", tz="Asia/Tokyo")
    requests.command("/coach", "start")
    answer(slack)
    requests.command("/impact", "Explained the rollout plan to support")
    requests.command("/coach", "export")
    assert answer(slack, count=2) == "Your brag document is on its way to our DM."
    [upload] = wait_until(lambda: [f for f in slack.uploaded_files() if f.completed])
    assert upload.filename == "brag-document-2026-11-19.md"


def test_a_token_slack_refuses_during_a_tick_stops_the_workspace_like_an_uninstall(
    requests: SlackRequests,
    slack: SlackAPIServer,
    clock: Clock,
    session_factory: sessionmaker[Session],
    library: PromptLibrary,
) -> None:
    set_up_a_busy_friday(requests, slack, clock, session_factory)
    tick = make_tick(session_factory, slack, library)
    slack.reset()
    slack.fail("chat.postMessage", error="token_revoked", times=None)

    report = run_tick(tick, FRIDAY)

    assert (report.sent, report.summaries, report.digests) == (0, 0, 0)
    with session_factory() as session:
        assert session.get_one(Workspace, TEAM_ID).active is False
        assert session.scalars(select(Lead.active)).all() == [True, True]  # the people are fine; the token is not
    slack.clear_faults()
    slack.reset()
    run_tick(tick, FRIDAY + timedelta(days=3))
    assert slack.calls("chat.postMessage") == []
