"""The `coach` command line, run as a real process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import inspect, text

from bot.store import migrate
from bot.store.db import make_engine
from bot.store.installations import EncryptedInstallationStore
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
    for name in ("try", "run", "serve", "worker", "tick", "summary", "export", "db"):
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


def seed_a_week(database_url: str) -> None:
    """One workspace, one lead with two entries in 2026-W47 (one shared, one private)."""
    from datetime import UTC, datetime

    from bot.store import migrate
    from bot.store.db import make_session_factory
    from bot.store.models import EntryCategory, ImpactEntry, Lead, Workspace

    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    with make_session_factory(engine).begin() as session:
        session.add(Workspace(team_id="T0CLI", timezone="UTC"))
        session.flush()
        lead = Lead(team_id="T0CLI", user_id="U0CLI", display_name="Ada", enrolled=True)
        session.add(lead)
        session.flush()
        for n, (words, shareable) in enumerate([("unblocked the release 🚀", True), ("private worry", False)]):
            at = datetime(2026, 11, 17 + n, 10, tzinfo=UTC)
            entry = ImpactEntry(lead_id=lead.id, text=words, source="command", shareable=shareable, created_at=at)
            session.add(entry)
            session.flush()
            session.add(EntryCategory(entry_id=entry.id, category="unblocking"))
    engine.dispose()


def test_summary_prints_a_scorecard_and_a_digest_from_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'coach.db'}"
    seed_a_week(url)
    env = {"DATABASE_URL": url}

    card = coach(
        "summary", "--team", "T0CLI", "--user", "U0CLI", "--week", "2026-W47", "--print", cwd=tmp_path, env=env
    )
    assert card.returncode == 0, card.stderr
    assert card.stdout.startswith("Your week, 16–22 Nov 2026")
    assert "*2 leadership moments*" in card.stdout
    assert "Unblocking" in card.stdout
    assert "██" in card.stdout
    assert "> unblocked the release 🚀" in card.stdout

    digest = coach("summary", "--team", "T0CLI", "--digest", "--week", "2026-W47", "--print", cwd=tmp_path, env=env)
    assert digest.returncode == 0, digest.stderr
    assert "Team digest, 16–22 Nov 2026" in digest.stdout
    assert "unblocked the release 🚀" in digest.stdout
    assert "private worry" not in digest.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--team", "T0CLI", "--user", "U0NOBODY"), "no lead U0NOBODY in workspace T0CLI"),
        (("--team", "T0CLI", "--user", "U0CLI", "--week", "2026-W60"), "2026 has no week 60"),
        (("--team", "T0CLI", "--user", "U0CLI", "--week", "last week"), "is not an ISO week"),
        (("--team", "T0NONE", "--digest"), "no workspace T0NONE"),
    ],
)
def test_summary_with_bad_arguments_is_one_line(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    url = f"sqlite:///{tmp_path / 'coach.db'}"
    seed_a_week(url)
    result = coach("summary", *args, "--print", cwd=tmp_path, env={"DATABASE_URL": url})
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def distributed_env(key: str, **extra: str) -> dict[str, str]:
    """Distributed mode's settings."""
    return {
        "SLACK_CLIENT_ID": "1111.2222",
        "SLACK_CLIENT_SECRET": "client-secret",
        "SLACK_SIGNING_SECRET": "signing-secret",
        "COACH_ENCRYPTION_KEY": key,
        **extra,
    }


def test_distributed_mode_names_its_missing_setting_in_one_line(tmp_path: Path) -> None:
    env = distributed_env("")
    result = coach("serve", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert result.stderr.startswith("coach: COACH_ENCRYPTION_KEY is not set")
    assert result.stderr.strip().count("\n") == 0
    result = coach("worker", cwd=tmp_path, env={**env, "COACH_ENCRYPTION_KEY": "not-a-key"})
    assert result.returncode == 2
    assert "COACH_ENCRYPTION_KEY must be Fernet keys" in result.stderr
    result = coach("run", cwd=tmp_path, env=distributed_env(Fernet.generate_key().decode()))
    assert result.returncode == 2
    assert "`coach serve`" in result.stderr
    assert "Traceback" not in result.stderr


def test_keygen_prints_a_key_and_rotate_key_reencrypts_every_token(tmp_path: Path) -> None:
    old = coach("keygen", cwd=tmp_path).stdout.strip()
    new = coach("keygen", cwd=tmp_path).stdout.strip()
    assert old != new
    database = f"sqlite:///{tmp_path / 'coach.db'}"
    migrate.upgrade(database)
    engine = make_engine(database)
    try:
        installation = Installation(app_id="A0", team_id="T0ONE", user_id="U0BOSS", bot_token="xoxb-one", bot_id="B0")
        EncryptedInstallationStore("1111.2222", engine, [old]).save(installation)
        env = distributed_env(f"{new},{old}", DATABASE_URL=database)
        result = coach("db", "rotate-key", cwd=tmp_path, env=env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("2 stored")
        found = EncryptedInstallationStore("1111.2222", engine, [new]).find_bot(enterprise_id=None, team_id="T0ONE")
        assert found is not None
        assert found.bot_token == "xoxb-one"
        result = coach("db", "rotate-key", cwd=tmp_path, env=distributed_env(old, DATABASE_URL=database))
        assert result.returncode == 2
        assert "can't be decrypted" in result.stderr
        assert "Traceback" not in result.stderr
    finally:
        engine.dispose()


def test_distributed_serve_shows_the_install_page_and_tick_runs(tmp_path: Path, slack: SlackAPIServer) -> None:
    env = distributed_env(Fernet.generate_key().decode(), SLACK_API_URL=slack.base_url)
    assert coach("tick", "--now", "2026-11-23T16:31:00+00:00", cwd=tmp_path, env=env).returncode == 0
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", str(port), "--host", "127.0.0.1", "--no-scheduler"],
        cwd=tmp_path,
        env={**{k: v for k, v in os.environ.items() if k not in SLACK_VARS}, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline, page = time.monotonic() + 30, ""
        while time.monotonic() < deadline and not page:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/slack/install", timeout=5) as response:
                    page = response.read().decode()
            except OSError:
                time.sleep(0.2)
        assert "Add to Slack" in page
        assert "client_id=1111.2222" in page
    finally:
        process.terminate()
        process.communicate(timeout=30)
    assert slack.calls() == []  # no workspace installed: nothing to say to Slack


def test_try_on_a_port_in_use_is_one_line_and_leaves_nothing_behind(tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = coach(
            "try", "--no-browser", "--empty", "--port", str(port), cwd=tmp_path, env={"TMPDIR": str(scratch)}
        )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"coach: port {port} is already in use on 127.0.0.1: stop what is using it, or set PORT (or --port) to another."
    )
    assert not list(scratch.iterdir())


def test_try_with_a_database_url_it_cannot_use_is_one_line(tmp_path: Path) -> None:
    result = coach("try", "--no-browser", "--database-url", "mysql://db/coach", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "coach: DATABASE_URL must start with sqlite:/// or postgresql:// (got mysql:...)."
