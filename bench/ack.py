"""Ack benchmark: `coach serve` against a bare Bolt app, 50 concurrent clients sending signed requests.

    python bench/ack.py [--database-url URL] [--clients 50] [--seconds 60]

Starts the Slack-compatible test server, then `coach serve` (a SQLite file in a temporary directory by default,
or a fresh schema in the PostgreSQL given) and, after it, a bare Bolt app that acks a no-op /impact and message
event under the same WSGI server and thread count. Each is driven for `--seconds` by `--clients` clients (in
several processes, so the driver is not the bottleneck), each sending, back to back on a kept-alive connection,
signed `/impact <text>` commands and message.im events in turn. Prints p50/p95/p99 ack latency and requests per
second for both, the ratio ours / bare, and checks every acknowledged request was stored exactly once.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import multiprocessing.connection
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import normalize_database_url  # noqa: E402
from bot.store import migrate  # noqa: E402
from bot.store.db import make_engine, make_session_factory  # noqa: E402
from bot.store.models import ImpactEntry, Lead, Reply  # noqa: E402
from tests.slack_api import SlackAPIServer  # noqa: E402
from tests.support import BOT_TOKEN, SIGNING_SECRET, TEAM_ID, signed_headers  # noqa: E402

DRIVER_PROCESSES = 5
SERVER_THREADS = 16  # what `coach serve` gives waitress
P99_TARGET_MS = 250.0
RATIO_TARGET = 2.0


@dataclass(frozen=True)
class Sample:
    """One request as a client saw it."""

    kind: str  # "command" | "event"
    status: int
    seconds: float


def user_of(client: int) -> str:
    """The lead each client speaks for."""
    return f"U0BENCH{client:03d}"


def command_body(client: int, serial: int, command: str, words: str, response_url: str) -> str:
    """A slash command, form-encoded as Slack sends it."""
    return urllib.parse.urlencode(
        {
            "token": "legacy",
            "team_id": TEAM_ID,
            "team_domain": "bench",
            "channel_id": "C0BENCH",
            "channel_name": "bench",
            "user_id": user_of(client),
            "user_name": user_of(client).lower(),
            "command": command,
            "text": words,
            "api_app_id": "A0BENCH",
            "response_url": response_url,
            "trigger_id": f"trigger-{client}-{serial}",
        }
    )


def event_body(client: int, serial: int) -> str:
    """A message.im event_callback with its own event id and ts."""
    ts = f"{1_800_000_000 + client}.{serial:06d}"
    return json.dumps(
        {
            "token": "legacy",
            "team_id": TEAM_ID,
            "api_app_id": "A0BENCH",
            "type": "event_callback",
            "event_id": f"Ev{client:03d}{serial:08d}",
            "event_time": int(time.time()),
            "event": {
                "type": "message",
                "channel_type": "im",
                "channel": f"D0BENCH{client:03d}",
                "user": user_of(client),
                "text": f"bench event {client}-{serial}: talked Ana through the rollback plan",
                "ts": ts,
            },
            "authorizations": [{"team_id": TEAM_ID, "user_id": "U0000BOT", "is_bot": True}],
        }
    )


def post(connection: http.client.HTTPConnection, body: str, content_type: str) -> int:
    """One signed POST to /slack/events; returns the status."""
    headers = {"Content-Type": content_type, **signed_headers(body)}
    connection.request("POST", "/slack/events", body=body.encode(), headers=headers)
    response = connection.getresponse()
    response.read()
    return response.status


def drive(
    port: int, clients: range, seconds: float, response_url: str, out: multiprocessing.connection.Connection
) -> None:
    """Run some of the clients (one thread each) until the deadline; send back every sample."""
    samples: list[Sample] = []
    lock = threading.Lock()
    start = time.monotonic() + 0.5
    deadline = start + seconds

    def client_loop(client: int) -> None:
        mine: list[Sample] = []
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        serial = 0
        while time.monotonic() < start:
            time.sleep(0.01)
        while time.monotonic() < deadline:
            serial += 1
            if serial % 2:
                words = f"bench impact {client}-{serial}: paired with Sam on the incident review"
                body, kind = command_body(client, serial, "/impact", words, response_url), "command"
                content_type = "application/x-www-form-urlencoded"
            else:
                body, kind, content_type = event_body(client, serial), "event", "application/json"
            began = time.perf_counter()
            try:
                status = post(connection, body, content_type)
            except (OSError, http.client.HTTPException):
                status = 0
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append(Sample(kind, status, time.perf_counter() - began))
        connection.close()
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=client_loop, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.send(samples)


def load(port: int, clients: int, seconds: float, response_url: str) -> list[Sample]:
    """All clients, spread over DRIVER_PROCESSES processes."""
    context = multiprocessing.get_context("spawn")
    pipes, processes = [], []
    for part in range(DRIVER_PROCESSES):
        mine = range(part, clients, DRIVER_PROCESSES)
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=drive, args=(port, mine, seconds, response_url, sender))
        process.start()
        pipes.append(receiver)
        processes.append(process)
    samples = [sample for receiver in pipes for sample in receiver.recv()]
    for process in processes:
        process.join()
    return samples


def free_port() -> int:
    """A port nobody is listening on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(port: int, process: subprocess.Popen[bytes], path: str = "/healthz") -> None:
    """Until the server answers (or its process dies)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode} before answering")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", path)
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not answer within 30 s")


@contextmanager
def running(command: list[str], env: dict[str, str], port: int, cwd: str) -> Iterator[None]:
    """A server process for the duration of the block."""
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(port, process)
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


def serve_bare(port: int) -> None:
    """The baseline: Bolt acking a no-op /impact and message event, under waitress with our thread count."""
    import waitress
    from slack_bolt import Ack, App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient

    # Bolt checks the token with auth.test once; the client points at the test server, never at Slack.
    client = WebClient(token=BOT_TOKEN, base_url=os.environ["SLACK_API_URL"])
    app = App(client=client, signing_secret=SIGNING_SECRET, process_before_response=True)

    def no_op(ack: Ack) -> None:
        ack()

    app.command("/impact")(no_op)
    app.event("message")(no_op)
    waitress.serve(SlackRequestHandler(app), host="127.0.0.1", port=port, threads=SERVER_THREADS)


def run_slack(conn: multiprocessing.connection.Connection) -> None:
    """The Slack-compatible server in its own process, until told to stop."""
    with SlackAPIServer(token=BOT_TOKEN, team_id=TEAM_ID) as server:
        conn.send(server.base_url)
        conn.recv()


@contextmanager
def database(url: str | None, scratch: str) -> Iterator[str]:
    """A migrated, empty database: a SQLite file in `scratch`, or a fresh schema in the PostgreSQL given."""
    if url is None:
        sqlite = f"sqlite:///{scratch}/ack.db"
        migrate.upgrade(sqlite)
        yield sqlite
        return
    base = normalize_database_url(url)
    schema = f"lc_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    try:
        migrate.upgrade(scoped)
        yield scoped
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def enrolled(database_url: str) -> int:
    """Leads enrolled so far."""
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        count = session.scalar(select(func.count()).select_from(Lead).where(Lead.enrolled)) or 0
    engine.dispose()
    return count


def enroll(port: int, clients: int, response_url: str, database_url: str) -> None:
    """Every client's lead runs /coach start first, as a real lead would, and is enrolled before the load."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for client in range(clients):
        status = post(
            connection,
            command_body(client, 0, "/coach", "start", response_url),
            "application/x-www-form-urlencoded",
        )
        if status != 200:
            raise SystemExit(f"/coach start answered {status}")
    connection.close()
    deadline = time.monotonic() + 30
    while enrolled(database_url) < clients:  # enrolment finishes after the ack
        if time.monotonic() > deadline:
            raise SystemExit("the leads were not all enrolled within 30 s")
        time.sleep(0.1)


@dataclass(frozen=True)
class Figures:
    """One app's run, summarised."""

    p50: float
    p95: float
    p99: float
    slowest: float
    per_second: float
    errors: int
    acked: dict[str, int]


def summarise(samples: list[Sample], seconds: float) -> Figures:
    """Latency percentiles in milliseconds over every request; throughput over the run."""
    latencies = sorted(sample.seconds * 1000 for sample in samples)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    acked = {kind: sum(s.status == 200 and s.kind == kind for s in samples) for kind in ("command", "event")}
    return Figures(
        p50=cuts[49],
        p95=cuts[94],
        p99=cuts[98],
        slowest=latencies[-1],
        per_second=len(samples) / seconds,
        errors=sum(s.status != 200 for s in samples),
        acked=acked,
    )


def stored(database_url: str) -> tuple[int, int, int, int]:
    """Rows the run left: /impact entries, DM replies, and how many distinct texts each has."""
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        commands = select(ImpactEntry.text).where(ImpactEntry.source == "command", ImpactEntry.text.like("bench %"))
        replies = select(Reply.text).where(Reply.text.like("bench %"))
        counted = (
            session.scalar(select(func.count()).select_from(commands.subquery())) or 0,
            session.scalar(select(func.count()).select_from(replies.subquery())) or 0,
            session.scalar(select(func.count(func.distinct(commands.subquery().c.text)))) or 0,
            session.scalar(select(func.count(func.distinct(replies.subquery().c.text)))) or 0,
        )
    engine.dispose()
    return counted


def line(name: str, figures: Figures) -> str:
    """One row of the results table."""
    return (
        f"  {name:<6} p50 {figures.p50:7.1f} ms   p95 {figures.p95:7.1f} ms   p99 {figures.p99:7.1f} ms   "
        f"max {figures.slowest:7.1f} ms   {figures.per_second:7.0f} req/s   non-200 {figures.errors}"
    )


def main() -> None:
    """Drive our app, then the bare one; print the comparison and the exactly-once check."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL to measure on; default: a SQLite file")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--serve-bare", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return

    parent, child = multiprocessing.Pipe()
    slack = multiprocessing.get_context("spawn").Process(target=run_slack, args=(child,), daemon=True)
    slack.start()
    api_url: str = parent.recv()
    response_url = api_url.removesuffix("/api/") + "/respond/bench"

    with tempfile.TemporaryDirectory() as scratch, database(args.database_url, scratch) as database_url:
        print(f"database: {database_url.split('@')[-1].split('?')[0]}; {args.clients} clients for {args.seconds:g} s")
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "COACH_", "DATABASE_"))},
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api_url,
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        ours_port = free_port()
        ours_command = [sys.executable, "-m", "bot", "serve", "--port", str(ours_port), "--no-scheduler"]
        with running(ours_command, env, ours_port, scratch):
            enroll(ours_port, args.clients, response_url, database_url)
            ours = summarise(load(ours_port, args.clients, args.seconds, response_url), args.seconds)
        commands, replies, distinct_commands, distinct_replies = stored(database_url)

    bare_port = free_port()
    bare_command = [sys.executable, str(Path(__file__).resolve()), "--serve-bare", str(bare_port)]
    with tempfile.TemporaryDirectory() as scratch, running(bare_command, env, bare_port, scratch):
        bare = summarise(load(bare_port, args.clients, args.seconds, response_url), args.seconds)
    parent.send("stop")
    slack.join(timeout=10)

    print(line("ours", ours))
    print(line("bare", bare))
    ratio = ours.p99 / bare.p99
    print(f"  p99 ours / bare {ratio:.2f} (target <= {RATIO_TARGET:g}); ours p99 target < {P99_TARGET_MS:g} ms")
    once = (commands, replies) == (ours.acked["command"], ours.acked["event"]) and (commands, replies) == (
        distinct_commands,
        distinct_replies,
    )
    print(
        f"  stored: {commands} /impact entries for {ours.acked['command']} acked, "
        f"{replies} DM replies for {ours.acked['event']} acked: {'exactly once' if once else 'MISMATCH'}"
    )
    met = ours.p99 < P99_TARGET_MS and ratio <= RATIO_TARGET and once
    print("targets met" if met else "TARGETS MISSED")


if __name__ == "__main__":
    main()
