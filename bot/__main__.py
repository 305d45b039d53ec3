"""The `coach` command line: the one place that builds engines, clients, the app and the scheduler."""

from __future__ import annotations

import argparse
import logging
import secrets
import signal
import sys
import tempfile
import urllib.error
import webbrowser
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from cryptography.fernet import Fernet
from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot import container, jobs
from bot.coaching.classify import RulesError
from bot.coaching.filing import Filing, load_filing
from bot.coaching.learned import FilingModelError
from bot.coaching.prompts import PromptLibrary, PromptLibraryError, load_library
from bot.config import (
    DISTRIBUTED_HINT,
    README_HINT,
    ConfigError,
    Settings,
    data_dir,
    load_settings,
    normalize_database_url,
)
from bot.delivery.gateway import make_client
from bot.local import people
from bot.scheduler import make_scheduler
from bot.services import export, summaries, workspaces
from bot.services.errors import UserFacingError
from bot.slack.app import create_app, create_distributed_app
from bot.slack.blocks.scorecard import as_terminal, digest_message, scorecard_message
from bot.slack.deps import AppDeps
from bot.slack.install import Installs, make_installs
from bot.slack.text import make_environment
from bot.store import migrate
from bot.store.db import database_answers, make_engine, make_session_factory
from bot.store.installations import EncryptedInstallationStore, UnreadableToken

logger = logging.getLogger("bot")

PROMPTS_DIR = data_dir("prompts")  # prompts/ of the checkout, or bot/data/prompts in the wheel
RULES_PATH = PROMPTS_DIR / "rules" / "categories.toml"
MODEL_PATH = PROMPTS_DIR / "rules" / "filing_model.json"  # trained from the rules and the labelled sets
TRY_HOST = "127.0.0.1"  # the local workspace is for the person at this machine only
TRY_PORT = 8765
TRY_TOKEN = "xoxb-local-try"


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, run the chosen command, and turn setup problems into one line."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        logging.getLogger("alembic").setLevel(logging.WARNING)  # its per-start context lines are noise
        handler: Callable[[Settings, argparse.Namespace], int] = args.handler
        return handler(settings, args)
    except ConfigError as error:
        sys.stderr.write(f"coach: {error}\n")
        return 2
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        sys.stderr.write(f"coach: cannot use the database in DATABASE_URL: {reason}\n")
        return 2
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="coach", description="Lead Coach: a Slack coach for technical leads.")
    sub = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    trial = sub.add_parser("try", help="a local Slack-like workspace in the browser: no Slack needed")
    trial.add_argument("--port", type=int, default=TRY_PORT, help=f"the page's port (default {TRY_PORT}; 0: any free)")
    trial.add_argument("--no-browser", action="store_true", help="print the page's address, open no browser")
    trial.add_argument("--empty", action="store_true", help="start with no history: a lead who never used the coach")
    trial.add_argument("--database-url", help="keep the data there (default: a SQLite file deleted at the end)")
    trial.add_argument("--start", type=parse_instant, default=None, help="ISO-8601 instant the clock starts at")
    trial.set_defaults(handler=cmd_try)

    sub.add_parser("run", help="Socket Mode and the scheduler in one process").set_defaults(handler=cmd_run)

    serve = sub.add_parser("serve", help="HTTP mode: POST /slack/events, GET /healthz")
    serve.add_argument("--port", type=int, default=None, help="port to listen on (default: PORT, 3000)")
    serve.add_argument("--host", default=None, help="interface to listen on (default: HOST, 0.0.0.0)")
    serve.add_argument("--no-scheduler", action="store_true", help="serve requests only; run a worker too")
    serve.set_defaults(handler=cmd_serve)

    sub.add_parser("worker", help="the scheduler only").set_defaults(handler=cmd_worker)

    tick = sub.add_parser("tick", help="one pass of everything due at an instant, then exit")
    tick.add_argument("--now", type=parse_instant, default=None, help="ISO-8601 instant with offset")
    tick.set_defaults(handler=cmd_tick)

    summary = sub.add_parser("summary", help="render a lead's weekly scorecard or the team digest")
    summary.add_argument("--team", required=True, help="Slack team id, e.g. T0123")
    who = summary.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", help="the lead's Slack user id, e.g. U0123")
    who.add_argument("--digest", action="store_true", help="the team digest instead of a scorecard")
    summary.add_argument("--week", help="ISO week, e.g. 2026-W47 (default: this week)")
    summary.add_argument("--print", action="store_true", required=True, help="print it to the terminal")
    summary.set_defaults(handler=cmd_summary)

    export_parser = sub.add_parser("export", help="everything stored about a lead, as a brag document or JSON")
    export_parser.add_argument("--team", required=True, help="Slack team id, e.g. T0123")
    export_parser.add_argument("--user", required=True, help="the lead's Slack user id, e.g. U0123")
    export_parser.add_argument(
        "--format", required=True, choices=("md", "json"), help="md: brag document; json: every row"
    )
    export_parser.add_argument("--output", type=Path, help="write to this file instead of the terminal")
    export_parser.set_defaults(handler=cmd_export)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(title="db commands", required=True, metavar="DB_COMMAND")
    db_sub.add_parser("upgrade", help="apply migrations up to the latest").set_defaults(handler=cmd_db_upgrade)
    db_sub.add_parser(
        "rotate-key", help="encrypt every stored Slack token again with the first key of COACH_ENCRYPTION_KEY"
    ).set_defaults(handler=cmd_db_rotate_key)

    sub.add_parser("keygen", help="print a new key for COACH_ENCRYPTION_KEY").set_defaults(handler=cmd_keygen)
    return parser


def parse_instant(text: str) -> datetime:
    """An ISO-8601 instant with a UTC offset, for `tick --now`."""
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not ISO-8601, e.g. 2026-11-20T16:31:00+01:00") from None
    if instant.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs a UTC offset, e.g. 2026-11-20T16:31:00Z")
    return instant


def cmd_db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    """Apply migrations."""
    migrate.upgrade(settings.database_url)
    sys.stdout.write(f"database at revision {migrate.head_revision()}\n")
    return 0


def cmd_db_rotate_key(settings: Settings, _args: argparse.Namespace) -> int:
    """Re-encrypt every stored token with the first key, so the keys after it can be dropped."""
    settings.require_workspace_access()
    if not settings.distributed:
        raise ConfigError(f"rotate-key is for distributed mode: SLACK_BOT_TOKEN is never stored ({DISTRIBUTED_HINT}).")
    assert settings.client_id is not None
    engine = open_database(settings)
    try:
        rows = EncryptedInstallationStore(settings.client_id, engine, settings.encryption_keys).rotate_key()
    except UnreadableToken as error:
        raise ConfigError(str(error)) from None
    finally:
        engine.dispose()
    sys.stdout.write(f"{rows} stored installation(s) encrypted with the first key of COACH_ENCRYPTION_KEY\n")
    return 0


def cmd_keygen(_settings: Settings, _args: argparse.Namespace) -> int:
    """Print a new Fernet key."""
    sys.stdout.write(Fernet.generate_key().decode() + "\n")
    return 0


def cmd_summary(settings: Settings, args: argparse.Namespace) -> int:
    """Print a scorecard or a digest as it would be sent (without the chart), built from the database."""
    engine = open_database(settings)
    now = datetime.now().astimezone()
    try:
        with make_session_factory(engine).begin() as session:
            if args.digest:
                digest = summaries.preview_digest(session, args.team, args.week, now)
                _, blocks = digest_message(make_environment(), digest, digest.names)
            else:
                summary = summaries.preview_summary(session, args.team, args.user, args.week, now)
                _, blocks = scorecard_message(make_environment(), summary, summary.names, chart_uploaded=False)
    except UserFacingError as error:
        sys.stderr.write(f"coach: {error}\n")
        return 2
    sys.stdout.write(as_terminal(blocks))
    return 0


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    """Print (or write to --output) a lead's whole record, built from the database; no Slack token needed."""
    engine = open_database(settings)
    now = datetime.now(UTC)
    try:
        with make_session_factory(engine).begin() as session:
            record = export.lead_record(session, args.team, args.user)
            document = export.brag_markdown(record, now) if args.format == "md" else export.export_json(record, now)
    except UserFacingError:
        sys.stderr.write(f"coach: no lead {args.user} in workspace {args.team}: nothing to export\n")
        return 2
    finally:
        engine.dispose()  # a one-shot command; also callable in-process (tests), where pooled connections would leak
    if args.output is None:
        sys.stdout.write(document)
        return 0
    try:
        args.output.write_text(document, encoding="utf-8")
    except OSError as error:
        sys.stderr.write(f"coach: cannot write {args.output}: {error.strerror or error}\n")
        return 2
    return 0


def cmd_tick(settings: Settings, args: argparse.Namespace) -> int:
    """One pass of everything due, then exit."""
    settings.require_workspace_access()
    engine = open_database(settings)
    now = args.now or datetime.now().astimezone()
    deps = worker_deps(settings, engine)
    try:
        report = jobs.run_tick(container.tick_of(deps), now)
    finally:
        deps.courier.stop()
    sys.stdout.write(report.summary() + "\n")
    return 0


def cmd_worker(settings: Settings, _args: argparse.Namespace) -> int:
    """The scheduler alone, in the foreground."""
    settings.require_workspace_access()
    deps = worker_deps(settings, open_database(settings))
    scheduler = make_scheduler(ticker(deps), blocking=True)
    logger.info("worker started: ticking every minute")
    deps.courier.start()  # what `coach serve` processes queued and could not send goes from here too
    try:
        scheduler.start()
    finally:
        deps.courier.stop()
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    """HTTP mode, with the scheduler in the same process unless --no-scheduler."""
    from bot.web import ListenError, listen, make_wsgi_app

    app, engine, deps = start_app(settings, "SLACK_SIGNING_SECRET")
    host, port = args.host or settings.host, args.port or settings.port
    try:  # bound before anything starts, so a port in use is one line and nothing is left running
        server = listen(make_wsgi_app(app, lambda: database_answers(engine)), host, port)
    except ListenError as error:
        raise ConfigError(str(error)) from None
    scheduler = None if args.no_scheduler else make_scheduler(ticker(deps), blocking=False)
    if scheduler is not None:
        scheduler.start()
    deps.courier.start()
    logger.info("serving Slack requests on port %d of %s (scheduler %s)", port, host, "on" if scheduler else "off")
    try:
        server.run()
    finally:
        server.close()
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        deps.courier.stop()
    return 0


def cmd_try(settings: Settings, args: argparse.Namespace) -> int:
    """A local Slack-compatible workspace, the real app in HTTP mode against it, and the page that shows it."""
    from bot.local import history
    from bot.local.clock import TryClock, lead_times_of
    from bot.local.page import make_page
    from bot.local.slack_api import SlackAPIServer
    from bot.local.workspace import LocalWorkspace
    from bot.web import ListenError, bound_port, listen, make_wsgi_app

    with (
        tempfile.TemporaryDirectory(prefix="coach-try-") as scratch,
        SlackAPIServer(token=TRY_TOKEN, team_id=people.TEAM_ID) as slack,
    ):
        people.populate(slack)
        local = try_settings(settings, slack.base_url, args.database_url or f"sqlite:///{Path(scratch) / 'coach.db'}")
        engine = open_database(local)
        client, team_id = connect_slack(local, engine)
        clock = TryClock(people.TIMEZONE, args.start)
        deps = container.build(
            local, make_session_factory(engine), client, load_prompts(), load_category_filing(), clock=clock
        )
        if not args.empty:  # the lead, and two other leads so that the team digest has enough people to show
            for variant, user_id in enumerate(people.LEADS):
                profile = deps.gateway.user_profile(user_id)
                history.seed(deps.session_factory, team_id, profile, people.TIMEZONE, clock(), variant=variant * 2)
        app = create_app(deps, client, team_id=team_id)
        workspace = LocalWorkspace(slack, local.signing_secret or "")
        times = lead_times_of(deps.session_factory, team_id, people.LEAD, people.TIMEZONE, clock)
        page = make_page(workspace, clock, times, ticker(deps), make_wsgi_app(app, lambda: database_answers(engine)))
        try:  # bound before anything starts, so a port in use is one line and nothing is left running
            server = listen(page, TRY_HOST, args.port)
        except ListenError as error:
            raise ConfigError(str(error)) from None
        workspace.page_url = f"http://{TRY_HOST}:{bound_port(server)}"
        workspace.app_url = workspace.page_url + "/slack/events"  # the app in HTTP mode, behind the same port
        deps.courier.start()
        stop_on_signals()
        sys.stdout.write(f"Lead Coach is running in a local workspace: {workspace.page_url}/ (Ctrl-C stops it)\n")
        sys.stdout.flush()
        if not args.no_browser:
            webbrowser.open(workspace.page_url + "/")
        try:
            server.run()
        finally:
            server.close()
            deps.courier.stop()
            engine.dispose()
            sys.stdout.write("Lead Coach stopped; the local workspace is gone.\n")
    return 0


def stop_on_signals() -> None:
    """Ctrl-C, or a plain `kill`, stops `coach try` through its clean-up, even when a shell started it in the
    background (where Ctrl-C would otherwise be ignored)."""

    def stop(_signal: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


def try_settings(settings: Settings, api_url: str, database_url: str) -> Settings:
    """The settings `coach try` runs the app with: its own token, secret and workspace, whatever .env says."""
    return replace(
        settings,
        bot_token=TRY_TOKEN,
        signing_secret=secrets.token_hex(16),
        app_token=None,
        slack_api_url=api_url,
        database_url=normalize_database_url(database_url),
        timezone=people.TIMEZONE,
        digest_channel=people.DIGEST_CHANNEL,
        installer=people.LEAD,
        host=TRY_HOST,
    )


def cmd_run(settings: Settings, _args: argparse.Namespace) -> int:
    """Socket Mode and the scheduler in one process."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    if settings.distributed:
        raise ConfigError(
            "`coach run` is Socket Mode, for one workspace: many workspaces install over HTTP, with `coach serve` "
            f"({DISTRIBUTED_HINT})."
        )
    app, _engine, deps = start_app(settings, "SLACK_APP_TOKEN")
    scheduler = make_scheduler(ticker(deps), blocking=False)
    scheduler.start()
    deps.courier.start()
    try:
        SocketModeHandler(app, settings.app_token).start()  # type: ignore[no-untyped-call]
    finally:
        scheduler.shutdown(wait=False)
        deps.courier.stop()
    return 0


def start_app(settings: Settings, *required: str) -> tuple[App, Engine, AppDeps]:
    """Check the settings the mode and the command need, then open the database, connect to Slack (one workspace)
    or to the installations (many) and build the app."""
    settings.require_workspace_access(*required)
    engine = open_database(settings)
    if settings.distributed:
        client = make_client(None, settings.slack_api_url)
        installs = make_installs(settings, engine, make_session_factory(engine), client)
        deps = build_deps(settings, engine, client, installs)
        return create_distributed_app(deps, installs, client), engine, deps
    client, team_id = connect_slack(settings, engine)
    deps = build_deps(settings, engine, client)
    return create_app(deps, client, team_id=team_id), engine, deps


def worker_deps(settings: Settings, engine: Engine) -> AppDeps:
    """The container of a process that only sends: with the one token, or each workspace's."""
    if settings.distributed:
        client = make_client(None, settings.slack_api_url)
        return build_deps(
            settings, engine, client, make_installs(settings, engine, make_session_factory(engine), client)
        )
    client, _team_id = connect_slack(settings, engine)
    return build_deps(settings, engine, client)


def build_deps(settings: Settings, engine: Engine, client: WebClient, installs: Installs | None = None) -> AppDeps:
    """The process's one container; in distributed mode the courier sends with each workspace's token."""
    return container.build(
        settings,
        make_session_factory(engine),
        client,
        load_prompts(),
        load_category_filing(),
        tokens=installs.tokens if installs is not None else None,
    )


def open_database(settings: Settings) -> Engine:
    """An engine on a current schema: SQLite is migrated in place, PostgreSQL must be migrated first."""
    engine = make_engine(settings.database_url)
    if engine.dialect.name == "sqlite":
        migrate.upgrade(settings.database_url)
    elif not migrate.is_current(engine):
        raise ConfigError("the database schema is out of date: run `coach db upgrade` first.")
    return engine


def connect_slack(settings: Settings, engine: Engine) -> tuple[WebClient, str]:
    """A client whose token Slack accepts, and the workspace it belongs to (recorded as installed)."""
    client = make_client(settings.bot_token, settings.slack_api_url)
    try:
        auth = client.auth_test()
    except SlackApiError as error:
        code = error.response.get("error", "error")
        raise ConfigError(f"Slack rejected SLACK_BOT_TOKEN ({code}): check it ({README_HINT}).") from None
    except (urllib.error.URLError, OSError):
        raise ConfigError(f"cannot reach Slack at {settings.slack_api_url}: check SLACK_API_URL.") from None
    with make_session_factory(engine).begin() as session:
        install = workspaces.Install(
            team_id=str(auth["team_id"]),
            name=auth.get("team"),
            timezone=settings.timezone,
            digest_channel=settings.digest_channel,
            installer=settings.installer,
        )
        workspaces.installed(session, install, datetime.now().astimezone())
    return client, install.team_id


def load_prompts() -> PromptLibrary:
    """The prompt library in prompts/; a malformed file stops start-up naming the file and the prompt."""
    try:
        return load_library(PROMPTS_DIR)
    except PromptLibraryError as error:
        raise ConfigError(f"the prompt library in {PROMPTS_DIR} has problems:\n{error}") from None


def load_category_filing() -> Filing:
    """The category rules and the filing model in prompts/rules/; a malformed file stops start-up naming it."""
    try:
        return load_filing(RULES_PATH, MODEL_PATH)
    except (RulesError, FilingModelError) as error:
        raise ConfigError(str(error)) from None


def ticker(deps: AppDeps) -> Callable[[datetime], jobs.TickReport]:
    """The scheduler's job: one tick at the given instant."""
    tick = container.tick_of(deps)
    return lambda now: jobs.run_tick(tick, now)


if __name__ == "__main__":
    sys.exit(main())
