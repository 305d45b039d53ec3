"""Settings from the environment or a `.env` file (DESIGN.md §3)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_API_URL = "https://slack.com/api/"
README_HINT = "see 'Creating the Slack app' in README.md"


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line a person can act on."""


@dataclass(frozen=True)
class Settings:
    """Everything the process is configured with."""

    bot_token: str | None
    signing_secret: str | None
    app_token: str | None
    slack_api_url: str
    database_url: str
    port: int
    timezone: str
    digest_channel: str | None
    post_rate: int
    log_level: str
    installer: str | None = None  # Slack doesn't tell a single-workspace app who installed it; this does
    retention_days: int = 30  # an uninstalled workspace's data is deleted this long after the uninstall

    def require(self, *names: str) -> None:
        """Raise ConfigError naming the first of these settings that is not set."""
        fields = {
            "SLACK_BOT_TOKEN": self.bot_token,
            "SLACK_SIGNING_SECRET": self.signing_secret,
            "SLACK_APP_TOKEN": self.app_token,
        }
        for name in names:
            if not fields[name]:
                raise ConfigError(f"{name} is not set: put it in the environment or in .env ({README_HINT}).")


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a `.env` file: KEY=VALUE lines, `#` comments, optional quotes and `export`."""
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{path}:{number}: expected KEY=VALUE, got {raw.strip()[:40]!r}.")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = None) -> Settings:
    """Build Settings from `.env` (if present) overlaid by the environment; raise ConfigError if malformed."""
    env_path = env_file if env_file is not None else Path(".env")
    merged: dict[str, str] = read_env_file(env_path) if env_path.is_file() else {}
    merged.update(os.environ if environ is None else environ)

    def get(name: str) -> str | None:
        value = merged.get(name, "").strip()
        return value or None

    return Settings(
        bot_token=_token(get("SLACK_BOT_TOKEN"), "SLACK_BOT_TOKEN", "xoxb-"),
        signing_secret=get("SLACK_SIGNING_SECRET"),
        app_token=_token(get("SLACK_APP_TOKEN"), "SLACK_APP_TOKEN", "xapp-"),
        slack_api_url=_api_url(get("SLACK_API_URL") or DEFAULT_API_URL),
        database_url=normalize_database_url(get("DATABASE_URL") or "sqlite:///coach.db"),
        port=_int(get("PORT") or "3000", "PORT", low=1, high=65535),
        timezone=_timezone(get("COACH_TIMEZONE") or "UTC"),
        digest_channel=_channel(get("COACH_DIGEST_CHANNEL")),
        post_rate=_int(get("COACH_POST_RATE") or "300", "COACH_POST_RATE", low=1, high=100_000),
        log_level=_log_level(get("LOG_LEVEL") or "INFO"),
        installer=_user(get("COACH_INSTALLER")),
        retention_days=_int(get("COACH_RETENTION_DAYS") or "30", "COACH_RETENTION_DAYS", low=1, high=3650),
    )


def normalize_database_url(url: str) -> str:
    """Accept `postgres://` and `postgresql://` and use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if not url.startswith(("sqlite:", "postgresql+")):
        raise ConfigError(f"DATABASE_URL must start with sqlite:/// or postgresql:// (got {url.split(':', 1)[0]}:...).")
    return url


def _token(value: str | None, name: str, prefix: str) -> str | None:
    if value is not None and not value.startswith(prefix):
        raise ConfigError(f"{name} should start with {prefix!r} ({README_HINT}).")
    return value


def _api_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ConfigError(f"SLACK_API_URL must be an http(s) URL, like {DEFAULT_API_URL}.")
    return value if value.endswith("/") else value + "/"


def _int(value: str, name: str, *, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {value!r}.") from None
    if not low <= number <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {number}.")
    return number


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"COACH_TIMEZONE {value!r} is not an IANA time zone (e.g. Europe/Berlin, America/New_York)."
        ) from None
    return value


def _channel(value: str | None) -> str | None:
    if value is None:
        return None
    channel = value.removeprefix("#")
    if channel[:1] not in ("C", "G") or not channel.isalnum():
        raise ConfigError(f"COACH_DIGEST_CHANNEL must be a channel id like C0123ABCD, got {value!r}.")
    return channel


def _user(value: str | None) -> str | None:
    if value is not None and (value[:1] not in ("U", "W") or not value.isalnum()):
        raise ConfigError(f"COACH_INSTALLER must be a Slack user id like U0123ABCD, got {value!r}.")
    return value


def _log_level(value: str) -> str:
    level = value.upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ConfigError(f"LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got {value!r}.")
    return level
