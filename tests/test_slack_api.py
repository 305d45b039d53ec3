"""Tests for the fake Slack Web API server, driven through slack_sdk's real WebClient."""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import threading
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from tests.slack_api import SlackAPIServer

TOKEN = "xoxb-test-token"
TS_FORMAT = re.compile(r"^\d{10}\.\d{6}$")


def section(text: str) -> dict[str, Any]:
    """A mrkdwn section block."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def modal(title: str = "Coach", blocks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A minimal modal view."""
    return {
        "type": "modal",
        "callback_id": "coach_modal",
        "title": {"type": "plain_text", "text": title},
        "blocks": blocks if blocks is not None else [section("hello")],
    }


def slack_error(info: pytest.ExceptionInfo[SlackApiError]) -> Any:
    """The Slack error string from a SlackApiError."""
    return info.value.response["error"]


def raw_post(server: SlackAPIServer, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """POST raw bytes to the server with http.client; returns (status, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class FakeClock:
    """A manual monotonic clock for the rate limit window."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        """The current fake time."""
        return self.now


@pytest.fixture
def server() -> Iterator[SlackAPIServer]:
    with SlackAPIServer() as srv:
        yield srv


@pytest.fixture
def client(server: SlackAPIServer) -> WebClient:
    return WebClient(token=TOKEN, base_url=server.base_url, timeout=10)


# ------------------------------------------------------------------ lifecycle and plumbing


def test_base_url_points_at_loopback_with_trailing_slash(server: SlackAPIServer) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api/", server.base_url)
    assert server.port > 0


def test_start_stop_without_context_manager() -> None:
    srv = SlackAPIServer(token="xoxb-other").start()
    try:
        response = WebClient(token="xoxb-other", base_url=srv.base_url).auth_test()
        assert response["ok"] is True
    finally:
        srv.stop()
    srv.stop()  # idempotent


def test_keep_alive_connection_serves_many_requests_and_stop_does_not_hang() -> None:
    srv = SlackAPIServer().start()
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        for index in range(3):
            body = json.dumps({"channel": "C1", "text": f"m{index}"})
            headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
            conn.request("POST", "/api/chat.postMessage", body=body, headers=headers)
            response = conn.getresponse()
            assert response.status == 200
            assert json.loads(response.read())["ok"] is True
        started = time.monotonic()
        srv.stop()  # the idle keep-alive connection must not block shutdown
        assert time.monotonic() - started < 5
    finally:
        conn.close()
        srv.stop()


def test_unknown_method(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as info:
        client.api_call("coach.doesNotExist")
    assert slack_error(info) == "unknown_method"


def test_unknown_path_is_404(server: SlackAPIServer) -> None:
    status, _ = raw_post(server, "/nope", b"", {})
    assert status == 404


# ------------------------------------------------------------------ token check


def test_wrong_bearer_token_is_invalid_auth(server: SlackAPIServer) -> None:
    bad = WebClient(token="xoxb-wrong", base_url=server.base_url)
    with pytest.raises(SlackApiError) as info:
        bad.auth_test()
    assert slack_error(info) == "invalid_auth"
    assert info.value.response.status_code == 200
    assert server.calls("auth.test")[0].error == "invalid_auth"


def test_missing_token_is_invalid_auth(server: SlackAPIServer) -> None:
    with pytest.raises(SlackApiError) as info:
        WebClient(base_url=server.base_url).auth_test()
    assert slack_error(info) == "invalid_auth"


def test_token_accepted_as_form_field(server: SlackAPIServer) -> None:
    body = urllib.parse.urlencode({"token": TOKEN}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    status, payload = raw_post(server, "/api/auth.test", body, headers)
    assert status == 200
    assert json.loads(payload)["ok"] is True


# ------------------------------------------------------------------ happy paths


def test_auth_test(client: WebClient, server: SlackAPIServer) -> None:
    response = client.auth_test()
    assert response["user_id"] == server.bot_user_id
    assert response["bot_id"] == server.bot_id
    assert response["team_id"] == server.team_id
    assert {"url", "team", "user"} <= set(response.data)


def test_post_message_to_user_returns_stable_dm_channel(client: WebClient) -> None:
    first = client.chat_postMessage(channel="U123", text="hi")
    second = client.chat_postMessage(channel="U123", text="again")
    assert first["channel"] == second["channel"] == "D123"
    assert first["message"]["text"] == "hi"


def test_post_message_to_channel_keeps_id_and_ts_increase(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel="C42", text=str(n))["ts"] for n in range(5)]
    assert all(TS_FORMAT.match(ts) for ts in stamps)
    assert stamps == sorted(stamps, key=float)
    assert len(set(stamps)) == 5
    assert client.chat_postMessage(channel="G7", text="x")["channel"] == "G7"


def test_post_message_returns_blocks_and_metadata(client: WebClient) -> None:
    metadata = {"event_type": "nudge_sent", "event_payload": {"nudge_id": 7}}
    response = client.chat_postMessage(channel="C1", text="t", blocks=[section("b")], metadata=metadata)
    assert response["message"]["blocks"] == [section("b")]
    assert response["message"]["metadata"] == metadata


def test_post_message_without_content_is_no_text(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as info:
        client.api_call("chat.postMessage", json={"channel": "C1"})  # bypasses the SDK's missing-text warning
    assert slack_error(info) == "no_text"


def test_form_body_json_fields_are_decoded(client: WebClient, server: SlackAPIServer) -> None:
    metadata = {"event_type": "e", "event_payload": {"a": 1}}
    data = {"channel": "C1", "text": "t", "blocks": json.dumps([section("x")]), "metadata": json.dumps(metadata)}
    response = client.api_call("chat.postMessage", data=data)
    assert response["message"]["blocks"] == [section("x")]
    call = server.calls("chat.postMessage")[0]
    assert call.params["blocks"] == [section("x")]
    assert call.params["metadata"] == metadata
    assert call.headers["content-type"].startswith("application/x-www-form-urlencoded")


def test_chat_update_changes_recorded_message(client: WebClient, server: SlackAPIServer) -> None:
    posted = client.chat_postMessage(channel="U5", text="before")
    updated = client.chat_update(channel=posted["channel"], ts=posted["ts"], text="after", blocks=[section("a")])
    assert updated["ts"] == posted["ts"]
    assert updated["message"]["text"] == "after"
    assert server.messages("D5")[0]["text"] == "after"


def test_chat_post_ephemeral_returns_message_ts(client: WebClient, server: SlackAPIServer) -> None:
    response = client.chat_postEphemeral(channel="C1", user="U1", text="only you")
    assert TS_FORMAT.match(response["message_ts"])
    assert server.messages("C1") == []


def test_chat_delete_removes_message_from_history(client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C9", text="oops")
    client.chat_delete(channel="C9", ts=posted["ts"])
    assert client.conversations_history(channel="C9")["messages"] == []


@pytest.mark.parametrize("method", ["views_open", "views_push"])
def test_views_open_and_push_return_view_with_id(client: WebClient, method: str) -> None:
    response = getattr(client, method)(trigger_id="123.456", view=modal())
    view = response["view"]
    assert view["id"].startswith("V")
    assert view["callback_id"] == "coach_modal"
    assert view["blocks"] == [section("hello")]


def test_views_update_keeps_view_id(client: WebClient) -> None:
    opened = client.views_open(trigger_id="t", view=modal())["view"]
    updated = client.views_update(view_id=opened["id"], view=modal(title="Updated"))["view"]
    assert updated["id"] == opened["id"]
    assert updated["title"]["text"] == "Updated"


def test_views_publish_home(client: WebClient) -> None:
    home = {"type": "home", "blocks": [section("scoreboard")]}
    view = client.views_publish(user_id="U1", view=home)["view"]
    assert view["id"].startswith("V")
    assert view["type"] == "home"


def test_users_info_configured_user(client: WebClient, server: SlackAPIServer) -> None:
    server.set_user("U77", real_name="Ada Lovelace", tz="Europe/London", is_admin=True)
    user = client.users_info(user="U77")["user"]
    assert user["real_name"] == "Ada Lovelace"
    assert user["tz"] == "Europe/London"
    assert user["is_admin"] is True
    assert user["is_bot"] is False
    assert user["deleted"] is False
    assert user["team_id"] == server.team_id


def test_users_info_default_user(client: WebClient) -> None:
    user = client.users_info(user="U404")["user"]
    assert user["id"] == "U404"
    assert user["tz"] == "America/New_York"
    assert user["tz_offset"] in (-18000, -14400)
    assert {"name", "real_name", "is_admin", "is_owner", "is_bot", "deleted"} <= set(user)


def test_users_info_user_not_found(client: WebClient, server: SlackAPIServer) -> None:
    server.set_user_not_found("U0GONE")
    with pytest.raises(SlackApiError) as info:
        client.users_info(user="U0GONE")
    assert slack_error(info) == "user_not_found"


def test_cannot_dm_bot(client: WebClient, server: SlackAPIServer) -> None:
    server.set_user("U0ROBOT", is_bot=True)
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="U0ROBOT", text="hi")
    assert slack_error(info) == "cannot_dm_bot"


def test_conversations_open_returns_dm_channel(client: WebClient) -> None:
    assert client.conversations_open(users="U123")["channel"]["id"] == "D123"


def test_conversations_info_and_join(client: WebClient, server: SlackAPIServer) -> None:
    server.set_channel("C100", is_member=False, name="leads")
    info = client.conversations_info(channel="C100")["channel"]
    assert info["is_member"] is False
    assert info["is_private"] is False
    assert info["name"] == "leads"
    with pytest.raises(SlackApiError) as error:
        client.chat_postMessage(channel="C100", text="hi")
    assert slack_error(error) == "not_in_channel"
    assert client.conversations_join(channel="C100")["channel"]["is_member"] is True
    assert client.chat_postMessage(channel="C100", text="hi")["ok"] is True


def test_conversations_info_private_channel(client: WebClient, server: SlackAPIServer) -> None:
    server.set_channel("C200", is_private=True)
    assert client.conversations_info(channel="C200")["channel"]["is_private"] is True
    with pytest.raises(SlackApiError) as info:
        client.conversations_join(channel="C200")
    assert slack_error(info) == "method_not_supported_for_channel_type"


def test_conversations_history_newest_first_with_metadata(client: WebClient) -> None:
    for n in range(3):
        metadata = {"event_type": "weekly_digest", "event_payload": {"n": n}}
        client.chat_postMessage(channel="U1", text=f"m{n}", metadata=metadata)
    client.chat_postMessage(channel="C1", text="elsewhere")
    history = client.conversations_history(channel="D1", include_all_metadata=True)["messages"]
    assert [m["text"] for m in history] == ["m2", "m1", "m0"]
    assert [m["metadata"]["event_payload"]["n"] for m in history] == [2, 1, 0]
    plain = client.conversations_history(channel="D1", limit=2)
    assert [m["text"] for m in plain["messages"]] == ["m2", "m1"]
    assert "metadata" not in plain["messages"][0]
    assert plain["has_more"] is True


# ------------------------------------------------------------------ file upload


def test_files_upload_v2_end_to_end(client: WebClient, server: SlackAPIServer) -> None:
    content = b"week,score\r\n1,\xff\x00 binary"
    response = client.files_upload_v2(content=content, filename="scores.csv", title="Scores", channel="C1")
    assert response["file"]["title"] == "Scores"
    assert response["files"][0]["id"].startswith("F")
    (uploaded,) = server.uploaded_files()
    assert uploaded.data == content
    assert uploaded.completed is True
    assert uploaded.channel == "C1"
    methods = [c.method for c in server.calls()]
    assert methods == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]


def test_upload_url_points_back_at_server(client: WebClient, server: SlackAPIServer) -> None:
    response = client.files_getUploadURLExternal(filename="a.txt", length=3)
    assert response["upload_url"] == f"{server.url}/upload/{response['file_id']}"


def test_upload_accepts_multipart(client: WebClient, server: SlackAPIServer) -> None:
    file_id = client.files_getUploadURLExternal(filename="a.txt", length=5)["file_id"]
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nhello\r\n--XyZ--\r\n"
    )
    status, payload = raw_post(
        server, f"/upload/{file_id}", body, {"Content-Type": "multipart/form-data; boundary=XyZ"}
    )
    assert (status, payload) == (200, b"OK - 5")
    assert server.uploaded_files()[0].data == b"hello"


def test_complete_upload_requires_uploaded_bytes(client: WebClient) -> None:
    file_id = client.files_getUploadURLExternal(filename="a.txt", length=3)["file_id"]
    with pytest.raises(SlackApiError) as info:
        client.files_completeUploadExternal(files=[{"id": file_id, "title": "never uploaded"}])
    assert slack_error(info) == "file_not_found"


# ------------------------------------------------------------------ faults


def test_429_with_retry_after_then_recovers(client: WebClient, server: SlackAPIServer) -> None:
    server.fail("chat.postMessage", status=429, retry_after=7, times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as info:
            client.chat_postMessage(channel="C1", text="hi")
        assert info.value.response.status_code == 429
        assert info.value.response.headers["Retry-After"] == "7"
        assert slack_error(info) == "ratelimited"
    assert client.chat_postMessage(channel="C1", text="hi")["ok"] is True
    statuses = [c.status for c in server.calls("chat.postMessage")]
    assert statuses == [429, 429, 200]
    assert [c.fault for c in server.calls()] == ["http_429", "http_429", None]


def test_sdk_retry_handler_gets_through_a_429(server: SlackAPIServer) -> None:
    retrying = WebClient(token=TOKEN, base_url=server.base_url, retry_handlers=[RateLimitErrorRetryHandler()])
    server.fail("chat.postMessage", status=429, retry_after=0)
    assert retrying.chat_postMessage(channel="C1", text="hi")["ok"] is True
    assert [c.status for c in server.calls("chat.postMessage")] == [429, 200]


@pytest.mark.parametrize("status", [500, 503])
def test_http_5xx(client: WebClient, server: SlackAPIServer, status: int) -> None:
    server.fail("users.info", status=status)
    with pytest.raises(SlackApiError) as info:
        client.users_info(user="U1")
    assert info.value.response.status_code == status
    assert client.users_info(user="U1")["ok"] is True


@pytest.mark.parametrize("error", ["channel_not_found", "account_inactive", "not_in_channel", "whatever_else"])
def test_slack_error_fault(client: WebClient, server: SlackAPIServer, error: str) -> None:
    server.fail("chat.postMessage", error=error)
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C1", text="hi")
    assert info.value.response.status_code == 200
    assert slack_error(info) == error
    assert server.calls()[0].fault == f"error:{error}"


def test_fault_when_only_matches_given_params(client: WebClient, server: SlackAPIServer) -> None:
    server.fail("chat.postMessage", error="account_inactive", times=1, when={"channel": "U123"})
    assert client.chat_postMessage(channel="U999", text="other user")["ok"] is True
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="U123", text="inactive user")
    assert slack_error(info) == "account_inactive"
    assert client.chat_postMessage(channel="U123", text="fault used up")["ok"] is True


def test_fault_forever_until_cleared(client: WebClient, server: SlackAPIServer) -> None:
    server.fail("auth.test", error="account_inactive", times=None)
    for _ in range(3):
        with pytest.raises(SlackApiError):
            client.auth_test()
    server.clear_faults()
    assert client.auth_test()["ok"] is True


def test_fail_needs_error_or_status(server: SlackAPIServer) -> None:
    with pytest.raises(ValueError, match="needs an error"):
        server.fail("auth.test")


def test_delay(client: WebClient, server: SlackAPIServer) -> None:
    server.delay("auth.test", 0.3, times=1)
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started >= 0.3
    assert server.calls()[0].fault == "delay:0.3"
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started < 0.3


def test_delay_longer_than_client_timeout(server: SlackAPIServer) -> None:
    impatient = WebClient(token=TOKEN, base_url=server.base_url, timeout=1)
    server.delay("auth.test", 2)
    with pytest.raises(TimeoutError):
        impatient.auth_test()


def test_a_late_answer_after_handling_leaves_the_message_posted(server: SlackAPIServer) -> None:
    impatient = WebClient(token=TOKEN, base_url=server.base_url, timeout=1)
    server.delay("chat.postMessage", 2, after_handling=True)
    with pytest.raises(TimeoutError):
        impatient.chat_postMessage(channel="C0LATE", text="posted, though nobody heard back")
    history = WebClient(token=TOKEN, base_url=server.base_url).conversations_history(channel="C0LATE")
    assert [m["text"] for m in history["messages"]] == ["posted, though nobody heard back"]


def random_failures(seed: int) -> list[int]:
    """Statuses of 60 posts against a server failing 30% of calls at random."""
    with SlackAPIServer() as srv:
        srv.fail_randomly(0.3, seed=seed, methods=["chat.postMessage"])
        client = WebClient(token=TOKEN, base_url=srv.base_url)
        for n in range(60):
            with contextlib.suppress(SlackApiError):
                client.chat_postMessage(channel="C1", text=str(n))
        client.auth_test()  # not in methods: never fails
        return [c.status for c in srv.calls("chat.postMessage")]


def test_fail_randomly_is_seeded_and_roughly_the_fraction() -> None:
    first, second = random_failures(seed=11), random_failures(seed=11)
    assert first == second
    failures = first.count(500)
    assert 8 <= failures <= 30
    assert set(first) == {200, 500}


def test_rate_limit_rolling_window() -> None:
    clock = FakeClock()
    with SlackAPIServer(clock=clock) as srv:
        client = WebClient(token=TOKEN, base_url=srv.base_url)
        srv.rate_limit("chat.postMessage", per_minute=3)
        for second in (0, 10, 20):
            clock.now = 1000.0 + second
            client.chat_postMessage(channel="C1", text="ok")
        clock.now = 1030.0
        with pytest.raises(SlackApiError) as info:
            client.chat_postMessage(channel="C1", text="too many")
        assert info.value.response.status_code == 429
        assert info.value.response.headers["Retry-After"] == "30"
        assert client.auth_test()["ok"] is True  # other methods are not limited
        clock.now = 1060.5  # the first slot has freed up
        assert client.chat_postMessage(channel="C1", text="ok again")["ok"] is True
        assert [c.status for c in srv.calls("chat.postMessage")] == [200, 200, 200, 429, 200]
        assert srv.calls("chat.postMessage")[3].fault == "rate_limit"


def test_rate_limit_retry_after_is_at_least_one_second() -> None:
    clock = FakeClock()
    with SlackAPIServer(clock=clock) as srv:
        client = WebClient(token=TOKEN, base_url=srv.base_url)
        srv.rate_limit("chat.postMessage", per_minute=1)
        client.chat_postMessage(channel="C1", text="ok")
        clock.now += 59.9
        with pytest.raises(SlackApiError) as info:
            client.chat_postMessage(channel="C1", text="no")
        assert info.value.response.headers["Retry-After"] == "1"
        srv.rate_limit("chat.postMessage", None)
        assert client.chat_postMessage(channel="C1", text="unlimited")["ok"] is True


# ------------------------------------------------------------------ payload validation


def test_valid_payloads_are_accepted(client: WebClient, server: SlackAPIServer) -> None:
    button = {"type": "button", "text": {"type": "plain_text", "text": "Done"}, "action_id": "done"}
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Weekly"}},
        section("x" * 3000),
        {"type": "divider"},
        {"type": "actions", "elements": [button]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "ctx"}]},
    ]
    client.chat_postMessage(channel="C1", text="y" * 40_000, blocks=blocks)
    client.chat_postMessage(channel="C1", text="fifty", blocks=[section("b")] * 50)
    client.views_open(trigger_id="t", view=modal(title="x" * 24, blocks=[section("b")] * 100))
    client.views_publish(user_id="U1", view={"type": "home", "blocks": [section("b")] * 100})
    server.assert_all_valid()


@pytest.mark.parametrize(
    ("blocks", "detail"),
    [
        ([section("x" * 3001)], "3000"),
        ([section("b")] * 51, "51 blocks"),
        ([{"type": "no_such_block"}], "unknown block type"),
        ([{"text": "no type"}], "unknown block type"),
        (["not an object"], "must be an object"),
        (
            [{"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "z" * 76}}]}],
            "75",
        ),
    ],
    ids=["section_3001", "51_blocks", "unknown_type", "no_type", "not_object", "button_text_76"],
)
def test_invalid_message_blocks_rejected_and_recorded(
    client: WebClient, server: SlackAPIServer, blocks: list[Any], detail: str
) -> None:
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C1", text="t", blocks=blocks)
    assert slack_error(info) == "invalid_blocks"
    assert detail in info.value.response["detail"]
    assert len(server.invalid_payloads) >= 1
    assert server.messages("C1") == []
    with pytest.raises(AssertionError, match=r"chat\.postMessage"):
        server.assert_all_valid()


def test_invalid_blocks_in_form_body_rejected(client: WebClient, server: SlackAPIServer) -> None:
    data = {"channel": "C1", "text": "t", "blocks": json.dumps([section("x" * 3001)])}
    with pytest.raises(SlackApiError) as info:
        client.api_call("chat.postMessage", data=data)
    assert slack_error(info) == "invalid_blocks"


def test_text_over_40000_chars_rejected(client: WebClient, server: SlackAPIServer) -> None:
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C1", text="x" * 40_001)
    assert slack_error(info) == "msg_too_long"
    assert "40001" in server.invalid_payloads[0]


def test_bad_metadata_rejected(client: WebClient, server: SlackAPIServer) -> None:
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C1", text="t", metadata={"event_payload": {}})
    assert slack_error(info) == "invalid_metadata_format"
    assert server.invalid_payloads


def test_invalid_blocks_in_update_and_ephemeral(client: WebClient, server: SlackAPIServer) -> None:
    with pytest.raises(SlackApiError):
        client.chat_update(channel="C1", ts="1.000001", text="t", blocks=[section("x" * 3001)])
    with pytest.raises(SlackApiError):
        client.chat_postEphemeral(channel="C1", user="U1", text="t", blocks=[section("b")] * 51)
    assert [p.split(":")[0] for p in server.invalid_payloads] == ["chat.update", "chat.postEphemeral"]


@pytest.mark.parametrize(
    ("view", "detail"),
    [
        (modal(title="x" * 25), "title"),
        (modal(blocks=[section("b")] * 101), "101 blocks"),
        (modal(blocks=[section("x" * 3001)]), "3000"),
        ({"type": "sheet", "blocks": [section("b")]}, "type"),
    ],
    ids=["title_25", "101_blocks", "section_3001", "bad_type"],
)
def test_invalid_views_rejected_and_recorded(
    client: WebClient, server: SlackAPIServer, view: dict[str, Any], detail: str
) -> None:
    with pytest.raises(SlackApiError) as info:
        client.views_open(trigger_id="t", view=view)
    assert slack_error(info) == "invalid_blocks"
    assert detail in info.value.response["detail"]
    with pytest.raises(AssertionError, match=r"views\.open"):
        server.assert_all_valid()


def test_invalid_home_view_rejected(client: WebClient, server: SlackAPIServer) -> None:
    with pytest.raises(SlackApiError):
        client.views_publish(user_id="U1", view={"type": "home", "blocks": [section("b")] * 101})
    assert server.invalid_payloads[0].startswith("views.publish")


# ------------------------------------------------------------------ recording helpers


def test_calls_filter_and_reset(client: WebClient, server: SlackAPIServer) -> None:
    client.auth_test()
    client.chat_postMessage(channel="C1", text="a")
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="b", blocks=[{"type": "bogus"}])
    assert [c.method for c in server.calls()] == ["auth.test", "chat.postMessage", "chat.postMessage"]
    call = server.calls("chat.postMessage")[0]
    assert call.params == {"channel": "C1", "text": "a"}
    assert call.headers["authorization"] == f"Bearer {TOKEN}"
    assert call.response is not None
    assert call.response["ts"]
    assert call.time <= time.time()
    server.reset()
    assert server.calls() == []
    assert server.invalid_payloads == []
    server.assert_all_valid()


def test_wait_for_calls_from_another_thread(server: SlackAPIServer) -> None:
    client = WebClient(token=TOKEN, base_url=server.base_url)
    worker = threading.Thread(target=lambda: [client.chat_postMessage(channel="C1", text="x") for _ in range(3)])
    worker.start()
    try:
        assert len(server.wait_for("chat.postMessage", count=3, timeout=10)) == 3
    finally:
        worker.join()
    with pytest.raises(AssertionError, match=r"expected 1 users\.info"):
        server.wait_for("users.info", timeout=0.05)


def test_internal_errors_become_500_and_are_reported(client: WebClient, server: SlackAPIServer) -> None:
    def broken(params: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("boom")

    server._methods["auth.test"] = broken
    with pytest.raises(SlackApiError) as info:
        client.auth_test()
    assert info.value.response.status_code == 500
    with pytest.raises(AssertionError, match="boom"):
        server.assert_all_valid()


def test_concurrent_posts_get_unique_timestamps(server: SlackAPIServer) -> None:
    stamps: list[str] = []
    lock = threading.Lock()

    def post_many() -> None:
        client = WebClient(token=TOKEN, base_url=server.base_url)
        for n in range(25):
            ts = client.chat_postMessage(channel="C1", text=str(n))["ts"]
            with lock:
                stamps.append(ts)

    workers = [threading.Thread(target=post_many) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(stamps) == len(set(stamps)) == 200
    assert len(server.calls("chat.postMessage")) == 200
    server.assert_all_valid()


# ------------------------------------------------------------------ response_url


def test_response_url_posts_are_recorded(server: SlackAPIServer) -> None:
    webhook = WebhookClient(f"{server.url}/respond/1")
    response = webhook.send(text="You're in", response_type="ephemeral", replace_original=False)
    assert response.status_code == 200
    [call] = server.wait_for("response_url")
    assert call.params["text"] == "You're in"
    assert call.params["response_type"] == "ephemeral"


def test_response_url_validates_blocks(server: SlackAPIServer) -> None:
    webhook = WebhookClient(f"{server.url}/respond/2")
    response = webhook.send(text="t", blocks=[section("x" * 3001)])
    assert response.status_code == 400
    assert server.invalid_payloads[0].startswith("response_url")


def test_response_url_faults(server: SlackAPIServer) -> None:
    server.fail("response_url", status=500)
    assert WebhookClient(f"{server.url}/respond/3").send(text="t").status_code == 500
    assert server.calls("response_url")[0].fault == "http_500"


# ---------------------------------------------------------------- many workspaces: OAuth, tokens, who called


def test_each_token_answers_auth_test_for_its_own_workspace(server: SlackAPIServer) -> None:
    server.add_workspace("xoxb-second", "T0SECOND", name="Second", enterprise_id="E0ORG")
    first = WebClient(token=TOKEN, base_url=server.base_url).auth_test()
    second = WebClient(token="xoxb-second", base_url=server.base_url).auth_test()
    assert first["team_id"] == server.team_id
    assert (second["team_id"], second["team"], second["enterprise_id"]) == ("T0SECOND", "Second", "E0ORG")
    assert [call.token for call in server.calls("auth.test")] == [TOKEN, "xoxb-second"]


def test_oauth_code_is_exchanged_once_for_its_token(server: SlackAPIServer) -> None:
    server.set_oauth_client("111.222", "secret")
    server.grant("code-1", "xoxb-new", "T0NEW", installer="U0BOSS", scope="chat:write,commands")
    anonymous = WebClient(base_url=server.base_url)
    answer = anonymous.oauth_v2_access(client_id="111.222", client_secret="secret", code="code-1")
    assert (answer["access_token"], answer["team"]["id"], answer["authed_user"]["id"]) == (
        "xoxb-new",
        "T0NEW",
        "U0BOSS",
    )
    assert WebClient(token="xoxb-new", base_url=server.base_url).auth_test()["team_id"] == "T0NEW"
    with pytest.raises(SlackApiError) as reused:
        anonymous.oauth_v2_access(client_id="111.222", client_secret="secret", code="code-1")
    assert slack_error(reused) == "invalid_code"
    with pytest.raises(SlackApiError) as wrong_secret:
        anonymous.oauth_v2_access(client_id="111.222", client_secret="guess", code="code-1")
    assert slack_error(wrong_secret) == "bad_client_secret"


def test_a_rotating_token_is_refreshed_once_and_the_revoked_one_refused(server: SlackAPIServer) -> None:
    server.set_oauth_client("111.222", "secret")
    server.grant("code-1", "xoxe.xoxb-1", "T0NEW", installer="U0BOSS", refresh_token="xoxe-1-r", expires_in=60)
    anonymous = WebClient(base_url=server.base_url)
    anonymous.oauth_v2_access(client_id="111.222", client_secret="secret", code="code-1")
    fresh = anonymous.oauth_v2_access(
        client_id="111.222", client_secret="secret", grant_type="refresh_token", refresh_token="xoxe-1-r"
    )
    assert fresh["access_token"] not in ("xoxe.xoxb-1", None)
    assert fresh["refresh_token"] != "xoxe-1-r"
    assert WebClient(token=fresh["access_token"], base_url=server.base_url).auth_test()["team_id"] == "T0NEW"
    with pytest.raises(SlackApiError) as again:
        anonymous.oauth_v2_access(
            client_id="111.222", client_secret="secret", grant_type="refresh_token", refresh_token="xoxe-1-r"
        )
    assert slack_error(again) == "invalid_refresh_token"
    server.revoke(fresh["access_token"])
    with pytest.raises(SlackApiError) as revoked:
        WebClient(token=fresh["access_token"], base_url=server.base_url).chat_postMessage(channel="C1", text="hi")
    assert slack_error(revoked) == "token_revoked"
