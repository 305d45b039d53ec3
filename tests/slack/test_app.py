"""The real app, through signed requests, against the Slack-compatible server and a real database."""

import json
import time

from slack_bolt import BoltRequest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.slack.blocks.home import START_ACTION
from bot.store.models import Lead, Workspace
from tests.slack_api import SlackAPIServer
from tests.support import TEAM_ID, Clock, SlackRequests, signed_headers


def lead_count(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(Lead)) or 0)


def test_url_verification_is_answered_with_the_challenge(requests: SlackRequests) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "legacy"})
    response = requests.dispatch(body, "application/json")
    assert response.status == 200
    assert "abc123" in response.body


def test_bad_signature_is_401_and_changes_nothing(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    body = "command=%2Fcoach&text=start&team_id=T0TEAM&user_id=U1&response_url=x&trigger_id=t"
    cases = {
        "wrong secret": signed_headers(body, secret="not-the-secret"),
        "no timestamp": {"x-slack-signature": signed_headers(body)["x-slack-signature"]},
        "stale timestamp": signed_headers(body, timestamp=int(time.time()) - 6 * 60),
        "no signature": {"x-slack-request-timestamp": str(int(time.time()))},
    }
    for case, headers in cases.items():
        headers = {"content-type": "application/x-www-form-urlencoded", **headers}
        response = requests.app.dispatch(BoltRequest(body=body, headers=headers))
        assert response.status == 401, case
    time.sleep(0.2)
    assert lead_count(session_factory) == 0
    assert slack.calls("users.info") == []


def test_app_home_opened_publishes_a_welcome_with_a_start_button(
    requests: SlackRequests, slack: SlackAPIServer
) -> None:
    response = requests.event({"type": "app_home_opened", "user": "U0LEAD", "channel": "D1", "tab": "home"})
    assert response.status == 200
    [call] = slack.wait_for("views.publish")
    assert call.params["user_id"] == "U0LEAD"
    view = call.params["view"]
    assert view["type"] == "home"
    actions = [e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert actions == [START_ACTION]


def test_coach_start_enrolls_with_the_timezone_from_users_info(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    slack.set_user("U0LEAD", name="ada", tz="Asia/Kolkata")
    response = requests.command("/coach", "start")
    assert response.status == 200
    [answer] = slack.wait_for("response_url")
    assert "You're in, ada" in answer.params["text"]
    assert "(Asia/Kolkata)" in answer.params["text"]
    assert answer.params["response_type"] == "ephemeral"
    with session_factory() as session:
        lead = session.scalars(select(Lead)).one()
        assert (lead.team_id, lead.user_id, lead.timezone, lead.enrolled) == (TEAM_ID, "U0LEAD", "Asia/Kolkata", True)
        assert lead.next_prompt_at is not None
        assert session.get(Workspace, TEAM_ID) is not None


def test_coach_start_twice_says_already_enrolled_and_keeps_one_lead(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    requests.command("/coach", "start")
    slack.wait_for("response_url")
    requests.command("/coach", "START")
    answers = slack.wait_for("response_url", count=2)
    assert "already enrolled" in answers[1].params["text"]
    assert lead_count(session_factory) == 1


def test_coach_start_for_a_user_slack_does_not_know_is_a_friendly_error(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    slack.set_user_not_found("U0LEAD")
    requests.command("/coach", "start")
    [answer] = slack.wait_for("response_url")
    assert "try again" in answer.params["text"]
    assert "Traceback" not in answer.params["text"]
    assert lead_count(session_factory) == 0


def test_coach_help_and_unknown_subcommands_show_help(requests: SlackRequests) -> None:
    for text in ("help", "", "dance"):
        response = requests.command("/coach", text)
        assert response.status == 200
        assert "/coach start" in response.body


def test_stop_pause_and_resume(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], clock: Clock
) -> None:
    slack.set_user("U0LEAD", tz="Europe/Berlin")
    requests.command("/coach", "start")
    slack.wait_for("response_url")
    paused = requests.command("/coach", "pause until 2026-12-24")
    assert "no prompts through Thursday 24 December" in paused.body
    with session_factory() as session:
        lead = session.scalars(select(Lead)).one()
        assert lead.next_prompt_at is not None
        assert lead.next_prompt_at.date().isoformat() == "2026-12-25"
    resumed = requests.command("/coach", "resume")
    assert "Welcome back" in resumed.body
    assert "Monday 23 Nov, 16:30" in resumed.body  # the clock reads Monday 09:00 UTC
    assert "Paused" not in requests.command("/coach", "pause soonish").body
    assert "/coach pause 5d" in requests.command("/coach", "pause soonish").body
    assert "prompts are off" in requests.command("/coach", "stop").body
    with session_factory() as session:
        lead = session.scalars(select(Lead)).one()
        assert (lead.enrolled, lead.next_prompt_at) == (False, None)
    assert "not enrolled" in requests.command("/coach", "resume").body


def test_start_button_in_home_enrolls_and_republishes_home(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    slack.set_user("U0LEAD", tz="Europe/Berlin")
    assert requests.home_button(START_ACTION).status == 200
    [call] = slack.wait_for("views.publish")
    texts = json.dumps(call.params["view"])
    assert "Next reflection prompt" in texts
    assert "Europe/Berlin" in texts
    with session_factory() as session:
        assert session.scalars(select(Lead.enrolled)).one() is True


def test_app_uninstalled_stops_the_workspace(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    requests.command("/coach", "start")
    slack.wait_for("response_url")
    assert requests.event({"type": "app_uninstalled"}).status == 200
    with session_factory() as session:
        workspace = session.get(Workspace, TEAM_ID)
        assert workspace is not None
        assert workspace.active is False
        assert session.scalars(select(Lead.next_prompt_at)).one() is None
