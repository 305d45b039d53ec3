from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings, normalize_database_url, read_env_file


def test_defaults_follow_the_design(tmp_path: Path) -> None:
    settings = load_settings({}, env_file=tmp_path / "missing.env")
    assert settings.database_url == "sqlite:///coach.db"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert (settings.port, settings.timezone, settings.post_rate, settings.log_level) == (3000, "UTC", 300, "INFO")
    assert settings.bot_token is None
    assert settings.digest_channel is None
    assert settings.retention_days == 30


def test_env_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "# comment\nexport SLACK_BOT_TOKEN='xoxb-from-file'\nPORT=4000\nCOACH_TIMEZONE=\"Europe/Berlin\"\n\n"
    )
    settings = load_settings({"PORT": "5000"}, env_file=env)
    assert settings.bot_token == "xoxb-from-file"
    assert settings.port == 5000
    assert settings.timezone == "Europe/Berlin"


@pytest.mark.parametrize(
    ("environ", "names"),
    [
        ({"PORT": "abc"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"COACH_TIMEZONE": "Mars/Olympus"}, "COACH_TIMEZONE"),
        ({"COACH_POST_RATE": "0"}, "COACH_POST_RATE"),
        ({"COACH_RETENTION_DAYS": "0"}, "COACH_RETENTION_DAYS"),
        ({"COACH_RETENTION_DAYS": "a month"}, "COACH_RETENTION_DAYS"),
        ({"SLACK_BOT_TOKEN": "xapp-wrong-kind"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_APP_TOKEN": "xoxb-wrong-kind"}, "SLACK_APP_TOKEN"),
        ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"COACH_DIGEST_CHANNEL": "#general"}, "COACH_DIGEST_CHANNEL"),
        ({"COACH_INSTALLER": "@ada"}, "COACH_INSTALLER"),
        ({"LOG_LEVEL": "chatty"}, "LOG_LEVEL"),
    ],
)
def test_malformed_setting_is_one_line_naming_it(tmp_path: Path, environ: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(environ, env_file=tmp_path / "none")
    message = str(raised.value)
    assert names in message
    assert "\n" not in message


def test_bad_env_file_line_names_file_and_line(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("GOOD=1\nthis is not a setting\n")
    with pytest.raises(ConfigError, match=r"\.env:2"):
        read_env_file(env)


def test_postgres_urls_use_psycopg3() -> None:
    assert normalize_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_require_names_the_missing_token_and_points_at_readme(tmp_path: Path) -> None:
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-1"}, env_file=tmp_path / "none")
    settings.require("SLACK_BOT_TOKEN")
    with pytest.raises(ConfigError, match=r"SLACK_APP_TOKEN is not set.*README"):
        settings.require("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")


def test_digest_channel_accepts_an_id_with_or_without_hash(tmp_path: Path) -> None:
    assert load_settings({"COACH_DIGEST_CHANNEL": "#C0123ABCD"}, env_file=tmp_path / "n").digest_channel == "C0123ABCD"


def test_the_installer_is_a_user_id(tmp_path: Path) -> None:
    assert load_settings({"COACH_INSTALLER": "U0123ABCD"}, env_file=tmp_path / "n").installer == "U0123ABCD"
    assert load_settings({}, env_file=tmp_path / "n").installer is None


DISTRIBUTED = {
    "SLACK_CLIENT_ID": "1234567890.987654321",
    "SLACK_CLIENT_SECRET": "shh",
    "SLACK_SIGNING_SECRET": "signed",
    "COACH_ENCRYPTION_KEY": "q" * 43 + "=",
}


def test_a_client_id_without_a_bot_token_is_distributed_mode(tmp_path: Path) -> None:
    settings = load_settings(DISTRIBUTED, env_file=tmp_path / "none")
    assert settings.distributed
    assert (settings.client_id, settings.client_secret, settings.encryption_keys) == (
        "1234567890.987654321",
        "shh",
        ("q" * 43 + "=",),
    )
    settings.require_workspace_access("SLACK_SIGNING_SECRET")
    single = load_settings({"SLACK_BOT_TOKEN": "xoxb-1"}, env_file=tmp_path / "none")
    assert not single.distributed


@pytest.mark.parametrize("missing", ["SLACK_CLIENT_SECRET", "COACH_ENCRYPTION_KEY", "SLACK_SIGNING_SECRET"])
def test_distributed_mode_names_the_missing_setting_in_one_line(tmp_path: Path, missing: str) -> None:
    environ = {name: value for name, value in DISTRIBUTED.items() if name != missing}
    settings = load_settings(environ, env_file=tmp_path / "none")
    with pytest.raises(ConfigError) as raised:
        settings.require_workspace_access("SLACK_SIGNING_SECRET")
    assert str(raised.value).startswith(f"{missing} is not set")
    assert "\n" not in str(raised.value)
    assert "README.md" in str(raised.value)


@pytest.mark.parametrize(
    ("environ", "name"),
    [
        ({**DISTRIBUTED, "SLACK_CLIENT_ID": "my-app"}, "SLACK_CLIENT_ID"),
        ({**DISTRIBUTED, "COACH_ENCRYPTION_KEY": "hunter2"}, "COACH_ENCRYPTION_KEY"),
        ({**DISTRIBUTED, "COACH_ENCRYPTION_KEY": "q" * 43 + "=,short"}, "COACH_ENCRYPTION_KEY"),
        ({**DISTRIBUTED, "SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_CLIENT_ID"),
    ],
)
def test_a_malformed_distributed_setting_stops_start_up_naming_it(
    tmp_path: Path, environ: dict[str, str], name: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(environ, env_file=tmp_path / "none")
    assert name in str(raised.value)
    assert "\n" not in str(raised.value)


def test_single_workspace_mode_still_asks_for_its_bot_token(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^SLACK_BOT_TOKEN is not set"):
        load_settings({}, env_file=tmp_path / "none").require_workspace_access()
