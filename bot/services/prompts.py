"""Daily prompts: claim what is due exactly once, say what to send, and record what happened."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from jinja2 import Environment
from sqlalchemy.orm import Session

from bot.coaching.calendar import holiday_country, is_holiday
from bot.coaching.categories import THEME_CATEGORIES, label, quiet_themes
from bot.coaching.prompts import LastWeek, PromptContext, PromptLibrary, render_prompt
from bot.coaching.schedule import is_too_late, local_date_of, next_occurrence
from bot.coaching.selection import (
    VERDICT_THEMES,
    Choice,
    PromptHistory,
    choose_prompt,
    daily_seed,
    engagement,
    needed_themes,
    quiet_counts,
)
from bot.services import loops
from bot.services.errors import UserFacingError
from bot.services.schedules import lead_timezone, prompt_schedule
from bot.store import deliveries as store
from bot.store.leads import get_or_create_lead, get_or_create_workspace, workspace_of
from bot.store.models import Delivery, Kind, Lead, Status

logger = logging.getLogger(__name__)

GRACE = timedelta(hours=3)  # later than this, a prompt is skipped for the day: never a prompt at night
LEASE = timedelta(minutes=5)  # a claim not marked sent after this long is retried by a later tick
QUIET_WINDOW = timedelta(days=14)
ENGAGEMENT_WINDOW = timedelta(weeks=12)  # answers read for the answer rate and length by theme
ENGAGEMENT_PROMPTS = 60
RESPONSES = {"skip": Status.SKIPPED, "reject": Status.REJECTED}


@dataclass(frozen=True)
class OutgoingPrompt:
    """One prompt to post, with everything the message shows."""

    delivery_id: int
    team_id: str
    lead_id: int
    user_id: str
    dm_channel: str | None
    due_at: datetime
    attempts: int
    text: str
    why: str
    theme_title: str
    source: str
    choices: tuple[str, ...]
    nudged: bool


@dataclass
class ClaimResult:
    """What one claiming pass found."""

    outgoing: list[OutgoingPrompt] = field(default_factory=list)
    processed: int = 0
    late: int = 0
    already_claimed: int = 0
    followups: int = 0  # coaching-loop questions queued (beside the prompt, or instead of it)
    away: int = 0  # leads away (their Slack status) or on a public holiday: nothing sent


@dataclass(frozen=True)
class Claim:
    """A delivery this worker holds."""

    delivery_id: int
    due_at: datetime
    attempts: int


class _Planner:
    """Loads the history of a batch of leads once, then chooses and renders each lead's prompt."""

    def __init__(self, session: Session, library: PromptLibrary, env: Environment, leads: list[Lead], now: datetime):
        ids = [lead.id for lead in leads]
        week_ago = now - timedelta(days=7)
        self.library, self.env = library, env
        self.histories = store.prompt_histories(session, ids)
        self.recent = store.categories_since(session, ids, now - QUIET_WINDOW)
        self.last_week_categories = store.categories_since(session, ids, week_ago)
        self.entries = store.entry_counts(session, ids, week_ago, now)
        self.answered = store.answered_counts(session, ids, week_ago, now)
        self.lengths = store.answer_lengths(session, ids, now - ENGAGEMENT_WINDOW)
        self.verdicts = store.recent_verdicts(session, ids, now - QUIET_WINDOW)
        self.now = now

    def choose(self, lead: Lead, day: date) -> Choice | None:
        """Today's prompt for this lead, from what their history says they need and answer."""
        rows = self.histories.get(lead.id, [])
        scheduled = [prompt_id for prompt_id, kind, _, _ in rows if kind == Kind.PROMPT]
        last = self.library.get(scheduled[-1]) if scheduled else None
        recent = self.recent.get(lead.id, Counter())
        history_days = (self.now - rows[0][3]).days if rows else 0
        boosted = {t for v in self.verdicts.get(lead.id, ()) for t in VERDICT_THEMES.get(v, ())}
        boosted |= {t for t, categories in THEME_CATEGORIES.items() if lead.focus and lead.focus in categories}
        history = PromptHistory(
            seen=tuple(prompt_id for prompt_id, _, _, _ in rows),
            rejected=frozenset(prompt_id for prompt_id, _, status, _ in rows if status == Status.REJECTED),
            last_theme=last.theme if last else None,
            quiet_themes=(
                quiet_themes(self.library.themes, recent) if quiet_counts(history_days, recent) else frozenset()
            ),
            statuses=tuple(status for _, _, status, _ in rows),
            needed_themes=needed_themes(recent),
            engagement=engagement(
                [(self._theme(prompt_id), status) for prompt_id, _, status, _ in rows[-ENGAGEMENT_PROMPTS:]],
                [(self._theme(prompt_id), length) for prompt_id, length in self.lengths.get(lead.id, [])],
                frozenset(boosted),
            ),
            audiences=frozenset(a for a in lead.audiences.split(",") if a),
            scorecard_day=day.isoweekday() == lead.summary_weekday,
        )
        return choose_prompt(self.library, history, daily_seed(f"{lead.team_id}:{lead.user_id}", day))

    def _theme(self, prompt_id: str) -> str:
        prompt = self.library.get(prompt_id)
        return prompt.theme if prompt else ""

    def outgoing(self, claim: Claim, lead: Lead, choice: Choice, day: date) -> OutgoingPrompt:
        """The message for a claimed delivery."""
        top = self.last_week_categories.get(lead.id)
        context = PromptContext(
            first_name=(lead.display_name or "there").split()[0],
            weekday=f"{day:%A}",
            last_week=LastWeek(
                entries=self.entries.get(lead.id, 0),
                answered=self.answered.get(lead.id, 0),
                top_category=label(top.most_common(1)[0][0]) if top else "",
            ),
        )
        prompt = choice.prompt
        return OutgoingPrompt(
            delivery_id=claim.delivery_id,
            team_id=lead.team_id,
            lead_id=lead.id,
            user_id=lead.user_id,
            dm_channel=lead.dm_channel,
            due_at=claim.due_at,
            attempts=claim.attempts,
            text=render_prompt(self.env, prompt, context),
            why=prompt.why,
            theme_title=prompt.theme_title,
            source=prompt.source,
            choices=prompt.choices,
            nudged=choice.nudged,
        )


def claim_due_prompts(
    session: Session, library: PromptLibrary, env: Environment, now: datetime, limit: int = 500
) -> ClaimResult:
    """Claim (insert, once) the prompt of every lead due at `now`, and move each lead's next due time on."""
    rows = store.due_leads(session, now, limit)
    result = ClaimResult(processed=len(rows))
    if not rows:
        return result
    planner = _Planner(session, library, env, [lead for lead, _ in rows], now)
    questions = loops.DayPlanner(session, [lead for lead, _ in rows], now)
    for lead, workspace_timezone in rows:
        due = lead.next_prompt_at
        assert due is not None
        try:
            schedule = prompt_schedule(lead, workspace_timezone)
        except ValueError:  # a stored zone or weekday we can't read must not stop everyone else's prompt
            logger.warning("lead %d has an unreadable schedule; prompts stopped until settings are saved", lead.id)
            lead.next_prompt_at = None
            continue
        lead.next_prompt_at = next_occurrence(schedule, max(due, now - GRACE), lead.paused_until)
        if is_too_late(due, now, GRACE):
            result.late += 1
            if lead.next_prompt_at > now:
                continue
            # Back after days down: the stale ones are skipped, but today's, still within its grace, goes now.
            due = lead.next_prompt_at
            lead.next_prompt_at = next_occurrence(schedule, due, lead.paused_until)
        day = local_date_of(due, schedule.timezone)
        if questions.away(lead, day) or is_holiday(day, holiday_country(lead.holiday_country, schedule.timezone)):
            result.away += 1  # a Slack status says away, or a public holiday: no prompt and no follow-up
            continue
        question = questions.today(lead, day, schedule.timezone)
        if question is not None and question.loop in loops.REPLACES_PROMPT:  # the day's one question
            result.followups += loops.ask(session, lead, question, day, due)
            continue
        choice = planner.choose(lead, day)
        if choice is not None:  # None: the lead turned down every prompt in the library
            claim = _claim(session, lead, Kind.PROMPT, day.isoformat(), choice, due, now)
            if claim is None:
                result.already_claimed += 1
                continue
            result.outgoing.append(planner.outgoing(claim, lead, choice, day))
        if question is not None:
            result.followups += loops.ask(session, lead, question, day, due)
    return result


def _claim(
    session: Session, lead: Lead, kind: str, period_key: str, choice: Choice, due: datetime, now: datetime
) -> Claim | None:
    delivery_id = store.claim_once(
        session,
        team_id=lead.team_id,
        lead_id=lead.id,
        kind=kind,
        period_key=period_key,
        recipient=lead.user_id,
        due=due,
        now=now,
        prompt_id=choice.prompt.id,
    )
    return None if delivery_id is None else Claim(delivery_id, due, attempts=1)


def reclaim_stale(
    session: Session, library: PromptLibrary, env: Environment, now: datetime, limit: int = 500
) -> list[OutgoingPrompt]:
    """Take over claims whose worker died or gave up; expire those now too late to send."""
    stale = store.stale_claims(session, store.PROMPT_KINDS, now - LEASE, limit)
    leads = {d.id: session.get(Lead, d.lead_id) for d in stale if d.lead_id is not None}
    planner = _Planner(session, library, env, [lead for lead in leads.values() if lead is not None], now)
    outgoing = []
    for delivery in stale:
        lead = leads.get(delivery.id)
        prompt = library.get(delivery.prompt_id or "")
        due = delivery.due_at or delivery.created_at
        # Expired, not sent: the lead is gone or unreachable, the app was uninstalled meanwhile, or it is too late.
        reachable = lead is not None and lead.active and workspace_of(session, lead).active
        if lead is None or prompt is None or not reachable or is_too_late(due, now, GRACE):
            delivery.status = "expired"
            continue
        delivery.claimed_at = now
        delivery.attempts += 1
        day = local_date_of(due, lead_timezone(lead, workspace_of(session, lead)))
        claim = Claim(delivery.id, due, delivery.attempts)
        outgoing.append(planner.outgoing(claim, lead, Choice(prompt, nudged=False), day))
    return outgoing


def claim_reflection(
    session: Session,
    library: PromptLibrary,
    env: Environment,
    team_id: str,
    user_id: str,
    default_timezone: str,
    now: datetime,
) -> OutgoingPrompt:
    """A prompt right now (/reflect); it does not count as the day's scheduled prompt."""
    workspace = get_or_create_workspace(session, team_id, default_timezone)
    lead = get_or_create_lead(session, team_id, user_id)
    planner = _Planner(session, library, env, [lead], now)
    day = local_date_of(now, lead_timezone(lead, workspace))
    choice = planner.choose(lead, day)
    if choice is None:
        raise UserFacingError("You've turned down every prompt I have. Log something with `/impact` instead?")
    claim = _claim(session, lead, Kind.REFLECT, f"reflect-{now:%Y%m%dT%H%M%S.%f}", choice, now, now)
    if claim is None:
        raise UserFacingError("One prompt at a time, please: try again in a second.")
    return planner.outgoing(claim, lead, choice, day)


def prompt_of(session: Session, team_id: str, user_id: str, delivery_id: int) -> str | None:
    """The prompt id of a prompt sent to this lead (and no one else); None otherwise."""
    delivery = session.get(Delivery, delivery_id)
    lead = session.get(Lead, delivery.lead_id) if delivery and delivery.lead_id else None
    if delivery is None or lead is None or (lead.team_id, lead.user_id) != (team_id, user_id):
        return None
    return delivery.prompt_id


def respond_to_prompt(session: Session, team_id: str, user_id: str, delivery_id: int, response: str) -> Delivery:
    """Record Skip today or Not a good prompt, for the lead the prompt was sent to and no one else."""
    delivery = session.get(Delivery, delivery_id)
    lead = session.get(Lead, delivery.lead_id) if delivery and delivery.lead_id else None
    if delivery is None or lead is None or (lead.team_id, lead.user_id) != (team_id, user_id):
        raise UserFacingError("That prompt isn't yours, or it has been deleted.")
    delivery.status = RESPONSES[response]
    return delivery
