"""/coach summary and /coach digest, through signed requests into the real app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.store.models import Delivery, ImpactEntry, Workspace
from tests.slack_api import SlackAPIServer
from tests.support import TEAM_ID, Clock, SlackRequests, queue_settled, wait_until

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # a Wednesday


def answer(slack: SlackAPIServer) -> str:
    [call] = slack.wait_for("response_url")
    return str(call.params["text"])


def enroll(requests: SlackRequests, slack: SlackAPIServer, clock: Clock, user_id: str = "U0LEAD") -> None:
    clock.now = NOW
    slack.set_user(user_id, tz="Europe/London")
    requests.command("/coach", "start", user_id=user_id)
    slack.wait_for("response_url")
    slack.reset()


def test_summary_now_sends_the_week_so_far_without_using_up_the_weekly_one(
    requests: SlackRequests, slack: SlackAPIServer, clock: Clock, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, slack, clock)
    requests.command("/impact", "unblocked the release by pairing with ops")
    slack.reset()
    clock.now = NOW + timedelta(minutes=1)

    response = requests.command("/coach", "summary now")

    assert response.status == 200
    assert answer(slack) == "Your week so far is on its way to our DM."
    [card] = [c.params for c in slack.wait_for("chat.postMessage")]
    assert card["channel"] == slack.dm_channel_id("U0LEAD")
    assert card["text"].startswith("Your week, 11–18 Nov 2026: 1 leadership moment")
    assert len(slack.uploaded_files()) == 1
    wait_until(lambda: queue_settled(session_factory))
    with session_factory() as session:
        [delivery] = session.scalars(select(Delivery).where(Delivery.kind == "summary")).all()
        assert delivery.status == "sent"
        assert delivery.period_key.startswith("now-")
        assert session.scalars(select(ImpactEntry)).one()


def test_summary_without_now_explains_and_sends_nothing(
    requests: SlackRequests, slack: SlackAPIServer, clock: Clock
) -> None:
    enroll(requests, slack, clock)
    requests.command("/coach", "summary")
    assert "`/coach summary now`" in answer(slack)
    assert slack.calls("chat.postMessage") == []


def test_summary_now_for_someone_unknown_is_a_friendly_answer(requests: SlackRequests, slack: SlackAPIServer) -> None:
    requests.command("/coach", "summary now", user_id="U0STRANGER")
    assert "/coach start" in answer(slack)
    assert slack.calls("chat.postMessage") == []


def digest_channel(session_factory: sessionmaker[Session]) -> tuple[str | None, str | None, datetime | None]:
    with session_factory() as session:
        workspace = session.get_one(Workspace, TEAM_ID)
        return workspace.digest_channel, workspace.digest_set_by, workspace.next_digest_at


def test_an_admin_sets_the_digest_channel_and_the_bot_joins_it(
    requests: SlackRequests, slack: SlackAPIServer, clock: Clock, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, slack, clock, "U0ADMIN")
    slack.set_user("U0ADMIN", is_admin=True)
    slack.set_channel("C0LEADS", is_private=False, is_member=False, name="team-leads")

    requests.command("/coach", "digest <#C0LEADS|team-leads>", user_id="U0ADMIN")

    text = answer(slack)
    assert "now goes to <#C0LEADS>, Friday 20 Nov, 16:00 (UTC)" in text
    assert "/invite" not in text
    assert len(slack.calls("conversations.join")) == 1
    assert digest_channel(session_factory) == ("C0LEADS", "U0ADMIN", datetime(2026, 11, 20, 16, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    ("private", "join_error", "advice"),
    [(True, None, "It's a private channel"), (False, "missing_scope", "not allowed to join")],
)
def test_a_channel_the_bot_cannot_join_is_kept_with_instructions_to_invite_it(
    requests: SlackRequests,
    slack: SlackAPIServer,
    clock: Clock,
    session_factory: sessionmaker[Session],
    private: bool,
    join_error: str | None,
    advice: str,
) -> None:
    enroll(requests, slack, clock, "U0OWNER")
    slack.set_user("U0OWNER", is_owner=True)
    slack.set_channel("G0LEADS", is_private=private, is_member=False, name="leads")
    if join_error:
        slack.fail("conversations.join", error=join_error)

    requests.command("/coach", "digest <#G0LEADS>", user_id="U0OWNER")

    text = answer(slack)
    assert advice in text
    assert "`/invite @Lead Coach`" in text
    assert digest_channel(session_factory)[0] == "G0LEADS"


def test_only_admins_owners_and_the_installer_may_set_the_digest_channel(
    requests: SlackRequests, slack: SlackAPIServer, clock: Clock, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, slack, clock)
    requests.command("/coach", "digest <#C0LEADS|team-leads>")
    assert "Only workspace admins and owners" in answer(slack)
    assert digest_channel(session_factory) == (None, None, None)
    slack.reset()

    with session_factory.begin() as session:
        session.get_one(Workspace, TEAM_ID).installer_user_id = "U0LEAD"
    requests.command("/coach", "digest <#C0LEADS|team-leads>")
    assert "now goes to <#C0LEADS>" in answer(slack)


@pytest.mark.parametrize("text", ["digest", "digest team-leads", "digest #team-leads", "digest <@U0LEAD>"])
def test_a_digest_command_without_a_picked_channel_explains_how(
    requests: SlackRequests, slack: SlackAPIServer, clock: Clock, session_factory: sessionmaker[Session], text: str
) -> None:
    enroll(requests, slack, clock)
    requests.command("/coach", text)
    assert "Pick the channel with #" in answer(slack)
    assert digest_channel(session_factory) == (None, None, None)


def test_digest_off_turns_the_digest_off_and_a_channel_slack_hides_gets_advice(
    requests: SlackRequests, slack: SlackAPIServer, clock: Clock, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, slack, clock, "U0ADMIN")
    slack.set_user("U0ADMIN", is_admin=True)
    requests.command("/coach", "digest <#C0LEADS>", user_id="U0ADMIN")
    answer(slack)
    slack.reset()

    slack.fail("conversations.info", error="channel_not_found")  # a private channel the bot is not in
    requests.command("/coach", "digest <#G0HIDDEN>", user_id="U0ADMIN")
    assert "I can't see that channel yet. If it's private, type `/invite @Lead Coach`" in answer(slack)
    assert digest_channel(session_factory)[0] == "G0HIDDEN"
    slack.reset()

    requests.command("/coach", "digest off", user_id="U0ADMIN")
    assert "digest is off" in answer(slack)
    assert digest_channel(session_factory) == (None, "U0ADMIN", None)
