"""Ack benchmark: `coach serve` against a bare Bolt app, at 4 and at 50 concurrent clients sending signed requests.

    python bench/ack.py [--database-url URL] [--clients 4 50] [--seconds 15] [--leads-per-client 100]
                        [--ack-timeout 120] [--slack-channel-limit]

Starts the Slack-compatible test server, then, for each load in `--clients`: `coach serve --no-scheduler` (a fresh
SQLite file in a temporary directory, or a fresh schema in the PostgreSQL given; its stderr, at LOG_LEVEL=INFO, goes
to a log file) and, after it, a bare Bolt app that acks a no-op /impact and message event under the same WSGI
server and thread count. Each is driven for `--seconds` by the clients (in several processes, so the driver is not
the bottleneck), each sending, back to back on a kept-alive connection, signed `/impact <text>` commands and
message.im events in turn. Each client speaks for its own leads (`--leads-per-client`, each with its own DM
channel, enrolled through the same service `/coach start` uses before the server starts), one after the other.

/impact with text is answered ephemerally in the HTTP response; each DM gets one acknowledgement, queued by the
request and posted afterwards by the server's courier, in the thread of the message, paced at 1 s per channel and
COACH_POST_RATE per workspace. COACH_POST_RATE is set to 100000 so the workspace pace never limits the bench; the
per-channel spacing stays (it is the app's), which is why each client rotates over several leads: one lead (one
DM channel) per client would get hundreds of DMs a second and its acknowledgements, one a second, would take
minutes to post. After the load the bench waits (up to `--ack-timeout`) until no acknowledgement is queued or
claimed, then counts.

Prints for ours and the bare app: requests per second, p50/p95/p99 latency and CPU milliseconds per request of the
server process (utime + stime from /proc/<pid>/stat, across the load); for ours also the CPU including the
acknowledgements posted after the load, rows stored, acknowledgements posted (chat.postMessage calls answered 200
with a thread_ts and our delivery metadata), 429s, and ERROR lines in the server log. Then PASS or MISS for each
target.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import multiprocessing.connection
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import normalize_database_url  # noqa: E402
from bot.services import enrollment  # noqa: E402
from bot.services.ports import SlackProfile  # noqa: E402
from bot.store import migrate  # noqa: E402
from bot.store.db import make_engine, make_session_factory  # noqa: E402
from bot.store.models import Delivery, ImpactEntry, Kind, Reply, Status  # noqa: E402
from tests.slack_api import SlackAPIServer  # noqa: E402
from tests.support import BOT_TOKEN, SIGNING_SECRET, TEAM_ID, signed_headers  # noqa: E402

DRIVER_PROCESSES = 5
SERVER_THREADS = 16  # what `coach serve` gives waitress
POST_RATE = 100_000  # COACH_POST_RATE for the bench: the workspace pace is never the bottleneck
RATIO_TARGET = 0.25  # ours at least 25% of the bare app's requests per second, at every load
P99_TARGET_MS = 25.0  # at 4 clients
P99_TARGET_CLIENTS = 4
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
LOG_LEVEL = re.compile(r"^\S+ \S+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")


@dataclass(frozen=True)
class Sample:
    """One request as a client saw it."""

    kind: str  # "command" | "event"
    status: int
    seconds: float


def user_of(client: int, lead: int) -> str:
    """A lead a client speaks for."""
    return f"U0B{client:03d}{lead:04d}"


def channel_of(client: int, lead: int) -> str:
    """That lead's DM channel with the app."""
    return f"D0B{client:03d}{lead:04d}"


def command_body(client: int, lead: int, serial: int, command: str, words: str, response_url: str) -> str:
    """A slash command, form-encoded as Slack sends it."""
    return urllib.parse.urlencode(
        {
            "token": "legacy",
            "team_id": TEAM_ID,
            "team_domain": "bench",
            "channel_id": "C0BENCH",
            "channel_name": "bench",
            "user_id": user_of(client, lead),
            "user_name": user_of(client, lead).lower(),
            "command": command,
            "text": words,
            "api_app_id": "A0BENCH",
            "response_url": response_url,
            "trigger_id": f"trigger-{client}-{serial}",
        }
    )


def event_body(client: int, lead: int, serial: int) -> str:
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
                "channel": channel_of(client, lead),
                "user": user_of(client, lead),
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
    port: int,
    clients: range,
    leads: int,
    seconds: float,
    response_url: str,
    out: multiprocessing.connection.Connection,
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
            lead = (serial // 2) % leads  # a command and a DM from one lead, then the next lead's
            if serial % 2:
                words = f"bench impact {client}-{serial}: paired with Sam on the incident review"
                body, kind = command_body(client, lead, serial, "/impact", words, response_url), "command"
                content_type = "application/x-www-form-urlencoded"
            else:
                body, kind, content_type = event_body(client, lead, serial), "event", "application/json"
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


def load(port: int, clients: int, leads: int, seconds: float, response_url: str) -> list[Sample]:
    """All clients, spread over up to DRIVER_PROCESSES processes."""
    context = multiprocessing.get_context("spawn")
    pipes, processes = [], []
    for part in range(min(DRIVER_PROCESSES, clients)):
        mine = range(part, clients, DRIVER_PROCESSES)
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=drive, args=(port, mine, leads, seconds, response_url, sender))
        process.start()
        pipes.append(receiver)
        processes.append(process)
    samples = [sample for receiver in pipes for sample in receiver.recv()]
    for process in processes:
        process.join()
    return samples


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far, from /proc/<pid>/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # fields 14 and 15: utime, stime


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
def running(command: list[str], env: dict[str, str], port: int, cwd: str, log: Path) -> Iterator[int]:
    """A server process for the duration of the block, its stderr in `log`; yields its pid."""
    with log.open("wb") as stderr:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            wait_healthy(port, process)
            yield process.pid
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


@dataclass(frozen=True)
class Posts:
    """What the test server saw the app post since the last reset."""

    acks: Counter[tuple[str, str]]  # (channel, thread_ts) of each acknowledgement answered 200 ok
    rate_limited: int  # chat.postMessage answered 429
    refused: int  # chat.postMessage answered otherwise not ok
    methods: Counter[str]  # every call, by method


def posts_of(server: SlackAPIServer) -> Posts:
    """Summarise the calls: an acknowledgement is a post in a thread carrying our delivery metadata."""
    acks: Counter[tuple[str, str]] = Counter()
    rate_limited = refused = 0
    for call in server.calls("chat.postMessage"):
        ok = call.status == 200 and call.error is None
        if call.status == 429:
            rate_limited += 1
        elif not ok:
            refused += 1
        metadata = call.params.get("metadata")
        tagged = isinstance(metadata, dict) and "delivery_id" in (metadata.get("event_payload") or {})
        if ok and tagged and call.params.get("thread_ts"):
            acks[(str(call.params["channel"]), str(call.params["thread_ts"]))] += 1
    return Posts(acks, rate_limited, refused, Counter(call.method for call in server.calls()))


def run_slack(conn: multiprocessing.connection.Connection, channel_limit: bool) -> None:
    """The Slack-compatible server in its own process, answering the parent until told to stop."""
    with SlackAPIServer(token=BOT_TOKEN, team_id=TEAM_ID) as server:
        if channel_limit:  # Slack's own limit: about one message a second in a channel
            server.rate_limit_window("chat.postMessage", 1, 1.0, per_channel=True)
        conn.send(server.base_url)
        while True:
            command = conn.recv()
            if command == "reset":
                server.reset()
                conn.send(None)
            elif command == "posts":
                conn.send(posts_of(server))
            else:
                return


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


def enroll(database_url: str, clients: int, leads: int) -> None:
    """Every client's leads are enrolled before the server starts, through the service `/coach start` uses (with
    the profile it would have read from Slack): thousands of leads, without thousands of requests before the load."""
    engine = make_engine(database_url)
    now = datetime.now(UTC)
    with make_session_factory(engine).begin() as session:
        for client in range(clients):
            for lead in range(leads):
                profile = SlackProfile(user_of(client, lead), f"Bench lead {client}-{lead}", "UTC")
                enrollment.start(session, profile, TEAM_ID, "UTC", now)
    engine.dispose()


def pending_acks(database_url: str) -> int:
    """Acknowledgements the courier has not settled yet (queued, or claimed and being sent)."""
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        query = select(func.count()).where(
            Delivery.kind == Kind.ACK, Delivery.status.in_((Status.QUEUED, Status.CLAIMED))
        )
        count = session.scalar(query) or 0
    engine.dispose()
    return count


def wait_for_acks(database_url: str, timeout: float) -> tuple[float, int]:
    """Until no acknowledgement is queued or claimed, or the timeout; (seconds waited, still pending)."""
    began = time.monotonic()
    while (pending := pending_acks(database_url)) and time.monotonic() - began < timeout:
        time.sleep(0.25)
    return time.monotonic() - began, pending


@dataclass(frozen=True)
class Stored:
    """Rows the run left."""

    commands: int  # /impact entries
    replies: int  # DM replies (each the first message of its own entry)
    distinct_commands: int
    distinct_replies: int
    dm_messages: frozenset[tuple[str, str]]  # (channel, ts) of every stored DM
    ack_statuses: Counter[str]  # acknowledgement deliveries by status


def stored(database_url: str) -> Stored:
    """Count what the run stored, and where every acknowledgement stands."""
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        commands = select(ImpactEntry.text).where(ImpactEntry.source == "command", ImpactEntry.text.like("bench %"))
        replies = select(Reply.text).where(Reply.text.like("bench %"))
        dms = session.execute(select(Reply.channel, Reply.message_ts).where(Reply.text.like("bench %")))
        statuses = session.execute(
            select(Delivery.status, func.count()).where(Delivery.kind == Kind.ACK).group_by(Delivery.status)
        )
        result = Stored(
            commands=session.scalar(select(func.count()).select_from(commands.subquery())) or 0,
            replies=session.scalar(select(func.count()).select_from(replies.subquery())) or 0,
            distinct_commands=session.scalar(select(func.count(func.distinct(commands.subquery().c.text)))) or 0,
            distinct_replies=session.scalar(select(func.count(func.distinct(replies.subquery().c.text)))) or 0,
            dm_messages=frozenset((str(channel), str(ts)) for channel, ts in dms),
            ack_statuses=Counter({str(status): int(count) for status, count in statuses}),
        )
    engine.dispose()
    return result


def log_levels(log: Path) -> tuple[Counter[str], list[str]]:
    """Lines per level in a server log, and the ERROR (and CRITICAL) lines themselves."""
    levels: Counter[str] = Counter()
    errors: list[str] = []
    for line in log.read_text(errors="replace").splitlines():
        match = LOG_LEVEL.match(line)
        if match:
            levels[match.group(1)] += 1
            if match.group(1) in ("ERROR", "CRITICAL"):
                errors.append(line)
    return levels, errors


@dataclass(frozen=True)
class Figures:
    """One app's run at one load, summarised."""

    p50: float
    p95: float
    p99: float
    slowest: float
    per_second: float
    cpu_ms: float  # server CPU per request, over the load
    requests: int
    errors: int
    acked: dict[str, int]


def summarise(samples: list[Sample], seconds: float, cpu: float) -> Figures:
    """Latency percentiles in milliseconds over every request; throughput and CPU over the run."""
    latencies = sorted(sample.seconds * 1000 for sample in samples)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    acked = {kind: sum(s.status == 200 and s.kind == kind for s in samples) for kind in ("command", "event")}
    return Figures(
        p50=cuts[49],
        p95=cuts[94],
        p99=cuts[98],
        slowest=latencies[-1],
        per_second=len(samples) / seconds,
        cpu_ms=cpu * 1000 / max(len(samples), 1),
        requests=len(samples),
        errors=sum(s.status != 200 for s in samples),
        acked=acked,
    )


@dataclass(frozen=True)
class Acks:
    """How the acknowledgements of one load ended."""

    wanted: int  # stored DMs, each owed one acknowledgement
    posted: int  # acknowledgements posted (answered 200)
    once: int  # stored DMs acknowledged exactly once
    duplicates: int  # posts beyond the first for a DM
    missing: int  # stored DMs with no acknowledgement
    strays: int  # acknowledgements in threads of no stored DM
    rate_limited: int
    refused: int
    busiest: int  # acknowledgements owed in the busiest channel: at 1 s per channel, at least this many seconds
    channels: int
    drain: float  # seconds from the end of the load until none was queued or claimed
    pending: int  # still queued or claimed when the bench stopped waiting
    cpu_ms: float  # server CPU per request, the load and the acknowledgements after it
    statuses: Counter[str]
    methods: Counter[str]


def acks_of(found: Stored, posts: Posts, drain: float, pending: int, cpu_ms: float) -> Acks:
    """Match the posted acknowledgements to the stored DMs."""
    per_channel = Counter(channel for channel, _ts in found.dm_messages)
    return Acks(
        wanted=len(found.dm_messages),
        posted=sum(posts.acks.values()),
        once=sum(posts.acks[dm] == 1 for dm in found.dm_messages),
        duplicates=sum(count - 1 for count in posts.acks.values() if count > 1),
        missing=sum(dm not in posts.acks for dm in found.dm_messages),
        strays=sum(count for dm, count in posts.acks.items() if dm not in found.dm_messages),
        rate_limited=posts.rate_limited,
        refused=posts.refused,
        busiest=max(per_channel.values(), default=0),
        channels=len(per_channel),
        drain=drain,
        pending=pending,
        cpu_ms=cpu_ms,
        statuses=found.ack_statuses,
        methods=posts.methods,
    )


@dataclass(frozen=True)
class Run:
    """One load, both apps."""

    clients: int
    ours: Figures
    bare: Figures
    found: Stored
    acks: Acks
    levels: Counter[str]
    errors: list[str]
    log: Path

    @property
    def ratio(self) -> float:
        """Ours / bare, in requests per second."""
        return self.ours.per_second / self.bare.per_second

    @property
    def stored_once(self) -> bool:
        """Every acknowledged request stored once, and nothing else."""
        found, acked = self.found, self.ours.acked
        return (
            (found.commands, found.replies)
            == (acked["command"], acked["event"])
            == (
                found.distinct_commands,
                found.distinct_replies,
            )
        )

    @property
    def acknowledged_once(self) -> bool:
        """Every stored DM acknowledged exactly once, and no other acknowledgement posted."""
        acks = self.acks
        return acks.once == acks.wanted == acks.posted and acks.strays == 0


def measure_ours(
    args: argparse.Namespace,
    clients: int,
    env: dict[str, str],
    response_url: str,
    slack: multiprocessing.connection.Connection,
) -> tuple[Figures, Stored, Acks, Path]:
    """Our app at one load, in a fresh database: the load, then the acknowledgements it queued."""
    log = Path(args.log_dir) / f"serve-{clients}-clients.log"
    with tempfile.TemporaryDirectory() as scratch, database(args.database_url, scratch) as database_url:
        enroll(database_url, clients, args.leads_per_client)
        port = free_port()
        command = [sys.executable, "-m", "bot", "serve", "--port", str(port), "--no-scheduler"]
        slack.send("reset")
        slack.recv()
        with running(command, {**env, "DATABASE_URL": database_url}, port, scratch, log) as pid:
            cpu_before = cpu_seconds(pid)
            samples = load(port, clients, args.leads_per_client, args.seconds, response_url)
            cpu_load = cpu_seconds(pid) - cpu_before
            drain, pending = wait_for_acks(database_url, args.ack_timeout)
            cpu_total = cpu_seconds(pid) - cpu_before
        found = stored(database_url)
    slack.send("posts")
    posts: Posts = slack.recv()
    figures = summarise(samples, args.seconds, cpu_load)
    return figures, found, acks_of(found, posts, drain, pending, cpu_total * 1000 / max(len(samples), 1)), log


def measure_bare(args: argparse.Namespace, clients: int, env: dict[str, str], response_url: str) -> Figures:
    """The bare app at one load."""
    port = free_port()
    command = [sys.executable, str(Path(__file__).resolve()), "--serve-bare", str(port)]
    log = Path(args.log_dir) / f"bare-{clients}-clients.log"
    with tempfile.TemporaryDirectory() as scratch, running(command, env, port, scratch, log) as pid:
        cpu_before = cpu_seconds(pid)
        samples = load(port, clients, args.leads_per_client, args.seconds, response_url)
        cpu = cpu_seconds(pid) - cpu_before
    return summarise(samples, args.seconds, cpu)


def line(name: str, figures: Figures) -> str:
    """One row of the results table."""
    return (
        f"  {name:<5} {figures.per_second:8.0f} {figures.p50:8.1f} {figures.p95:8.1f} {figures.p99:8.1f} "
        f"{figures.slowest:8.1f} {figures.cpu_ms:11.2f} {figures.requests:9d} {figures.errors:8d}"
    )


def report(run: Run) -> None:
    """Print one load's figures."""
    ours, found, acks = run.ours, run.found, run.acks
    print(f"{run.clients} clients")
    print(
        f"  {'':<5} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'CPU ms/req':>11} "
        f"{'requests':>9} {'non-200':>8}"
    )
    print(line("ours", ours))
    print(line("bare", run.bare))
    print(f"  ours / bare: {run.ratio:.1%} of the requests per second")
    print(
        f"  stored: {found.commands} /impact entries for {ours.acked['command']} answered 200, "
        f"{found.replies} DM entries for {ours.acked['event']} answered 200: "
        f"{'each once' if run.stored_once else 'MISMATCH'}"
    )
    settled = "all settled" if acks.pending == 0 else f"{acks.pending} still queued or claimed"
    print(
        f"  acknowledgements: {acks.posted} posted for {acks.wanted} DMs ({acks.once} once, {acks.duplicates} "
        f"duplicates, {acks.missing} missing, {acks.strays} strays); {acks.rate_limited} answered 429, "
        f"{acks.refused} refused"
    )
    statuses = ", ".join(f"{status} {count}" for status, count in sorted(acks.statuses.items()))
    print(
        f"    posted by the courier in {acks.drain:.1f} s after the load ({settled}; deliveries: {statuses}); "
        f"{acks.channels} DM channels, at most {acks.busiest} in one "
        f"(>= {max(acks.busiest - 1, 0)} s at 1 s per channel)"
    )
    print(f"    server CPU with the acknowledgements posted after the load: {acks.cpu_ms:.2f} ms per request")
    calls = ", ".join(f"{method} {count}" for method, count in sorted(acks.methods.items()))
    print(f"    Slack calls: {calls or 'none'}")
    levels = ", ".join(f"{level} {count}" for level, count in sorted(run.levels.items()))
    print(f"  server log ({run.log}): {levels or 'empty'}")
    for error in run.errors[:5]:
        print(f"    {error[:200]}")


def verdict(met: bool, what: str) -> None:
    """One target's line."""
    print(f"  {'PASS' if met else 'MISS'}  {what}")


def main() -> None:
    """Drive our app, then the bare one, at each load; print the comparison, the exactly-once checks and targets."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL to measure on; default: a SQLite file")
    parser.add_argument("--clients", type=int, nargs="+", default=[4, 50], help="loads to run (default: 4 50)")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each load, per app")
    parser.add_argument("--leads-per-client", type=int, default=100, help="leads (DM channels) each client rotates")
    parser.add_argument("--ack-timeout", type=float, default=120.0, help="longest wait for the acknowledgements")
    parser.add_argument(
        "--slack-channel-limit", action="store_true", help="the test server also answers 429 past 1 post/s per channel"
    )
    parser.add_argument(
        "--post-rate",
        type=int,
        default=POST_RATE,
        help="COACH_POST_RATE for our server; 1 keeps the courier idle, measuring the request path alone",
    )
    parser.add_argument("--log-dir", help="where the server logs go (default: a new directory in /tmp)")
    parser.add_argument("--serve-bare", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return
    args.log_dir = args.log_dir or tempfile.mkdtemp(prefix="ack-bench-")

    parent, child = multiprocessing.Pipe()
    slack_process = multiprocessing.get_context("spawn").Process(
        target=run_slack, args=(child, args.slack_channel_limit), daemon=True
    )
    slack_process.start()
    api_url: str = parent.recv()
    response_url = api_url.removesuffix("/api/") + "/respond/bench"
    where = "SQLite file" if args.database_url is None else args.database_url.split("@")[-1].split("?")[0]
    print(
        f"database: {where}; {args.seconds:g} s per app per load; {args.leads_per_client} leads (DM channels) per "
        f"client; COACH_POST_RATE={args.post_rate}"
        + (" (the workspace pace is not the bottleneck; 1 s per channel stays)" if args.post_rate == POST_RATE else "")
        + ("; the test server limits posts to 1/s per channel" if args.slack_channel_limit else "")
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "COACH_", "DATABASE_"))},
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
        "COACH_POST_RATE": str(args.post_rate),
        "LOG_LEVEL": "INFO",
        "PYTHONPATH": str(ROOT),
    }
    runs: list[Run] = []
    for clients in args.clients:
        ours, found, acks, log = measure_ours(args, clients, env, response_url, parent)
        bare = measure_bare(args, clients, env, response_url)
        levels, errors = log_levels(log)
        run = Run(clients, ours, bare, found, acks, levels, errors, log)
        report(run)
        runs.append(run)
    parent.send("stop")
    slack_process.join(timeout=10)

    print("targets")
    for run in runs:
        verdict(
            run.ratio >= RATIO_TARGET,
            f"{run.clients} clients: ours {run.ratio:.1%} of the bare app's requests/s (target >= {RATIO_TARGET:.0%})",
        )
    for run in runs:
        if run.clients == P99_TARGET_CLIENTS:
            verdict(
                run.ours.p99 <= P99_TARGET_MS,
                f"{run.clients} clients: ours p99 {run.ours.p99:.1f} ms (target <= {P99_TARGET_MS:g} ms)",
            )
    for run in runs:
        acks = run.acks
        verdict(
            run.stored_once and run.acknowledged_once,
            f"{run.clients} clients: every entry stored once ({'yes' if run.stored_once else 'no'}) and acknowledged "
            f"once ({acks.once} of {acks.wanted} DMs; {acks.duplicates} duplicates, {acks.missing} missing)",
        )
    for run in runs:
        count = run.levels["ERROR"] + run.levels["CRITICAL"]
        verdict(count == 0, f"{run.clients} clients: {count} ERROR lines in the server log (target 0)")


if __name__ == "__main__":
    main()
