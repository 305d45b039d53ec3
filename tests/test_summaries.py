"""Weekly scorecards and the team digest, end to end: the real tick, services and database, the Slack-compatible
server, a hand-computed week."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.coaching.focus import FOCUS
from bot.coaching.prompts import PromptLibrary
from bot.jobs import run_tick
from bot.services.scorecards import build_scorecards, entry_weeks
from bot.slack.blocks.scorecard import HIGHLIGHT_MAX
from bot.store.db import make_session_factory
from bot.store.models import Absence, Decision, Delivery, Handoff, ImpactEntry, Lead, Reply, Workspace
from tests.seed import add_diagnostic, add_entry, add_prompt, enroll
from tests.slack_api import SlackAPIServer
from tests.support import Clock
from tests.ticks import make_tick, two_workers_at_once

TEAM = "T0TEAM"
LEAD = "U0LEAD"
PEER = "U0PEER"
CHANNEL = "C0DIGEST"
FRIDAY = datetime(2026, 11, 20, 16, 30, tzinfo=UTC)  # 16:30 in London (GMT): the default scorecard time
MONDAY = datetime(2026, 11, 16, tzinfo=UTC)
DIGEST_TIME = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # Friday 16:00 in the workspace timezone (UTC)


def seed_known_week(session_factory: sessionmaker[Session], slack: SlackAPIServer) -> int:
    """A week whose every figure is worked out by hand below."""
    slack.set_user(PEER, name="Priya Peer")
    lead_id = enroll(session_factory, slack, LEAD, FRIDAY - timedelta(minutes=1), name="Ada Lovelace")
    day = timedelta(days=1)
    with session_factory.begin() as session:
        # This week (2026-W47).
        add_entry(
            session, lead_id, MONDAY + timedelta(hours=10), f"Unblocked <@{PEER}> on the deploy 🚀", {"unblocking"}
        )
        add_entry(
            session,
            lead_id,
            MONDAY + day + timedelta(hours=11),
            "Paired with Sam on the flaky test and let them drive",
            {"mentoring", "hands_on"},
        )
        add_entry(session, lead_id, MONDAY + 2 * day + timedelta(hours=12), "Fixed the cache bug myself", {"hands_on"})
        add_entry(session, lead_id, MONDAY + 3 * day + timedelta(hours=9), "Wrote down why we chose it", {"context"})
        add_entry(
            session,
            lead_id,
            MONDAY + 3 * day + timedelta(hours=15),
            "Handed the migration to Priya with a clear done check",
            {"delegation"},
        )
        # Last week (W46), and the two weeks before it (W45, W44); nothing in W43.
        add_entry(session, lead_id, MONDAY - 5 * day, "Cleared a blocked review", {"unblocking"})
        add_entry(session, lead_id, MONDAY - 4 * day, "Let the team pick the queue", {"stayed_quiet"})
        add_entry(session, lead_id, MONDAY - 10 * day, "Shared the roadmap context", {"context"})
        add_entry(session, lead_id, MONDAY - 17 * day, "Delegated the on-call rota", {"delegation"})
        # Prompts Monday to Thursday; the tick sends Friday's before the scorecard.
        for offset, status in enumerate(["answered", "answered", "skipped", "sent"]):
            add_prompt(session, lead_id, LEAD, MONDAY + offset * day + timedelta(hours=16, minutes=30), status)
        add_diagnostic(session, lead_id, MONDAY + day, "delegate", 3, "delegated")
        add_diagnostic(session, lead_id, MONDAY + 2 * day, "go", 1.5, None)
        add_diagnostic(session, lead_id, MONDAY - 12 * day, "delegate", 2, "delegated")
        add_month_of_loops(session, lead_id)
    return lead_id


def add_month_of_loops(session: Session, lead_id: int) -> None:
    """Hand-offs and decisions answered around the four weeks the scorecard counts: 24 Oct to 20 Nov (London)."""
    on = date.fromisoformat
    for status, answered in [
        ("held", "2026-11-19"),
        ("held", "2026-10-24"),  # the first day of the four weeks
        ("came_back", "2026-11-02"),
        ("stepped_in", "2026-10-23"),  # the day before: not counted
        ("held", "2026-11-21"),  # after the scorecard's week
        ("going", "2026-11-18"),  # not settled: not counted either way
    ]:
        session.add(
            Handoff(lead_id=lead_id, delegate=PEER, what=f"{status} work", due_on=on(answered), source="command",
                    status=status, asks=1, answered_on=on(answered))
        )  # fmt: skip
    session.add(
        Handoff(lead_id=lead_id, delegate=PEER, what="not asked yet", due_on=on("2026-11-25"), source="command")
    )
    for who, decided in [
        ("team", "2026-11-20"),
        ("owner", "2026-11-10"),
        ("me", "2026-11-01"),
        ("team", "2026-10-30"),
        ("owner", "2026-10-20"),  # before the four weeks
    ]:
        session.add(
            Decision(lead_id=lead_id, what=f"{who} decides", due_on=on(decided), decided_by=who, decided_on=on(decided))
        )
    session.add(Decision(lead_id=lead_id, what="still open", due_on=on("2026-11-18"), decided_by="open"))
    session.add(Absence(lead_id=lead_id, first_day=on("2026-10-01"), last_day=on("2026-10-07"), waited="fire"))
    session.add(Absence(lead_id=lead_id, first_day=on("2026-11-02"), last_day=on("2026-11-06"), waited="nothing"))


def message_text(params: dict[str, Any]) -> str:
    """Everything a person can read in a posted message."""
    parts = [str(params.get("text") or "")]
    for block in params.get("blocks") or []:
        if "text" in block:
            parts.append(block["text"]["text"])
        parts.extend(element.get("text", "") for element in block.get("elements", []) if isinstance(element, dict))
    return "\n".join(parts)


def scorecards(slack: SlackAPIServer) -> list[dict[str, Any]]:
    return [c.params for c in slack.calls("chat.postMessage") if str(c.params.get("text", "")).startswith("Your week")]


def test_the_scorecard_shows_a_hand_computed_week_with_its_chart(
    session_factory: sessionmaker[Session], slack: SlackAPIServer, library: PromptLibrary
) -> None:
    seed_known_week(session_factory, slack)
    report = run_tick(make_tick(session_factory, slack, library), FRIDAY)

    assert report.summaries == 1
    [card] = scorecards(slack)
    text = message_text(card)
    assert card["channel"] == slack.dm_channel_id(LEAD)
    # The headline counts leadership: four this week (all but the cache fix), two last week; hands-on beside it.
    assert "*4 leadership moments*, 2 more than last week (2) · 1 hands-on · 0 unfiled." in text
    assert "Streak: *4 weeks* in a row" in text
    assert "Prompts: 4 sent, 2 answered, 1 skipped." in text  # Friday's, sent with the scorecard, is next week's
    assert (
        "*Leadership and hands-on, counted in moments (not hours):* 4 leadership, 1 hands-on: 80% leadership, "
        "10 points above the 70/30 rule of thumb." in text
    )
    assert "*Coding urges checked:* 2 (4.5 h estimated): go ahead 1, delegate 1." in text
    # Four weeks, 24 Oct to 20 Nov: two hand-offs held and one came back; the team or the owner made three of the
    # four decisions made; the latest absence first.
    assert "Hand-offs that held, last four weeks: 2 of 3 (67%)." in text
    assert "Decisions the team made without you: 3 of 4 (75%), last four weeks." in text
    assert "Last absence: nothing waited (before that: a fire waited)." in text
    # The fortnight: one decision left to the team (12 Nov), context once (19 Nov); context once the two weeks before.
    assert "Over two weeks: 1 decision left to the team, context shared 1 time: up from 1 the two weeks before." in text
    assert FOCUS["trust"].text in text  # the quietest themes tie at zero; week 47 picks the third of five
    # Highlights: the three leadership entries with the most to say, oldest first, mentions as names.
    quotes = [line for line in text.splitlines() if line.startswith("> ")]
    assert quotes == [
        "> Unblocked @Priya Peer on the deploy 🚀",
        "> Paired with Sam on the flaky test and let them drive",
        "> Handed the migration to Priya with a clear done check",
    ]
    assert "<@" not in text
    # The chart went up first, through the two-step upload, into the same DM.
    [upload] = slack.uploaded_files()
    assert upload.completed
    assert upload.channel == slack.dm_channel_id(LEAD)
    assert (upload.data or b"").startswith(b"\x89PNG\r\n\x1a\n")
    [url_call] = slack.calls("files.getUploadURLExternal")
    [complete_call] = slack.calls("files.completeUploadExternal")
    [post_call] = [c for c in slack.calls("chat.postMessage") if str(c.params["text"]).startswith("Your week")]
    assert url_call.time <= complete_call.time <= post_call.time
    assert "The chart just above" in text
    assert "```" not in message_text({"blocks": card["blocks"]})
    with session_factory() as session:
        [delivery] = session.scalars(select(Delivery).where(Delivery.kind == "summary")).all()
        assert (delivery.period_key, delivery.status, delivery.channel) == ("2026-W47", "sent", card["channel"])


@pytest.mark.parametrize("failing", ["files.getUploadURLExternal", "files.completeUploadExternal"])
def test_a_failed_chart_upload_still_sends_the_scorecard_with_a_text_chart(
    session_factory: sessionmaker[Session], slack: SlackAPIServer, library: PromptLibrary, failing: str
) -> None:
    seed_known_week(session_factory, slack)
    slack.fail(failing, status=500, times=None)
    run_tick(make_tick(session_factory, slack, library), FRIDAY)

    [card] = scorecards(slack)
    blocks_text = message_text({"blocks": card["blocks"]})
    assert "```" in blocks_text
    assert "Hands-on code" in blocks_text
    assert "█" in blocks_text
    assert "The chart just above" not in blocks_text
    assert len(slack.calls("chat.postMessage")) == 2  # Friday's prompt and the scorecard, nothing twice


def test_an_empty_week_gets_a_short_kind_message(
    session_factory: sessionmaker[Session], slack: SlackAPIServer, library: PromptLibrary
) -> None:
    enroll(session_factory, slack, LEAD, FRIDAY - timedelta(minutes=1))
    run_tick(make_tick(session_factory, slack, library), FRIDAY)

    [card] = scorecards(slack)
    assert len(card["blocks"]) <= 3
    text = message_text({"blocks": card["blocks"]})
    assert "Nothing logged this week" in text
    assert " 0 " not in text
    assert "0%" not in text
    assert slack.uploaded_files() == []


def test_long_texts_are_cut_at_slack_limits_with_an_ellipsis(
    session_factory: sessionmaker[Session], slack: SlackAPIServer, library: PromptLibrary
) -> None:
    lead_id = enroll(session_factory, slack, LEAD, FRIDAY - timedelta(minutes=1))
    with session_factory.begin() as session:
        for n in range(12):
            long = f"entry {n} " + "context that matters " * 2_000  # 40,000 characters
            add_entry(session, lead_id, MONDAY + timedelta(hours=n), long, {"context", "mentoring"}, shareable=True)
        workspace = session.get_one(Workspace, TEAM)
        workspace.digest_channel, workspace.next_digest_at = CHANNEL, DIGEST_TIME
    run_tick(make_tick(session_factory, slack, library), FRIDAY)

    [card] = scorecards(slack)
    [quotes] = [
        b["text"]["text"] for b in card["blocks"] if b["type"] == "section" and "own words" in b["text"]["text"]
    ]
    highlights = [line for line in quotes.splitlines() if line.startswith("> ")]
    assert len(highlights) == 3
    assert all(line.endswith("…") and len(line) <= 2 + HIGHLIGHT_MAX for line in highlights)
    [digest] = [c.params for c in slack.calls("chat.postMessage") if c.params["channel"] == CHANNEL]
    sections = [b["text"]["text"] for b in digest["blocks"] if b["type"] == "section"]
    assert all(len(text) <= 3000 for text in sections)
    assert sum("…" in text for text in sections) == 12
    # The server validated every payload with slack_sdk's models (the fixture fails the test otherwise).


def seed_team(session_factory: sessionmaker[Session], slack: SlackAPIServer, leads: int) -> tuple[set[str], set[str]]:
    """`leads` leads, each with private and (for every third lead) shared entries this week; returns the texts."""
    shared: set[str] = set()
    private: set[str] = set()
    with session_factory.begin() as session:
        session.merge(
            Workspace(
                team_id=TEAM, timezone="UTC", digest_channel=CHANNEL, digest_set_by=LEAD, next_digest_at=DIGEST_TIME
            )
        )
    for n in range(leads):
        lead_id = enroll(session_factory, slack, f"U0L{n:03d}", DIGEST_TIME - timedelta(minutes=1), name=f"Lead {n}")
        with session_factory.begin() as session:
            secret = f"private-{n}-alpha kept it calm"
            private.add(secret)
            add_entry(session, lead_id, MONDAY + timedelta(hours=n % 90), secret, {"trust"})
            add_entry(session, lead_id, MONDAY - timedelta(days=3), f"private-{n}-beta last week", {"context"})
            private.add(f"private-{n}-beta last week")
            if n % 3 == 0:
                words = f"shared-{n} unblocked <@U0L{(n + 1) % leads:03d}> on the release ✅"
                shared.add(words)
                add_entry(
                    session, lead_id, MONDAY + timedelta(hours=n % 90, minutes=5), words, {"unblocking"}, shareable=True
                )
    return shared, private


def test_the_digest_shows_team_figures_and_only_what_authors_shared(
    session_factory: sessionmaker[Session], slack: SlackAPIServer, library: PromptLibrary
) -> None:
    shared, private = seed_team(session_factory, slack, 60)
    report = run_tick(make_tick(session_factory, slack, library), DIGEST_TIME)

    assert report.digests == 1
    [digest] = [c.params for c in slack.calls("chat.postMessage") if c.params["channel"] == CHANNEL]
    text = message_text(digest)
    assert "*60 leads* logged invisible work this week." in text
    assert "80 moments in all, up 20 on last week." in text
    assert "• Trust and conflict: 60" in text
    assert "• Unblocking: 20" in text
    assert "Theme of the week: *trust and conflict*" in text
    assert "— *Lead 0* · unblocking" in text
    for words in shared:
        n = int(words.split()[0].removeprefix("shared-"))
        assert f"shared-{n} unblocked @Lead {(n + 1) % 60} on the release ✅" in text
    assert "<@" not in text
    with session_factory() as session:
        stored = [*session.scalars(select(Reply.text)), *session.scalars(select(ImpactEntry.text))]
        unshared = set(stored) - shared
    assert unshared >= private
    for words in unshared:
        assert words not in text
        assert words.split()[0] not in text  # not even its distinctive token


def test_a_small_team_digest_keeps_counts_private(
    session_factory: sessionmaker[Session], slack: SlackAPIServer, library: PromptLibrary
) -> None:
    seed_team(session_factory, slack, 2)
    run_tick(make_tick(session_factory, slack, library), DIGEST_TIME)

    [digest] = [c.params for c in slack.calls("chat.postMessage") if c.params["channel"] == CHANNEL]
    text = message_text(digest)
    assert "*2 leads* logged invisible work" in text
    assert "counts stay private" in text
    assert "moments in all" not in text
    assert "Trust" not in text
    assert "shared-0 unblocked" in text


def test_scorecards_and_digests_are_sent_once_per_week_however_often_or_late_the_tick_runs(
    session_factory: sessionmaker[Session], slack: SlackAPIServer, library: PromptLibrary
) -> None:
    seed_team(session_factory, slack, 4)
    saturday = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    clock = Clock(saturday)  # the courier's clock too: what waits for Monday is not due on Saturday
    tick = make_tick(session_factory, slack, library, clock=clock)
    first = run_tick(tick, saturday)  # the worker was down on Friday: this week's still go out…
    clock.now = saturday + timedelta(minutes=1)
    again = run_tick(tick, clock.now)

    assert (first.summaries, first.digests) == (0, 1)  # …the scorecards on the leads' next workday morning
    assert (again.summaries, again.digests) == (0, 0)
    with session_factory() as session:
        kept = session.scalars(select(Delivery).where(Delivery.kind.in_(["summary", "digest"]))).all()
        assert Counter((d.kind, d.period_key) for d in kept) == {("summary", "2026-W47"): 4, ("digest", "2026-W47"): 1}
        waiting = {d.next_attempt_at for d in kept if d.kind == "summary"}
        assert waiting == {datetime(2026, 11, 23, 8, 0, tzinfo=UTC)}  # Monday 08:00 in London
        assert {lead.next_summary_at for lead in session.scalars(select(Lead))} == {
            datetime(2026, 11, 27, 16, 30, tzinfo=UTC)
        }
    # Too late to be this week's: a worker down until Tuesday skips it rather than send a stale one.
    clock.now = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    run_tick(tick, clock.now)
    with session_factory() as session:
        weeks = Counter(d.period_key for d in session.scalars(select(Delivery).where(Delivery.kind == "summary")))
    assert weeks == {"2026-W47": 4}


def test_two_workers_at_once_send_each_scorecard_and_digest_once(
    engine: Engine, database_url: str, slack: SlackAPIServer, library: PromptLibrary
) -> None:
    seed_team(make_session_factory(engine), slack, 60)
    reports = two_workers_at_once(engine, database_url, slack, library, datetime(2026, 11, 20, 16, 31, tzinfo=UTC))

    per_channel = Counter(c.params["channel"] for c in slack.calls("chat.postMessage"))
    assert per_channel[CHANNEL] == 1
    assert len([c for c in per_channel if c.startswith("D")]) == 60
    assert {count for channel, count in per_channel.items() if channel.startswith("D")} == {1}
    assert sum(r.summaries for r in reports) == 60
    assert sum(r.digests for r in reports) == 1
    assert len([u for u in slack.uploaded_files() if u.completed]) == 60


def test_a_worker_that_died_after_posting_a_scorecard_is_not_followed_by_a_second_one(
    session_factory: sessionmaker[Session], slack: SlackAPIServer, library: PromptLibrary
) -> None:
    seed_known_week(session_factory, slack)
    tick = make_tick(session_factory, slack, library)
    run_tick(tick, FRIDAY)
    with session_factory.begin() as session:  # as if the worker died before recording the post
        delivery = session.scalars(select(Delivery).where(Delivery.kind == "summary")).one()
        delivery.status, delivery.ts = "claimed", None
    run_tick(tick, FRIDAY + timedelta(minutes=6))  # the lease has run out: a later tick takes over

    assert len(scorecards(slack)) == 1
    assert len(slack.uploaded_files()) == 1
    with session_factory() as session:
        delivery = session.scalars(select(Delivery).where(Delivery.kind == "summary")).one()
        assert (delivery.status, delivery.attempts) == ("sent", 2)


def test_a_public_channel_the_bot_left_is_joined_again(
    session_factory: sessionmaker[Session], slack: SlackAPIServer, library: PromptLibrary
) -> None:
    seed_team(session_factory, slack, 3)
    slack.set_channel(CHANNEL, is_private=False, is_member=False, name="team-leads")
    run_tick(make_tick(session_factory, slack, library), DIGEST_TIME)

    assert len(slack.calls("conversations.join")) == 1
    assert len(slack.messages(CHANNEL)) == 1


@pytest.mark.parametrize(
    ("private", "join_error", "advice"),
    [(True, None, "private channel"), (False, "missing_scope", "not allowed to join")],
)
def test_a_channel_the_bot_cannot_enter_is_explained_to_whoever_set_it(
    session_factory: sessionmaker[Session],
    slack: SlackAPIServer,
    library: PromptLibrary,
    private: bool,
    join_error: str | None,
    advice: str,
) -> None:
    seed_team(session_factory, slack, 3)
    slack.set_user(LEAD)
    slack.set_channel(CHANNEL, is_private=private, is_member=False, name="team-leads")
    if join_error:
        slack.fail("conversations.join", error=join_error)
    report = run_tick(make_tick(session_factory, slack, library), DIGEST_TIME)

    assert report.digests == 0
    assert slack.messages(CHANNEL) == []
    [note] = [c.params for c in slack.calls("chat.postMessage") if c.params["channel"] == LEAD]
    assert advice in note["text"]
    assert "/invite @Lead Coach" in note["text"]
    with session_factory() as session:
        delivery = session.scalars(select(Delivery).where(Delivery.kind == "digest")).one()
        assert (delivery.status, delivery.error) == ("failed", "not_in_channel")


def test_a_lead_whose_stored_timezone_cannot_be_read_does_not_stop_the_others(
    session_factory: sessionmaker[Session], slack: SlackAPIServer, library: PromptLibrary
) -> None:
    seed_team(session_factory, slack, 3)
    with session_factory.begin() as session:
        broken = session.scalars(select(Lead).where(Lead.user_id == "U0L000")).one()
        broken.timezone, broken.next_summary_at = "Mars/Phobos", None
    report = run_tick(make_tick(session_factory, slack, library), FRIDAY)

    assert report.summaries == 2
    assert report.digests == 1
    with session_factory() as session:
        broken = session.scalars(select(Lead).where(Lead.user_id == "U0L000")).one()
        assert broken.next_summary_at is None


def test_stale_claims_nobody_wants_any_more_are_expired_not_sent(
    session_factory: sessionmaker[Session], slack: SlackAPIServer, library: PromptLibrary
) -> None:
    seed_team(session_factory, slack, 3)
    with session_factory.begin() as session:
        lead = session.scalars(select(Lead).where(Lead.user_id == "U0L001")).one()
        lead.enrolled = False  # /coach stop after the claim
        stale = {"claimed_at": FRIDAY - timedelta(minutes=30), "due_at": FRIDAY - timedelta(minutes=30)}
        for kind, recipient, period, lead_id in [
            ("summary", "U0L000", "now-20261120T160000.000000", None),  # a one-off whose listener died
            ("summary", "U0L001", "2026-W47", lead.id),
            ("digest", "C0OLD", "2026-W47", None),  # the channel was changed since
        ]:
            owner = lead_id or session.scalars(select(Lead.id).where(Lead.user_id == recipient)).first()
            session.add(
                Delivery(
                    team_id=TEAM,
                    lead_id=owner,
                    kind=kind,
                    period_key=period,
                    recipient=recipient,
                    status="claimed",
                    attempts=1,
                    created_at=stale["claimed_at"],
                    **stale,
                )
            )
        session.get_one(Workspace, TEAM).next_digest_at = None
    run_tick(make_tick(session_factory, slack, library), FRIDAY - timedelta(minutes=20))

    assert slack.calls("chat.postMessage") == []
    with session_factory() as session:
        statuses = {d.period_key + d.recipient: d.status for d in session.scalars(select(Delivery))}
    assert set(statuses.values()) == {"expired"}


def test_an_entry_exactly_a_week_before_the_scorecard_is_in_this_week_for_the_streak_too(
    session_factory: sessionmaker[Session], slack: SlackAPIServer
) -> None:
    lead_id = enroll(session_factory, slack, LEAD, FRIDAY - timedelta(minutes=1))
    with session_factory.begin() as session:
        for weeks_back in (1, 2):
            add_entry(session, lead_id, FRIDAY - timedelta(weeks=weeks_back), f"{weeks_back} weeks back", {"context"})
    with session_factory() as session:
        lead = session.get_one(Lead, lead_id)
        [card] = build_scorecards(session, [lead], FRIDAY, "2026-W47").values()
        assert entry_weeks(session, [lead_id], FRIDAY) == {lead_id: {0, 1}}
    assert card.total == 1
    assert card.streak == 2
