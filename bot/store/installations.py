"""Distributed mode's stores: slack_sdk's SQLAlchemy installation and OAuth-state stores, on the tables our
migrations create, with every token encrypted at rest (Fernet) so the database holds none readable."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Dialect, Engine, MetaData, Table, Text, TypeDecorator, delete, select, update
from sqlalchemy.orm import Session

from bot.store.models import SLACK_BOTS, SLACK_INSTALLATIONS, SLACK_OAUTH_STATES, TOKEN_COLUMNS

logger = logging.getLogger(__name__)

STATE_SECONDS = 600  # how long an "Add to Slack" link stays usable


class UnreadableToken(Exception):
    """A stored token cannot be decrypted with any key in COACH_ENCRYPTION_KEY."""


def keyring(keys: Sequence[str]) -> MultiFernet:
    """The keys of COACH_ENCRYPTION_KEY: the first encrypts, any of them decrypts (so a key can be rotated)."""
    return MultiFernet([Fernet(key) for key in keys])


class EncryptedToken(TypeDecorator[str]):
    """A token column whose value is written encrypted and read back decrypted."""

    impl = Text
    cache_ok = True

    def __init__(self, fernet: MultiFernet) -> None:
        super().__init__()
        self.fernet = fernet

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        """Encrypt with the first key."""
        return None if value is None else self.fernet.encrypt(value.encode()).decode()

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        """Decrypt with whichever key encrypted it."""
        if value is None:
            return None
        try:
            return self.fernet.decrypt(value.encode()).decode()
        except InvalidToken:
            raise UnreadableToken(
                "a stored Slack token can't be decrypted with COACH_ENCRYPTION_KEY: was a key dropped too soon?"
            ) from None


def _encrypted(table: Table, fernet: MultiFernet) -> Table:
    """A copy of the table (same name and columns) whose token columns encrypt and decrypt."""
    copy = table.to_metadata(MetaData())
    for name in TOKEN_COLUMNS:
        if name in copy.c:
            copy.c[name].type = EncryptedToken(fernet)
    return copy


class EncryptedInstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's installation store on our tables; the tokens it saves are encrypted, those it finds decrypted."""

    def __init__(self, client_id: str, engine: Engine, keys: Sequence[str]) -> None:
        super().__init__(client_id=client_id, engine=engine, logger=logger)
        self.fernet = keyring(keys)
        self.installations = _encrypted(SLACK_INSTALLATIONS, self.fernet)
        self.bots = _encrypted(SLACK_BOTS, self.fernet)
        self.metadata = self.installations.metadata

    def rotate_key(self) -> int:
        """Encrypt every stored token again with the first key; the number of rows rewritten."""
        rewritten = 0
        with self.engine.begin() as connection:
            for table in (self.installations, self.bots):
                columns = [table.c[name] for name in TOKEN_COLUMNS if name in table.c]
                for row in connection.execute(select(table.c.id, *columns)).mappings().all():
                    values = {column.name: row[column.name] for column in columns}
                    connection.execute(update(table).where(table.c.id == row["id"]).values(**values))
                    rewritten += 1
        return rewritten


def prune_oauth_states(session: Session, now: datetime) -> int:
    """Delete the install links' states that expired unused (every visit to the install page leaves one)."""
    naive_utc = now.astimezone(UTC).replace(tzinfo=None)  # slack_sdk stores them naive, in UTC
    result = session.execute(delete(SLACK_OAUTH_STATES).where(SLACK_OAUTH_STATES.c.expire_at < naive_utc))
    return int(getattr(result, "rowcount", 0) or 0)


class OAuthStates(SQLAlchemyOAuthStateStore):
    """slack_sdk's OAuth-state store on our table: each install link's state is good once, for ten minutes."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(expiration_seconds=STATE_SECONDS, engine=engine, logger=logger)
        self.oauth_states = SLACK_OAUTH_STATES
        self.metadata = SLACK_OAUTH_STATES.metadata
