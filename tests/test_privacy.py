"""The privacy and tenancy findings, one named regression test each: private words never reach the digest, sharing
buttons carry the state they set, another workspace's requests are ignored, a digest choice lasts, and an
uninstalled workspace's data goes after the retention window."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.coaching.prompts import PromptLibrary
from bot.jobs import run_tick
from bot.services import workspaces
from bot.services.entries import CHANGED_SINCE
from bot.slack.blocks.entries import (
    LEGACY_TOGGLE_ACTION,
    MOVED,
    PRIVATE_ACTION,
    SHARE_ACTION,
    SHARED_NOTE,
    UNSHARED_NOTE,
)
from bot.slack.blocks.forget import MODAL_CALLBACK as FORGET_CALLBACK
from bot.slack.screening import NOT_INSTALLED
from bot.store.models import Base, ImpactEntry, Lead, Reply, Workspace
from tests.slack.test_entries import DM, LEAD, acks, dm, enroll, next_ts, send_prompt, stored
from tests.slack_api import SlackAPIServer
from tests.support import TEAM_ID, Clock, SlackRequests, queue_settled, wait_until
from tests.ticks import make_tick

DIGEST_CHANNEL = "C0DIGEST"
OTHER_TEAM = "T0OTHER"


def run_digest(
    session_factory: sessionmaker[Session], slack: SlackAPIServer, library: PromptLibrary, clock: Clock
) -> str:
    """Post the team digest now, through the real tick, and return everything it put in the channel."""
    with session_factory.begin() as session:
        workspace = session.get_one(Workspace, TEAM_ID)
        workspace.digest_channel, workspace.next_digest_at = DIGEST_CHANNEL, clock.now
    run_tick(make_tick(session_factory, slack, library), clock.now)
    return json.dumps(slack.messages(DIGEST_CHANNEL))


def posted_ack(session_factory: sessionmaker[Session]) -> str:
    """Wait until the (only) entry's acknowledgement is posted, not just reserved; its ts."""
    return str(wait_until(lambda: (ack := stored(session_factory)[0].ack_ts) is not None and ack))


def revision(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session:
        return session.scalars(select(ImpactEntry.revision)).one()


def share(requests: SlackRequests, entry_id: int, seen: int, ack_ts: str) -> None:
    requests.message_button(SHARE_ACTION, f"{entry_id}:{seen}", channel=DM, message_ts=ack_ts)


# ---------------------------------------------------------------- 1. words added to a shared entry stay private


def test_a_dm_added_to_a_shared_answer_stays_out_of_the_digest_until_shared_again(
    requests: SlackRequests,
    slack: SlackAPIServer,
    session_factory: sessionmaker[Session],
    library: PromptLibrary,
    clock: Clock,
) -> None:
    clock.now = clock.now.replace(day=29, hour=20)  # a Sunday evening, so the next digest's week is a day away
    enroll(requests, session_factory)
    send_prompt(requests, session_factory)
    dm(requests, "Paired with Ana on the flaky deploy; she owns it now.")
    entry_id = stored(session_factory)[0].id
    share(requests, entry_id, 1, posted_ack(session_factory))
    wait_until(lambda: stored(session_factory)[0].shareable)

    secret = dm(requests, "between us: I think B is underperforming")

    [entry] = stored(session_factory)
    assert "underperforming" in entry.text
    assert entry.shareable is False
    # Beside the message just sent (in its thread): it is private again, and why.
    beside = wait_until(lambda: [a for a in acks(slack) if a.params.get("thread_ts") == secret])
    assert UNSHARED_NOTE in json.dumps(beside[0].params["blocks"])
    assert wait_until(lambda: [c for c in slack.calls("chat.update") if c.params["text"] == MOVED])
    clock.advance(hours=1)
    posted = run_digest(session_factory, slack, library, clock)
    assert "underperforming" not in posted
    assert "flaky deploy" not in posted  # the whole entry is private now: its shared words can't be told apart

    share(requests, entry_id, 2, posted_ack(session_factory))  # seen, and shared again
    wait_until(lambda: stored(session_factory)[0].shareable)
    clock.advance(hours=10)  # Monday: a new ISO week, so a new digest
    assert "underperforming" in run_digest(session_factory, slack, library, clock)


def test_an_edit_or_a_thread_reply_to_a_shared_entry_makes_it_private(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, session_factory)
    first = dm(requests, "Explained the outage timeline to support")
    entry_id = stored(session_factory)[0].id
    for seen, change in enumerate(("edit", "thread reply", "delete one message"), start=1):
        share(requests, entry_id, seen, posted_ack(session_factory))
        wait_until(lambda: stored(session_factory)[0].shareable)
        if change == "edit":
            edited = {"ts": first, "user": LEAD, "text": "Explained the outage timeline; support blamed Bo"}
            dm(requests, "", subtype="message_changed", message=edited, hidden=True)
        elif change == "thread reply":
            reply = dm(requests, "and Bo is on thin ice", thread_ts=first)
        else:
            dm(requests, "", subtype="message_deleted", deleted_ts=reply, previous_message={"ts": reply, "user": LEAD})
        assert stored(session_factory)[0].shareable is False, change
        assert revision(session_factory) == seen + 1, change


def test_a_lead_sees_beside_each_new_message_whether_it_may_appear_in_the_digest(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, session_factory)
    send_prompt(requests, session_factory)
    dm(requests, "Ran the design review without speaking first")
    posted_ack(session_factory)
    added = dm(requests, "and the team picked the queue themselves")
    [beside] = wait_until(lambda: [a for a in acks(slack) if a.params.get("thread_ts") == added])
    assert "Private to you" in beside.params["text"]


# ---------------------------------------------------------------- 2. sharing buttons carry the state they set


def test_a_replayed_or_stale_share_click_never_shares_words_the_lead_had_not_seen(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, session_factory)
    send_prompt(requests, session_factory)
    dm(requests, "Walked Sam through the incident review")
    entry_id = stored(session_factory)[0].id
    old_ack = posted_ack(session_factory)
    share(requests, entry_id, 1, old_ack)
    wait_until(lambda: stored(session_factory)[0].shareable)
    dm(requests, "honestly Sam is struggling")  # private again, at revision 2

    for _ in range(2):  # the old message's click, replayed
        share(requests, entry_id, 1, old_ack)
    wait_until(lambda: len([c for c in slack.calls("response_url") if CHANGED_SINCE in c.params["text"]]) == 2)
    assert stored(session_factory)[0].shareable is False


def test_keep_private_and_an_older_messages_toggle_only_ever_make_an_entry_private(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, session_factory)
    dm(requests, "Wrote the onboarding guide for the new hires")
    entry_id = stored(session_factory)[0].id
    ack_ts = posted_ack(session_factory)
    for action in (PRIVATE_ACTION, PRIVATE_ACTION, LEGACY_TOGGLE_ACTION, LEGACY_TOGGLE_ACTION):
        share(requests, entry_id, 1, ack_ts)
        wait_until(lambda: stored(session_factory)[0].shareable)
        updates = len(slack.calls("chat.update"))
        requests.message_button(action, str(entry_id), channel=DM, message_ts=ack_ts)
        wait_until(lambda n=updates: len(slack.calls("chat.update")) > n)
        assert stored(session_factory)[0].shareable is False, action
        requests.message_button(action, str(entry_id), channel=DM, message_ts=ack_ts)  # again: still private
        wait_until(lambda n=updates: len(slack.calls("chat.update")) > n + 1)
        assert stored(session_factory)[0].shareable is False, action
    assert SHARED_NOTE not in json.dumps(slack.calls("chat.update")[-1].params["blocks"])


# ---------------------------------------------------------------- 3. another workspace's requests do nothing


def everything(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as connection:
        return {
            table.name: sorted(map(tuple, connection.execute(table.select())), key=repr)
            for table in Base.metadata.sorted_tables
        }


def test_a_workspace_that_never_installed_the_app_gets_an_answer_and_nothing_else(
    app: Any, requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], engine: Engine
) -> None:
    enroll(requests, session_factory)
    first = dm(requests, "Unblocked Ravi on the migration")
    posted_ack(session_factory)
    entry_id = stored(session_factory)[0].id
    stranger = SlackRequests(app, response_url=requests.response_url, team_id=OTHER_TEAM)
    wait_until(lambda: queue_settled(session_factory))
    before, calls = everything(engine), len(slack.calls())

    assert stranger.command("/coach", "start").body == json.dumps({"response_type": "ephemeral", "text": NOT_INSTALLED})
    assert stranger.command("/impact", "logged from elsewhere", user_id=LEAD).status == 200
    home = {"type": "app_home_opened", "user": LEAD, "channel": DM, "tab": "home"}
    assert stranger.event(home).status == 200
    edited = {"ts": first, "user": LEAD, "text": "rewritten by another workspace"}
    base = {"type": "message", "channel": DM, "channel_type": "im", "ts": next_ts()}
    assert stranger.event({**base, "subtype": "message_changed", "message": edited}).status == 200
    assert stranger.event({**base, "subtype": "message_deleted", "deleted_ts": first}).status == 200
    stranger.message_button(SHARE_ACTION, f"{entry_id}:1", channel=DM, message_ts="1.1", user_id=LEAD)
    stranger.view_submission(FORGET_CALLBACK, {}, user_id=LEAD)
    assert stranger.command("/handoff", "<@U0SAM|sam> the release checklist", user_id=LEAD).status == 200
    assert stranger.command("/decision", "which queue to use", user_id=LEAD).status == 200
    stranger.message_button("followup_answer_held", "1", channel=DM, message_ts="1.1", user_id=LEAD)

    assert everything(engine) == before
    assert len(slack.calls()) == calls  # not even auth.test or users.info


def test_edits_and_deletions_only_move_the_authors_own_messages(
    requests: SlackRequests, session_factory: sessionmaker[Session], engine: Engine
) -> None:
    enroll(requests, session_factory)
    enroll(requests, session_factory, user="U0PEER")
    first = dm(requests, "Coached Mia through her first on-call")
    posted_ack(session_factory)
    before = everything(engine)
    base = {"type": "message", "channel": DM, "channel_type": "im", "ts": next_ts()}
    forged = {"ts": first, "user": "U0PEER", "text": "rewritten by a peer"}
    requests.event({**base, "subtype": "message_changed", "message": forged})
    requests.event({**base, "subtype": "message_deleted", "deleted_ts": first, "previous_message": forged})
    after = everything(engine)
    after["processed_events"] = before["processed_events"]  # the events were seen; nothing else changed
    assert after == before


def test_a_leads_own_buttons_work_when_their_user_names_another_home_team(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    """Slack Connect and Enterprise Grid: the user's own team may differ from the workspace's; buttons read the
    workspace from the same field as commands."""
    enroll(requests, session_factory)
    dm(requests, "Mediated the API naming argument")
    entry_id, ack_ts = stored(session_factory)[0].id, posted_ack(session_factory)
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": LEAD, "team_id": "T0HOMETEAM"},
        "trigger_id": "t",
        "container": {"type": "message", "message_ts": ack_ts, "channel_id": DM},
        "channel": {"id": DM},
        "message": {"ts": ack_ts, "text": ""},
        "response_url": requests.response_url,
        "actions": [{"type": "button", "action_id": SHARE_ACTION, "block_id": "b", "value": f"{entry_id}:1"}],
    }
    requests.interaction(payload)
    wait_until(lambda: stored(session_factory)[0].shareable)


# ---------------------------------------------------------------- 4. a digest choice lasts


def test_digest_off_survives_its_chooser_forgetting_and_a_restart(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], clock: Clock
) -> None:
    install = workspaces.Install(TEAM_ID, "Acme", "UTC", digest_channel="C0SEEDED", installer=None)
    with session_factory.begin() as session:
        workspaces.installed(session, install, clock.now)
    slack.set_user(LEAD, is_admin=True)
    enroll(requests, session_factory)
    requests.command("/coach", "digest off")
    wait_until(lambda: any("digest" in str(c.params.get("text")) for c in slack.calls("response_url")))
    with session_factory() as session:
        assert session.get_one(Workspace, TEAM_ID).digest_set_by == LEAD
    assert "Done" in requests.view_submission(FORGET_CALLBACK, {}, user_id=LEAD).body
    with session_factory.begin() as session:
        workspaces.installed(session, install, clock.now)  # the next start-up, with COACH_DIGEST_CHANNEL still set
    with session_factory() as session:
        workspace = session.get_one(Workspace, TEAM_ID)
        assert (workspace.digest_channel, workspace.digest_chosen) == (None, True)


# ---------------------------------------------------------------- 6. an uninstalled workspace's data expires


def test_an_uninstalled_workspaces_data_is_deleted_after_the_retention_window_unless_reinstalled(
    requests: SlackRequests,
    slack: SlackAPIServer,
    session_factory: sessionmaker[Session],
    library: PromptLibrary,
    clock: Clock,
    engine: Engine,
) -> None:
    enroll(requests, session_factory)
    dm(requests, "Hired our first SRE")
    posted_ack(session_factory)
    with session_factory.begin() as session:  # another workspace, which stays
        session.add(Workspace(team_id=OTHER_TEAM, timezone="UTC"))
        session.flush()
        session.add(Lead(team_id=OTHER_TEAM, user_id=LEAD))
    tick = make_tick(session_factory, slack, library)
    install = workspaces.Install(TEAM_ID, "Acme", "UTC", digest_channel=None, installer=None)

    requests.event({"type": "app_uninstalled"})
    run_tick(tick, clock.now + timedelta(days=29))
    with session_factory.begin() as session:
        workspaces.installed(session, install, clock.now + timedelta(days=29))  # reinstalled in time: kept
    assert run_tick(tick, clock.now + timedelta(days=60)).purged_workspaces == 0
    assert stored(session_factory)

    requests.event({"type": "app_uninstalled"})
    uninstalled = clock.now
    kept = run_tick(tick, uninstalled + timedelta(days=29, hours=23))
    assert kept.purged_workspaces == 0
    assert stored(session_factory)
    gone = run_tick(tick, uninstalled + timedelta(days=30, minutes=1))
    assert gone.purged_workspaces == 1
    rows = everything(engine)
    assert not any(TEAM_ID in repr(row) for table in rows.values() for row in table)
    assert rows["workspaces"]  # the other workspace's
    assert rows["leads"]
    with session_factory() as session:
        assert session.scalars(select(Reply)).all() == []
