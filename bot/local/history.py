"""Six weeks of a lead's history, written straight into the database, so that Home, the scorecard and its chart
have something to show the moment `coach try` starts (and test data the same way)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.services import enrollment
from bot.services.ports import SlackProfile
from bot.store.models import Delivery, Diagnostic, EntryCategory, ImpactEntry, Reply

WEEKS = 6
# (weekday, what the lead wrote, its categories, shareable): a varied week, with one repeated differently each week
WEEK = (
    (0, "Paired with Sam on the deploy script; he owns it now.", {"mentoring", "delegation"}, True),
    (
        1,
        "Unblocked a new joiner on the flaky integration tests: got them the staging logs.",
        {"unblocking"},
        False,
    ),
    (2, "Wrote down why we picked Postgres over Dynamo so the new joiners stop asking.", {"context"}, True),
    (3, "Stayed quiet in the API review and let the team make the call on pagination.", {"stayed_quiet"}, False),
    (4, "Fixed the on-call rota so nobody gets paged two weeks in a row.", {"systemic_fix"}, True),
)
EXTRAS = (
    ("Spotted that the new cache had no eviction before it shipped.", {"architecture_risk"}, False),
    ("Explained the roadmap change to the support team in their words.", {"alignment"}, True),
    ("Interviewed two backend candidates and wrote up the debrief.", {"hiring_onboarding"}, False),
    ("Talked Mei through a hard conversation with another team.", {"trust", "mentoring"}, False),
    ("Wrote the retry helper myself because the release was close.", {"hands_on"}, False),
    ("Handed the incident review over to Mei; she ran it well.", {"delegation"}, True),
)
DIAGNOSTICS = (("delegate", 6.0, "delegated"), ("pair", 4.0, "paired"), ("go", 3.0, "myself"), ("face_it", 2.0, None))


def seed(
    session_factory: sessionmaker[Session],
    team_id: str,
    profile: SlackProfile,
    timezone: str,
    now: datetime,
    *,
    variant: int = 0,
) -> None:
    """Enroll the lead six weeks before `now` and give them entries, answered prompts and diagnostics since; leads
    with another `variant` wrote other things on the same days."""
    week_texts = [entry[1:] for entry in WEEK]
    week_texts = week_texts[variant:] + week_texts[:variant]
    days = [(weekday, *texts) for (weekday, *_), texts in zip(WEEK, week_texts, strict=True)]
    start = now - timedelta(weeks=WEEKS)
    monday = start - timedelta(days=start.weekday())
    with session_factory.begin() as session:
        lead_id = enrollment.start(session, profile, team_id, timezone, start).lead.id
        for week in range(WEEKS + 1):  # the six weeks before this one, and this one up to yesterday
            for weekday, text, categories, shareable in days[week % 2 :: 1 + week % 2]:
                at = (monday + timedelta(weeks=week, days=weekday)).replace(hour=16, minute=45)
                if start < at and at.date() < now.date():  # today's prompt is the tick's to send
                    add_prompt(session, team_id, lead_id, profile.user_id, at, "answered")
                    add_entry(session, lead_id, at, text, categories, shareable=shareable)
            extra_text, extra_categories, extra_shared = EXTRAS[(week + variant) % len(EXTRAS)]
            extra_at = (monday + timedelta(weeks=week, days=2)).replace(hour=11, minute=20)
            if start < extra_at and extra_at.date() < now.date():
                add_entry(session, lead_id, extra_at, extra_text, extra_categories, shareable=extra_shared)
            verdict, hours, outcome = DIAGNOSTICS[week % len(DIAGNOSTICS)]
            diagnosed = (monday + timedelta(weeks=week, days=1)).replace(hour=10, minute=5)
            if start < diagnosed and diagnosed.date() < now.date():
                add_diagnostic(session, lead_id, diagnosed, verdict, hours, outcome)
        # The lead's enrollment is now: the schedule runs from today, not from six weeks ago.
        enrollment.start(session, profile, team_id, timezone, now)


def add_entry(
    session: Session, lead_id: int, at: datetime, text: str, categories: set[str], *, shareable: bool = False
) -> None:
    """An impact entry the lead wrote in the DM at `at`, filed into `categories`."""
    entry = ImpactEntry(lead_id=lead_id, text=text, source="dm", shareable=shareable, created_at=at)
    session.add(entry)
    session.flush()
    session.add_all(EntryCategory(entry_id=entry.id, category=category) for category in categories)
    session.add(
        Reply(
            entry_id=entry.id,
            lead_id=lead_id,
            text=text,
            source="dm",
            channel=f"D{lead_id}",
            message_ts=f"{at.timestamp():.6f}",
            created_at=at,
        )
    )


def add_prompt(session: Session, team_id: str, lead_id: int, user_id: str, at: datetime, status: str) -> None:
    """A daily prompt sent at `at` and left in `status` (answered, skipped…)."""
    session.add(
        Delivery(
            team_id=team_id,
            lead_id=lead_id,
            kind="prompt",
            period_key=at.date().isoformat(),
            recipient=user_id,
            prompt_id="delegation-01",
            status=status,
            attempts=1,
            due_at=at,
            created_at=at,
        )
    )


def add_diagnostic(
    session: Session, lead_id: int, at: datetime, verdict: str, hours: float, outcome: str | None
) -> None:
    """A /why-am-i-coding answer given at `at`."""
    session.add(
        Diagnostic(
            lead_id=lead_id,
            task="the cache layer",
            ownership="yes",
            pull="dopamine",
            hours=hours,
            verdict=verdict,
            outcome=outcome,
            created_at=at,
        )
    )
