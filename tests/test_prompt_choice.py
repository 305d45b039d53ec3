"""Choice that adapts, through the real tick: simulated leads over workdays, with what they log in between."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.coaching.prompts import PromptLibrary
from bot.coaching.selection import HANDS_ON_THEMES
from bot.store.models import Delivery, Kind
from tests.slack_api import SlackAPIServer
from tests.support import SlackRequests
from tests.test_loops import Days, prompt_time
from tests.test_loops import days as days
from tests.test_loops import lead as lead

NOTE = "a theme you haven't logged in a while"


def prompts_sent(session_factory: sessionmaker[Session], library: PromptLibrary) -> dict[str, str]:
    """Local date -> theme of the prompt sent that day."""
    with session_factory() as session:
        rows = session.execute(select(Delivery.period_key, Delivery.prompt_id).where(Delivery.kind == Kind.PROMPT))
        return {key: library.get(str(prompt_id)).theme for key, prompt_id in rows}  # type: ignore[union-attr]


def workdays(first: date, count: int) -> list[date]:
    found, day = [], first
    while len(found) < count:
        if day.isoweekday() <= 5:
            found.append(day)
        day += timedelta(days=1)
    return found


def test_a_lead_who_only_codes_gets_a_70_30_or_coding_prompt_within_three_workdays(
    lead: str,
    requests: SlackRequests,
    slack: SlackAPIServer,
    session_factory: sessionmaker[Session],
    days: Days,
    library: PromptLibrary,
) -> None:
    for day in workdays(date(2026, 11, 30), 3):
        days.clock.now = prompt_time(day) - timedelta(hours=2)
        requests.command("/impact", "fixed the flaky test myself")
        days.at(prompt_time(day))
    themes = prompts_sent(session_factory, library)
    assert len(themes) == 3
    assert set(themes.values()) & HANDS_ON_THEMES, themes


def test_a_new_lead_never_sees_the_quiet_theme_note_in_week_one(
    lead: str, slack: SlackAPIServer, session_factory: sessionmaker[Session], days: Days, library: PromptLibrary
) -> None:
    days.through(date(2026, 11, 30), date(2026, 12, 6))
    assert len(prompts_sent(session_factory, library)) == 5  # a prompt each workday
    posted = [c for c in slack.calls("chat.postMessage") if c.error is None]
    assert not any(NOTE in str(c.params.get("blocks")) for c in posted)


def test_after_two_weeks_of_leading_a_really_quiet_theme_gets_the_note(
    lead: str, requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], days: Days
) -> None:
    for day in workdays(date(2026, 11, 30), 20):
        days.clock.now = prompt_time(day) - timedelta(hours=2)
        requests.command("/impact", "coached Ana on her first design doc")
        days.at(prompt_time(day))
    noted = [c for c in slack.calls("chat.postMessage") if NOTE in str(c.params.get("blocks"))]
    assert noted
    with session_factory() as session:
        first_noted = min(
            session.get_one(Delivery, int(c.params["metadata"]["event_payload"]["delivery_id"])).period_key
            for c in noted
        )
    assert first_noted >= "2026-12-14"  # two weeks after the first prompt
