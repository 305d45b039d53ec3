"""The installable package: data found through the installed `bot` package, what the build ships, `.env` read by
python-dotenv, and where `coach serve` listens (HOST, a port in use), run as a real process."""

from __future__ import annotations

import logging
import os
import re
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path

import pytest

import bot.config
from bot.__main__ import PROMPTS_DIR, RULES_PATH
from bot.coaching.classify import load_rules
from bot.coaching.prompts import load_library
from bot.config import ConfigError, data_dir, load_settings, read_env_file
from bot.delivery.gateway import make_client
from bot.slack.app import create_app
from bot.slack.deps import AppDeps
from bot.slack.install import BOT_SCOPES
from bot.slack.text import TEMPLATES_DIR
from bot.store import migrate
from tests.slack_api import SlackAPIServer
from tests.support import BOT_TOKEN, SIGNING_SECRET, TEAM_ID

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]
BOLT_WARNINGS = ("will be unused", "will be ignored")


# ------------------------------------------------------------------------------------------ data in the package


def test_the_data_directories_are_found_through_the_installed_bot_package() -> None:
    bot_package = files("bot")
    assert isinstance(bot_package, Path)
    for found, name in ((PROMPTS_DIR, "prompts"), (migrate.MIGRATIONS_DIR, "migrations")):
        # In a wheel, bot/data/NAME; in this editable install, the checkout's own NAME/ beside bot/.
        assert found in (bot_package / "data" / name, bot_package.parent / name)
        assert found.is_dir()
    assert RULES_PATH == PROMPTS_DIR / "rules" / "categories.toml"
    assert bot_package / "slack" / "templates" == TEMPLATES_DIR
    assert len(load_library(PROMPTS_DIR)) > 0
    assert load_rules(RULES_PATH)
    assert (migrate.MIGRATIONS_DIR / "env.py").is_file()
    assert migrate.head_revision() is not None


def fake_bot_package(root: Path, *, checkout: bool, packaged: bool) -> Path:
    """A `bot` package directory under `root`, laid out as in a wheel (data inside) or a checkout (data beside)."""
    package = root / "bot"
    package.mkdir(parents=True)
    for name in ("prompts", "migrations"):
        if packaged:
            (package / "data" / name).mkdir(parents=True)
        (root / name).mkdir()  # a checkout's directories, or another distribution's generic top-level ones
    if checkout:
        (root / "pyproject.toml").write_text("[project]\n")
    return package


def test_a_wheel_reads_its_own_data_and_never_a_generic_top_level_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site-packages"
    package = fake_bot_package(site, checkout=False, packaged=True)
    monkeypatch.setattr(bot.config, "files", lambda name: package)
    assert data_dir("prompts") == package / "data" / "prompts"
    assert data_dir("migrations") == package / "data" / "migrations"


def test_a_wheel_missing_its_data_says_so_rather_than_read_a_neighbour(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = fake_bot_package(tmp_path / "site-packages", checkout=False, packaged=False)
    monkeypatch.setattr(bot.config, "files", lambda name: package)
    assert data_dir("prompts") == package / "data" / "prompts"  # missing: load_library then names it
    assert not data_dir("prompts").exists()


def test_a_checkout_reads_the_top_level_directories(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = fake_bot_package(tmp_path / "repo", checkout=True, packaged=False)
    monkeypatch.setattr(bot.config, "files", lambda name: package)
    assert data_dir("prompts") == tmp_path / "repo" / "prompts"
    assert data_dir("migrations") == tmp_path / "repo" / "migrations"


def test_every_package_under_bot_is_built() -> None:
    on_disk = {
        ".".join(path.parent.relative_to(REPO).parts)
        for path in (REPO / "bot").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    missing = on_disk - set(SETUPTOOLS["packages"])
    assert not missing, f"add {sorted(missing)} to [tool.setuptools] packages in pyproject.toml"


def test_every_data_file_under_bot_is_built() -> None:
    patterns = SETUPTOOLS["package-data"]["bot"]
    shipped = {path for pattern in patterns for path in (REPO / "bot").glob(pattern)}
    data = {
        path
        for path in (REPO / "bot").rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts
    }
    missing = sorted(str(path.relative_to(REPO)) for path in data - shipped)
    assert not missing, f"add a pattern for {missing} to [tool.setuptools.package-data] bot in pyproject.toml"


def test_prompts_and_migrations_are_mapped_under_bot_and_nothing_else_is_top_level() -> None:
    assert SETUPTOOLS["package-dir"] == {"bot.data.prompts": "prompts", "bot.data.migrations": "migrations"}
    assert {name.split(".")[0] for name in SETUPTOOLS["packages"]} == {"bot"}
    data = SETUPTOOLS["package-data"]
    for directory in ("prompts", "prompts/rules", "migrations", "migrations/versions"):
        package = "bot.data." + directory.replace("/", ".")  # setuptools maps a subpackage through its parent
        assert package in SETUPTOOLS["packages"]
        patterns = data.get(package, [])
        assert all(any((REPO / directory).glob(pattern)) for pattern in patterns), package
        extras = {path.name for path in (REPO / directory).iterdir() if path.is_file() and path.suffix != ".py"}
        shipped = {path.name for pattern in patterns for path in (REPO / directory).glob(pattern)}
        assert extras <= shipped, f"{directory}: {sorted(extras - shipped)} would not be in the wheel"


# ------------------------------------------------------------------------------------------ .env


def test_env_file_comments_quotes_and_escapes_are_read_by_python_dotenv(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "# a whole-line comment\n"
        "export SLACK_BOT_TOKEN='xoxb-from-file'\n"
        "PORT=4000  # a comment after an unquoted value\n"
        'COACH_TIMEZONE="Europe/Berlin"   # and after a quoted one\n'
        'SLACK_SIGNING_SECRET="a#b \\"c\\" \\\\d"\n'
        "LITERAL='no\\nescapes in single quotes'\n"
        'MULTI="line one\\nline two"\n'
        'SPREAD="over\nlines"\n'
        "HASH=abc#def\n"
        "EMPTY=\n"
        "SPACED = padded value  \n"
        "REFERENCE=${HOME}/x\n"
        "\n",
        encoding="utf-8",
    )
    values = read_env_file(env)
    assert values["SLACK_BOT_TOKEN"] == "xoxb-from-file"
    assert values["PORT"] == "4000"
    assert values["COACH_TIMEZONE"] == "Europe/Berlin"
    assert values["SLACK_SIGNING_SECRET"] == 'a#b "c" \\d'
    assert values["LITERAL"] == "no\\nescapes in single quotes"
    assert values["MULTI"] == "line one\nline two"
    assert values["SPREAD"] == "over\nlines"
    assert values["HASH"] == "abc#def"
    assert values["EMPTY"] == ""
    assert values["SPACED"] == "padded value"
    assert values["REFERENCE"] == "${HOME}/x"  # a value is what is written
    settings = load_settings({"PORT": "5000"}, env_file=env)
    assert (settings.bot_token, settings.signing_secret) == ("xoxb-from-file", 'a#b "c" \\d')
    assert (settings.port, settings.timezone) == (5000, "Europe/Berlin")  # the environment wins
    assert "SPACED" not in os.environ  # read, never exported


@pytest.mark.parametrize(
    ("text", "line", "shown"),
    [
        ("GOOD=1\nthis is not a setting\n", 2, "this is not a setting"),
        ("# c\n\nBARE_NAME\n", 3, "BARE_NAME"),
        ('A=1\nB="never closed\n', 2, 'B="never closed'),
    ],
)
def test_a_malformed_env_line_is_one_line_naming_file_and_line(
    tmp_path: Path, text: str, line: int, shown: str
) -> None:
    env = tmp_path / ".env"
    env.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        read_env_file(env)
    message = str(raised.value)
    assert message.startswith(f"{env}:{line}: expected KEY=VALUE")
    assert shown in message
    assert "\n" not in message


def test_coach_reads_dot_env_from_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text('PORT="lots"  # not a number\n', encoding="utf-8")
    result = coach("tick", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "coach: PORT must be a whole number, got 'lots'."
    overridden = coach("tick", cwd=tmp_path, env={"PORT": "3001"})  # the environment wins over the file
    assert overridden.returncode == 2
    assert "SLACK_BOT_TOKEN is not set" in overridden.stderr


def test_the_example_env_file_reads_cleanly() -> None:
    settings = load_settings({}, env_file=REPO / ".env.example")
    assert (settings.host, settings.port, settings.database_url) == ("0.0.0.0", 3000, "sqlite:///coach.db")


# ------------------------------------------------------------------------------------------ HOST


def test_host_defaults_to_every_interface_and_is_read_from_the_environment(tmp_path: Path) -> None:
    none = tmp_path / "none.env"
    assert load_settings({}, env_file=none).host == "0.0.0.0"
    assert load_settings({"HOST": "127.0.0.1"}, env_file=none).host == "127.0.0.1"
    assert load_settings({"HOST": "::1"}, env_file=none).host == "::1"
    with pytest.raises(ConfigError, match="HOST must be"):
        load_settings({"HOST": "http://example"}, env_file=none)


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def healthz(host: str, port: int) -> int:
    with urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=5) as response:
        return int(response.status)


def clean_environment() -> dict[str, str]:
    """This process's environment without any of coach's settings."""
    ours = ("SLACK_", "COACH_", "DATABASE_")
    return {k: v for k, v in os.environ.items() if not k.startswith(ours) and k not in ("HOST", "PORT")}


def serve_env(slack: SlackAPIServer, **extra: str) -> dict[str, str]:
    """`coach serve`'s environment: the bot token in the real environment (as on a platform), no stray settings."""
    return {
        **clean_environment(),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.base_url,
        **extra,
    }


def coach(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot …` to the end, with no Slack, database, HOST or PORT settings but those given."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**clean_environment(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@contextmanager
def serving(args: list[str], cwd: Path, env: dict[str, str], host: str, port: int) -> Iterator[list[str]]:
    """`coach serve …` running until healthy at host:port; yields a list that holds its stderr lines at the end."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--no-scheduler", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if healthz(host, port) == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "coach serve did not become healthy"
            time.sleep(0.1)
        yield lines
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
        lines.extend(err.splitlines())


def refused(host: str, port: int) -> bool:
    try:
        healthz(host, port)
    except urllib.error.URLError as error:
        return isinstance(error.reason, ConnectionRefusedError)
    except ConnectionRefusedError:
        return True
    return False


def test_serve_listens_on_the_host_setting_only(tmp_path: Path, slack: SlackAPIServer) -> None:
    port = free_port("127.0.0.2")
    env = serve_env(slack, HOST="127.0.0.2", PORT=str(port))
    with serving([], tmp_path, env, "127.0.0.2", port) as stderr:
        assert refused("127.0.0.1", port)
    assert any(f"listening on http://127.0.0.2:{port}" in line for line in stderr)
    assert not [line for line in stderr if any(warning in line for warning in BOLT_WARNINGS)], stderr


def test_host_flag_wins_over_the_setting(tmp_path: Path, slack: SlackAPIServer) -> None:
    port = free_port("127.0.0.1")
    env = serve_env(slack, HOST="127.0.0.2")
    with serving(["--host", "127.0.0.1", "--port", str(port)], tmp_path, env, "127.0.0.1", port):
        assert refused("127.0.0.2", port)


def test_a_port_in_use_is_one_line_and_a_non_zero_exit(tmp_path: Path, slack: SlackAPIServer) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        result = coach("serve", "--port", str(port), cwd=tmp_path, env=serve_env(slack, HOST="127.0.0.1"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"coach: port {port} is already in use on 127.0.0.1")
    assert "Traceback" not in result.stderr


def test_an_address_that_is_not_this_machines_is_one_line(tmp_path: Path, slack: SlackAPIServer) -> None:
    result = coach("serve", "--port", str(free_port("127.0.0.1")), cwd=tmp_path, env=serve_env(slack, HOST="192.0.2.1"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("coach: cannot listen on 192.0.2.1 port")


# ------------------------------------------------------------------------------------------ Bolt's start-up warning


def test_the_app_is_built_without_bolts_token_warning(
    deps: AppDeps, slack: SlackAPIServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)  # where a platform puts it, and where Bolt looks for one
    caplog.set_level(logging.DEBUG)
    app = create_app(deps, make_client(BOT_TOKEN, slack.base_url), team_id=TEAM_ID)
    assert not [r.getMessage() for r in caplog.records if any(w in r.getMessage() for w in BOLT_WARNINGS)]
    assert os.environ["SLACK_BOT_TOKEN"] == BOT_TOKEN  # put back
    assert app.client.base_url == slack.base_url  # Bolt uses our client: SLACK_API_URL, no retries
    assert app.client.retry_handlers == []


# ------------------------------------------------------------------------------------------ the README


def manifest_bot_scopes(name: str = "manifest.yml") -> list[str]:
    """The bot scopes in a manifest, in order (read as text: the list under oauth_config.scopes.bot)."""
    text = (REPO / name).read_text(encoding="utf-8")
    block = text.split("\n    bot:\n", 1)[1]
    scopes: list[str] = []
    for line in block.splitlines():
        item = re.match(r"\s+- ([a-z:.]+)", line)
        if item is None:
            break
        scopes.append(item.group(1))
    return scopes


def test_the_install_link_asks_for_the_manifests_bot_scopes() -> None:
    assert list(BOT_SCOPES) == manifest_bot_scopes() == manifest_bot_scopes("manifest.distributed.yml")


def test_the_distributed_manifest_is_http_mode_with_the_oauth_redirect() -> None:
    text = (REPO / "manifest.distributed.yml").read_text(encoding="utf-8")
    assert "socket_mode_enabled: false" in text
    assert "- https://coach.example.com/slack/oauth_redirect" in text
    assert text.count("\n      url: https://coach.example.com/slack/events") == 6  # the slash commands
    assert text.count("request_url: https://coach.example.com/slack/events") == 2  # events and interactivity


def test_the_readme_lists_the_manifests_bot_scopes_each_with_a_reason() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z:.]+)` \| (.+) \|$", readme.split("Bot scopes", 1)[1].split("\n\n", 2)[1], re.M)
    assert [scope for scope, _ in rows] == manifest_bot_scopes()
    assert all(len(reason.split()) >= 3 for _, reason in rows)


def test_the_readme_documents_every_slash_command_in_the_manifest() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"- command: (/[a-z-]+)", (REPO / "manifest.yml").read_text(encoding="utf-8"))
    assert "/reflect" in commands
    for command in commands:
        assert re.search(rf"^\| `{command}[ `]", readme, re.M), f"{command} is not in the README's command table"
