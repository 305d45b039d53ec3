"""The `coach` command line, run as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from bot.store.db import make_engine
from tests.conftest import POSTGRES_URL, postgres_schema_url
from tests.slack_api import SlackAPIServer
from tests.support import BOT_TOKEN

SLACK_VARS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL", "DATABASE_URL")


def coach(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot …` in a clean environment."""
    base = {k: v for k, v in os.environ.items() if k not in SLACK_VARS and not k.startswith("COACH_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_help_lists_every_subcommand(tmp_path: Path) -> None:
    result = coach("--help", cwd=tmp_path)
    assert result.returncode == 0
    for name in ("run", "serve", "worker", "tick", "db"):
        assert name in result.stdout
    assert "upgrade" in coach("db", "--help", cwd=tmp_path).stdout


def test_coach_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "coach"
    assert script.exists()


def test_run_without_tokens_names_the_missing_token_in_one_line(tmp_path: Path) -> None:
    result = coach("run", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "SLACK_BOT_TOKEN is not set" in result.stderr
    assert "README" in result.stderr
    result = coach("run", cwd=tmp_path, env={"SLACK_BOT_TOKEN": "xoxb-1"})
    assert "SLACK_APP_TOKEN is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_malformed_setting_stops_start_up_in_one_line(tmp_path: Path) -> None:
    result = coach("tick", cwd=tmp_path, env={"PORT": "lots"})
    assert result.returncode == 2
    assert result.stderr.strip() == "coach: PORT must be a whole number, got 'lots'."


def test_db_upgrade_on_sqlite(tmp_path: Path) -> None:
    result = coach("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "database at revision" in result.stdout
    engine = make_engine(f"sqlite:///{tmp_path / 'coach.db'}")
    assert "leads" in inspect(engine).get_table_names()
    engine.dispose()


@pytest.mark.skipif(not POSTGRES_URL, reason="TEST_DATABASE_URL is not set")
def test_db_upgrade_on_postgres_and_refusal_to_start_on_an_old_schema(tmp_path: Path) -> None:
    schema = f"lc_cli_{uuid.uuid4().hex[:10]}"
    admin = make_engine(postgres_schema_url("public"))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        env = {"DATABASE_URL": postgres_schema_url(schema), "SLACK_BOT_TOKEN": BOT_TOKEN}
        refused = coach("tick", cwd=tmp_path, env=env)
        assert refused.returncode == 2
        assert "run `coach db upgrade`" in refused.stderr
        assert coach("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
        engine = make_engine(postgres_schema_url(schema))
        assert "deliveries" in inspect(engine).get_table_names()
        engine.dispose()
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    env = {"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "SLACK_BOT_TOKEN": BOT_TOKEN}
    result = coach("tick", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert result.stderr.startswith("coach: cannot use the database in DATABASE_URL")
    assert result.stderr.strip().count("\n") == 0


def test_rejected_token_is_one_line(tmp_path: Path, slack: SlackAPIServer) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-wrong", "SLACK_API_URL": slack.base_url}
    result = coach("tick", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert "Slack rejected SLACK_BOT_TOKEN (invalid_auth)" in result.stderr


def test_tick_runs_one_pass_and_prints_a_summary(tmp_path: Path, slack: SlackAPIServer) -> None:
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": slack.base_url}
    result = coach("tick", "--now", "2026-11-23T16:31:00+01:00", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("tick:")
    assert result.stdout.count("\n") == 1


def test_tick_rejects_a_naive_instant(tmp_path: Path) -> None:
    result = coach("tick", "--now", "2026-11-23T16:31:00", cwd=tmp_path, env={"SLACK_BOT_TOKEN": BOT_TOKEN})
    assert result.returncode == 2
    assert "needs a UTC offset" in result.stderr
