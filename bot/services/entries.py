"""The invisible-impact log: DM replies, /impact and modal answers, filed into categories; the lead's corrections."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.coaching.categories import CATEGORIES
from bot.coaching.filing import Filing
from bot.coaching.memory import adjusted, lessons, words_of
from bot.services.errors import UserFacingError
from bot.store import entries as store
from bot.store.deliveries import PROMPT_KINDS
from bot.store.leads import get_lead, get_or_create_lead, get_or_create_workspace
from bot.store.models import Delivery, ImpactEntry, Lead, Reply, Status

REPLY_WINDOW = timedelta(hours=36)  # a DM this soon after a prompt answers it; later, it stands on its own
ANSWERABLE = (Status.SENT, Status.SKIPPED, Status.ANSWERED)
NOT_YOURS = "That entry isn't yours, or it has been deleted."
CHANGED_SINCE = (
    "That entry's words changed after that button was drawn, so I kept it private. "
    "Share it from its latest message if the new words may appear in the digest."
)
EMPTY = "There's nothing to log yet: write a sentence or two about what you did."


@dataclass(frozen=True)
class Filed:
    """An entry as its acknowledgement shows it."""

    entry_id: int
    lead_id: int
    categories: tuple[str, ...]
    shareable: bool
    source: str
    ack_channel: str | None
    ack_ts: str | None
    thread_ts: str | None  # where a new acknowledgement goes: beside the message just sent, in its thread
    appended: bool = False
    revision: int = 1  # the words the acknowledgement's Share button shares
    unshared: bool = False  # it was shareable until this change of its words: private again
    moved_from: tuple[str, str] | None = None  # the acknowledgement it had before this message: now superseded
    fresh: bool = False  # created just now: it has no acknowledgement yet


@dataclass(frozen=True)
class Removed:
    """An entry is gone; its acknowledgement (if any) should say so."""

    entry_id: int
    ack_channel: str | None
    ack_ts: str | None
    source: str
    by_slack: bool = False  # the lead deleted the message itself, rather than the entry


@dataclass(frozen=True)
class Notice:
    """Nothing was stored; tell the person why (`kind` is "invite" or "empty")."""

    kind: str
    channel: str
    thread_ts: str | None


@dataclass(frozen=True)
class Draft:
    """An entry as the edit modal shows it."""

    entry_id: int
    text: str
    categories: tuple[str, ...]
    shareable: bool
    revision: int
    minutes: int | None = None


def shares_by_default(session: Session, team_id: str, user_id: str) -> bool:
    """Whether the lead's new entries start out shareable (their setting; private for someone unknown)."""
    lead = get_lead(session, team_id, user_id)
    return lead is not None and lead.share_by_default


def capture_message(
    session: Session,
    filing: Filing,
    *,
    team_id: str,
    user_id: str,
    channel: str,
    ts: str,
    thread_ts: str | None,
    text: str,
    default_timezone: str,
    now: datetime,
) -> Filed | Notice | None:
    """Store a lead's DM as (part of) an entry; a stranger gets one invitation and nothing is stored."""
    # The lead's row is locked for the rest of the transaction: two DMs arriving together are filed one after
    # the other, so neither opens a second entry for the same prompt nor loses the other's text.
    lead = get_lead(session, team_id, user_id, for_update=True)
    if lead is None or not lead.enrolled:
        get_or_create_workspace(session, team_id, default_timezone)
        lead = lead or get_or_create_lead(session, team_id, user_id)
        if lead.invited_at is not None:
            return None
        lead.invited_at = now
        return Notice("invite", channel, thread_ts)
    if not text.strip():
        return Notice("empty", channel, thread_ts or ts)
    known = store.reply_at(session, channel, ts)
    if known is not None and known.lead_id != lead.id:  # Slack's message ids are unique: this one is not theirs
        return None
    if known is not None:  # the same message again (a retry that lost its event id): nothing new
        return _filed(session, _entry(session, known.entry_id))
    entry, delivery = _entry_for_message(session, lead, channel, thread_ts, now)
    appended = entry is not None
    if entry is None:
        entry = ImpactEntry(
            lead_id=lead.id,
            delivery_id=delivery.id if delivery else None,
            text="",
            source="dm",
            shareable=lead.share_by_default,
            created_at=now,
        )
        session.add(entry)
        session.flush()
    session.add(
        Reply(
            entry_id=entry.id,
            lead_id=lead.id,
            text=text,
            source="thread" if thread_ts else "dm",
            channel=channel,
            message_ts=ts,
            created_at=now,
        )
    )
    session.flush()
    beside = thread_ts or ts  # the acknowledgement goes in the thread of the message just sent
    if not appended:  # its words are this message's: filed without reading them back
        entry.text = text
        categories = _file(session, filing, lead.id, text)
        store.set_categories(session, entry.id, categories, new=True)
        if delivery is not None and delivery.status in (Status.SENT, Status.SKIPPED):
            delivery.status = Status.ANSWERED
        return replace(_filed(session, entry, thread_ts=beside, categories=categories), fresh=True)
    unshared = _words_changed(session, filing, entry, now)
    # The acknowledgement moves beside this message, so the lead sees there whether the answer may be shared.
    moved_from = None
    if entry.ack_channel and entry.ack_ts:
        moved_from, entry.ack_channel, entry.ack_ts = (entry.ack_channel, entry.ack_ts), None, None
    return replace(_filed(session, entry, thread_ts=beside, appended=True), unshared=unshared, moved_from=moved_from)


def edit_message(
    session: Session, filing: Filing, team_id: str, user_id: str, channel: str, ts: str, text: str, now: datetime
) -> Filed | None:
    """The lead edited a DM of theirs we stored: the entry follows (None if we never stored that message of theirs)."""
    reply = _own_reply(session, team_id, user_id, channel, ts)
    if reply is None or reply.text == text:  # Slack also says "changed" when only a thread under it grew
        return None
    reply.text, reply.edited_at = text, now
    entry = _entry(session, reply.entry_id)
    unshared = _words_changed(session, filing, entry, now)
    return replace(_filed(session, entry), unshared=unshared)


def delete_message(
    session: Session, filing: Filing, team_id: str, user_id: str, channel: str, ts: str, now: datetime
) -> Filed | Removed | None:
    """The lead deleted a DM of theirs we stored: it leaves the entry, and an entry left with no messages goes too."""
    reply = _own_reply(session, team_id, user_id, channel, ts)
    if reply is None:
        return None
    entry = _entry(session, reply.entry_id)
    session.delete(reply)
    session.flush()
    if not store.reply_count(session, entry.id):
        removed = Removed(entry.id, entry.ack_channel, entry.ack_ts, entry.source, by_slack=True)
        session.delete(entry)
        return removed
    unshared = _words_changed(session, filing, entry, now)
    return replace(_filed(session, entry), unshared=unshared)


def log_entry(
    session: Session,
    filing: Filing,
    *,
    team_id: str,
    user_id: str,
    text: str,
    source: str,
    default_timezone: str,
    now: datetime,
    delivery_id: int | None = None,
    categories: tuple[str, ...] = (),
    shareable: bool | None = None,
    minutes: int | None = None,
) -> Filed:
    """Log an entry from /impact or a modal; no categories chosen means the filing files it."""
    if not text.strip():
        raise UserFacingError(EMPTY)
    get_or_create_workspace(session, team_id, default_timezone)
    lead = get_or_create_lead(session, team_id, user_id)  # /impact works for anyone; prompts stay off
    delivery = session.get(Delivery, delivery_id) if delivery_id is not None else None
    if delivery_id is not None and (delivery is None or delivery.lead_id != lead.id):
        raise UserFacingError("That prompt isn't yours, or it has been deleted.")
    entry = ImpactEntry(
        lead_id=lead.id,
        delivery_id=delivery_id,
        text=text,
        source=source,
        shareable=lead.share_by_default if shareable is None else shareable,
        categories_by_lead=bool(categories),
        minutes=minutes,
        created_at=now,
    )
    session.add(entry)
    session.flush()
    filed_under = _known(categories) or _file(session, filing, lead.id, text)
    store.set_categories(session, entry.id, filed_under, new=True)
    if delivery is not None and delivery.status in (Status.SENT, Status.SKIPPED):
        delivery.status = Status.ANSWERED
    return replace(
        _filed(session, entry, thread_ts=delivery.ts if delivery else None, categories=filed_under), fresh=True
    )


def log_choice(
    session: Session,
    filing: Filing,
    team_id: str,
    user_id: str,
    delivery_id: int,
    choice: str,
    categories: tuple[str, ...],
    now: datetime,
) -> Filed:
    """One tap on a prompt's quick answer: the choice is the lead's answer (filed under `categories`, the prompt
    theme's, else by the filing), and a message in the prompt's thread adds to it. A second tap changes nothing."""
    lead = get_lead(session, team_id, user_id, for_update=True)
    delivery = session.get(Delivery, delivery_id)
    if lead is None or delivery is None or delivery.lead_id != lead.id or delivery.kind not in PROMPT_KINDS:
        raise UserFacingError("That prompt isn't yours, or it has been deleted.")
    if delivery.channel is None or delivery.ts is None:
        raise UserFacingError("That prompt is still on its way: try again in a moment.")
    answered = store.dm_answer_to(session, delivery.id)
    if answered is not None:
        return _filed(session, answered, thread_ts=delivery.ts)
    entry = ImpactEntry(
        lead_id=lead.id,
        delivery_id=delivery.id,
        text=choice,
        source="dm",
        shareable=lead.share_by_default,
        created_at=now,
    )
    session.add(entry)
    session.flush()
    # The choice is the answer's first part, as if the lead had written it: a reply in the thread adds to it.
    session.add(
        Reply(
            entry_id=entry.id,
            lead_id=lead.id,
            text=choice,
            source="choice",
            channel=delivery.channel,
            message_ts=f"{delivery.ts}:choice",
            created_at=now,
        )
    )
    filed_under = _known(categories) or _file(session, filing, lead.id, choice)
    store.set_categories(session, entry.id, filed_under, new=True)
    delivery.status = Status.ANSWERED
    return replace(_filed(session, entry, thread_ts=delivery.ts, categories=filed_under), fresh=True)


def draft(session: Session, team_id: str, user_id: str, entry_id: int) -> Draft:
    """The entry as the edit modal shows it, for its own lead only."""
    entry = _owned(session, team_id, user_id, entry_id)
    return Draft(entry.id, entry.text, _categories(session, entry.id), entry.shareable, entry.revision, entry.minutes)


def correct(
    session: Session,
    filing: Filing,
    team_id: str,
    user_id: str,
    entry_id: int,
    categories: tuple[str, ...],
    shareable: bool,
    revision: int | None,
    now: datetime,
    minutes: int | None = None,
) -> Filed:
    """The lead's own categories, sharing choice and time for the words they saw (`revision`); their categories win
    over the filing (none: the filing again)."""
    entry = _owned(session, team_id, user_id, entry_id)
    if shareable and revision != entry.revision:
        raise UserFacingError(CHANGED_SINCE)
    chosen = _known(categories)
    before = _categories(session, entry.id)
    entry.categories_by_lead, entry.shareable, entry.edited_at = bool(chosen), shareable, now
    entry.minutes = minutes
    if chosen and set(chosen) != set(before):  # what they changed teaches the filing of their later entries
        store.remember(session, entry.lead_id, lessons(words_of(entry.text), before, chosen))
    store.set_categories(session, entry.id, chosen or _file(session, filing, entry.lead_id, entry.text))
    return _filed(session, entry)


def set_sharing(
    session: Session, team_id: str, user_id: str, entry_id: int, shareable: bool, revision: int | None, now: datetime
) -> Filed:
    """Whether the entry may appear in the team digest; sharing holds only for the words the lead saw (`revision`).

    Setting the state it already has changes nothing, so a repeated or replayed click is harmless."""
    entry = _owned(session, team_id, user_id, entry_id)
    if shareable and revision != entry.revision:
        raise UserFacingError(CHANGED_SINCE)
    if entry.shareable != shareable:
        entry.shareable, entry.edited_at = shareable, now
    return _filed(session, entry)


def remove(session: Session, team_id: str, user_id: str, entry_id: int) -> Removed:
    """Delete an entry and the messages stored under it (Slack keeps the DM itself)."""
    entry = _owned(session, team_id, user_id, entry_id)
    session.delete(entry)
    return Removed(entry.id, entry.ack_channel, entry.ack_ts, entry.source)


def current(session: Session, entry_id: int) -> Filed | None:
    """The entry as it stands now, if it still exists."""
    entry = session.get(ImpactEntry, entry_id)
    return None if entry is None else _filed(session, entry)


def _entry_for_message(
    session: Session, lead: Lead, channel: str, thread_ts: str | None, now: datetime
) -> tuple[ImpactEntry | None, Delivery | None]:
    """Which entry a new DM belongs to (None: a new one) and which prompt it answers (None: free-standing)."""
    if thread_ts is not None:
        root = store.reply_at(session, channel, thread_ts, lead.id)
        if root is not None:  # in the thread of one of their own logged messages, if it is recent
            entry = _entry(session, root.entry_id)
            if entry.created_at < now - REPLY_WINDOW:
                return None, None
            return entry, session.get(Delivery, entry.delivery_id) if entry.delivery_id else None
        delivery = store.prompt_at(session, lead.id, thread_ts)
    else:
        delivery = store.latest_prompt(session, lead.id)
    if delivery is None or delivery.status not in ANSWERABLE or delivery.sent_at is None:
        return None, None  # a prompt the lead turned down is not answered by the next DM
    if delivery.sent_at < now - REPLY_WINDOW:
        return None, None
    return store.dm_answer_to(session, delivery.id), delivery


def _own_reply(session: Session, team_id: str, user_id: str, channel: str, ts: str) -> Reply | None:
    """The stored DM message at (channel, ts) if it is this lead's; their row is locked for the transaction."""
    lead = get_lead(session, team_id, user_id, for_update=True)  # one lead's changes apply one at a time
    return None if lead is None else store.reply_at(session, channel, ts, lead.id)


def _words_changed(session: Session, filing: Filing, entry: ImpactEntry, now: datetime) -> bool:
    """The entry's messages changed: new words, and private again until the lead shares them; True if it was shared."""
    _refresh_text(session, filing, entry, now)
    entry.revision += 1
    unshared, entry.shareable = entry.shareable, False
    return unshared


def _refresh_text(session: Session, filing: Filing, entry: ImpactEntry, edited_at: datetime | None) -> None:
    """An entry from DMs reads as its messages in order; unless the lead chose categories, the filing refiles it."""
    entry.text = "\n\n".join(store.reply_texts(session, entry.id))
    if edited_at is not None:
        entry.edited_at = edited_at
    if not entry.categories_by_lead:
        store.set_categories(session, entry.id, _file(session, filing, entry.lead_id, entry.text))


def _file(session: Session, filing: Filing, lead_id: int, text: str) -> tuple[str, ...]:
    """The filing's categories for these words, adjusted by what this lead's corrections taught."""
    words = words_of(text)
    return _known(adjusted(filing.categories(text), words, store.memory_of(session, lead_id, words)))


def _categories(session: Session, entry_id: int) -> tuple[str, ...]:
    stored = store.categories_of(session, entry_id)
    return tuple(key for key in CATEGORIES if key in stored)


def _known(categories: tuple[str, ...]) -> tuple[str, ...]:
    """The given categories we know, once each, in the canonical order."""
    return tuple(key for key in CATEGORIES if key in categories)


def _entry(session: Session, entry_id: int) -> ImpactEntry:
    return session.get_one(ImpactEntry, entry_id)


def _owned(session: Session, team_id: str, user_id: str, entry_id: int) -> ImpactEntry:
    """The entry, only if it belongs to this person; their row is locked for the rest of the transaction."""
    lead = get_lead(session, team_id, user_id, for_update=True)
    entry = session.get(ImpactEntry, entry_id)
    if entry is None or lead is None or entry.lead_id != lead.id:
        raise UserFacingError(NOT_YOURS)
    return entry


def _filed(
    session: Session,
    entry: ImpactEntry,
    *,
    thread_ts: str | None = None,
    appended: bool = False,
    categories: tuple[str, ...] | None = None,
) -> Filed:
    return Filed(
        entry_id=entry.id,
        lead_id=entry.lead_id,
        categories=_categories(session, entry.id) if categories is None else categories,
        shareable=entry.shareable,
        source=entry.source,
        ack_channel=entry.ack_channel,
        ack_ts=entry.ack_ts,
        thread_ts=thread_ts,
        appended=appended,
        revision=entry.revision,
    )
