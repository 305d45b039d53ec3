"""Settings from the environment or a `.env` file (DESIGN.md §3), and where the app's data files are."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet
from dotenv.parser import parse_stream

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_HOST = "0.0.0.0"  # every interface: the Procfile's web process and the Docker image are reached from outside
README_HINT = "see 'Creating the Slack app' in README.md"
DISTRIBUTED_HINT = "see 'Distributing to many workspaces' in README.md"
# What each mode needs: one workspace with its bot token, or many installing through OAuth (HTTP only).
SINGLE_WORKSPACE = ("SLACK_BOT_TOKEN",)
DISTRIBUTED = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "COACH_ENCRYPTION_KEY")


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
    host: str = DEFAULT_HOST  # the interface `coach serve` listens on
    client_id: str | None = None  # distributed mode: the app's OAuth credentials
    client_secret: str | None = None
    encryption_keys: tuple[str, ...] = ()  # distributed mode: Fernet keys, the first encrypts (rotation: see README)

    @property
    def distributed(self) -> bool:
        """Whether workspaces install through OAuth (no SLACK_BOT_TOKEN, an app's client id instead)."""
        return self.bot_token is None and self.client_id is not None

    def require(self, *names: str) -> None:
        """Raise ConfigError naming the first of these settings that is not set."""
        fields = {
            "SLACK_BOT_TOKEN": self.bot_token,
            "SLACK_SIGNING_SECRET": self.signing_secret,
            "SLACK_APP_TOKEN": self.app_token,
            "SLACK_CLIENT_ID": self.client_id,
            "SLACK_CLIENT_SECRET": self.client_secret,
            "COACH_ENCRYPTION_KEY": ",".join(self.encryption_keys),
        }
        for name in names:
            if not fields[name]:
                hint = DISTRIBUTED_HINT if name in DISTRIBUTED else README_HINT
                raise ConfigError(f"{name} is not set: put it in the environment or in .env ({hint}).")

    def require_workspace_access(self, *names: str) -> None:
        """Raise ConfigError naming the first missing setting of this mode (the mode's own, then `names`)."""
        self.require(*(DISTRIBUTED if self.distributed else SINGLE_WORKSPACE), *names)


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a `.env` file with python-dotenv's parser: KEY=VALUE lines, `export`, `#` comments (whole-line, and
    after an unquoted value), single quotes (literal) and double quotes (with escapes such as \\n and \\", and
    values over several lines). `${VAR}` is not expanded: a value is what is written. A line that is not KEY=VALUE
    raises ConfigError naming the file and line. The values are returned, never put into os.environ."""
    values: dict[str, str] = {}
    with path.open(encoding="utf-8") as stream:
        for binding in parse_stream(stream):
            if binding.error or (binding.key is not None and binding.value is None):
                text = binding.original.string  # may start with the blank lines before the statement
                line = binding.original.line + text[: len(text) - len(text.lstrip())].count("\n")
                got = (text.strip().splitlines() or [""])[0][:40]
                raise ConfigError(f"{path}:{line}: expected KEY=VALUE, got {got!r}.")
            if binding.key is not None and binding.value is not None:
                values[binding.key] = binding.value
    return values


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = None) -> Settings:
    """Build Settings from `.env` (if present) overlaid by the environment (a variable set there wins over the
    file); raise ConfigError if malformed."""
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
        host=_host(get("HOST") or DEFAULT_HOST),
        client_id=_client_id(get("SLACK_CLIENT_ID"), bot_token=get("SLACK_BOT_TOKEN")),
        client_secret=get("SLACK_CLIENT_SECRET"),
        encryption_keys=_encryption_keys(get("COACH_ENCRYPTION_KEY")),
    )


def data_dir(name: str) -> Path:
    """A data directory that lives at the top of the repository (`prompts`, `migrations`): in an installed wheel it
    is bot/data/NAME inside the package (the build maps it in; see pyproject.toml), found through the installed
    `bot` package; in an editable install or a plain checkout, where the package is the repository's bot/, it is
    the repository's own NAME/ beside it."""
    package = Path(str(files("bot")))  # pip installs the wheel as plain files, never as a zip
    packaged = package / "data" / name
    checkout = package.parent
    if packaged.is_dir() or not (checkout / "pyproject.toml").is_file():
        return packaged
    return checkout / name


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


def _client_id(value: str | None, *, bot_token: str | None) -> str | None:
    if value is None:
        return None
    if bot_token is not None:
        raise ConfigError(
            f"set SLACK_BOT_TOKEN for one workspace or SLACK_CLIENT_ID for many, not both ({DISTRIBUTED_HINT})."
        )
    head, dot, tail = value.partition(".")
    if not (dot and head.isdigit() and tail.isdigit()):
        raise ConfigError(f"SLACK_CLIENT_ID should look like 1234567890.1234567890 ({DISTRIBUTED_HINT}).")
    return value


def _encryption_keys(value: str | None) -> tuple[str, ...]:
    """One Fernet key, or several separated by commas while rotating (the first encrypts, each decrypts)."""
    if value is None:
        return ()
    keys = tuple(key.strip() for key in value.split(","))
    for key in keys:
        try:
            Fernet(key)
        except ValueError:
            raise ConfigError(
                "COACH_ENCRYPTION_KEY must be Fernet keys (32 url-safe base64-encoded bytes) separated by commas; "
                "make one with `coach keygen`."
            ) from None
    return keys


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


def _host(value: str) -> str:
    if any(character.isspace() or character == "/" for character in value):
        raise ConfigError(f"HOST must be an interface address or name, like 0.0.0.0 or 127.0.0.1, got {value!r}.")
    return value


def _log_level(value: str) -> str:
    level = value.upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ConfigError(f"LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got {value!r}.")
    return level
