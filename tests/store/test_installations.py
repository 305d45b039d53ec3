"""The installation store keeps tokens encrypted at rest, finds them decrypted, and survives a key rotation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import Engine, text

from bot.store.db import make_session_factory
from bot.store.installations import EncryptedInstallationStore, OAuthStates, UnreadableToken, prune_oauth_states
from bot.store.models import SLACK_OAUTH_STATES

CLIENT_ID = "1111.2222"
KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()
BOT_TOKEN = "xoxe.xoxb-1-" + "b" * 140  # a rotating token: longer than slack_sdk's 200-character columns, encrypted
REFRESH = "xoxe-1-" + "r" * 140


def installation(team_id: str = "T0ONE", token: str = BOT_TOKEN) -> Installation:
    return Installation(
        app_id="A0APP",
        team_id=team_id,
        team_name="One",
        enterprise_id=None,
        user_id="U0BOSS",
        bot_token=token,
        bot_id="B0BOT",
        bot_user_id="U0BOT",
        bot_scopes="chat:write,commands",
        bot_refresh_token=REFRESH,
        bot_token_expires_at=int(datetime(2030, 1, 1, tzinfo=UTC).timestamp()),
        installed_at=datetime.now(UTC).timestamp(),
    )


def raw_rows(engine: Engine) -> str:
    """Everything in the store's tables, as the database file holds it."""
    with engine.connect() as connection:
        rows = [
            *connection.execute(text("SELECT * FROM slack_installations")).all(),
            *connection.execute(text("SELECT * FROM slack_bots")).all(),
        ]
    return repr(rows)


def test_tokens_are_stored_encrypted_and_found_decrypted(engine: Engine) -> None:
    store = EncryptedInstallationStore(CLIENT_ID, engine, [KEY])
    store.save(installation())
    found = store.find_installation(enterprise_id=None, team_id="T0ONE")
    bot = store.find_bot(enterprise_id=None, team_id="T0ONE")
    assert found is not None
    assert bot is not None
    assert (found.bot_token, found.bot_refresh_token, found.user_id) == (BOT_TOKEN, REFRESH, "U0BOSS")
    assert (bot.bot_token, bot.bot_refresh_token) == (BOT_TOKEN, REFRESH)
    stored = raw_rows(engine)
    assert "U0BOSS" in stored
    assert "xox" not in stored
    assert store.find_installation(enterprise_id=None, team_id="T0OTHER") is None


def test_a_rotated_key_still_reads_old_rows_and_rewrites_them(engine: Engine) -> None:
    EncryptedInstallationStore(CLIENT_ID, engine, [KEY]).save(installation())
    rotating = EncryptedInstallationStore(CLIENT_ID, engine, [NEW_KEY, KEY])
    assert rotating.rotate_key() == 2
    only_new = EncryptedInstallationStore(CLIENT_ID, engine, [NEW_KEY])
    found = only_new.find_installation(enterprise_id=None, team_id="T0ONE")
    assert found is not None
    assert found.bot_token == BOT_TOKEN
    with pytest.raises(UnreadableToken):
        EncryptedInstallationStore(CLIENT_ID, engine, [KEY]).find_installation(enterprise_id=None, team_id="T0ONE")


def test_deleting_an_installation_leaves_no_token(engine: Engine) -> None:
    store = EncryptedInstallationStore(CLIENT_ID, engine, [KEY])
    store.save(installation("T0ONE"))
    store.save(installation("T0TWO", token="xoxb-two"))
    store.delete_all(enterprise_id=None, team_id="T0ONE")
    assert store.find_bot(enterprise_id=None, team_id="T0ONE") is None
    kept = store.find_bot(enterprise_id=None, team_id="T0TWO")
    assert kept is not None
    assert kept.bot_token == "xoxb-two"


def test_an_oauth_state_is_good_once(engine: Engine) -> None:
    states = OAuthStates(engine)
    state = states.issue()
    assert states.consume(state)
    assert not states.consume(state)
    assert not states.consume("forged")


def test_expired_oauth_states_are_pruned_and_live_ones_kept(engine: Engine) -> None:
    states = OAuthStates(engine)
    old, live = states.issue(), states.issue()
    with engine.begin() as connection:
        connection.execute(
            SLACK_OAUTH_STATES.update()
            .where(SLACK_OAUTH_STATES.c.state == old)
            .values(expire_at=datetime(2020, 1, 1, 12, 0))  # noqa: DTZ001  # slack_sdk's column: naive UTC
        )
    with make_session_factory(engine).begin() as session:
        assert prune_oauth_states(session, datetime.now(UTC)) == 1
    assert not states.consume(old)
    assert states.consume(live)
