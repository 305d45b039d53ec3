"""Where a request's time goes: `coach serve`'s app, built as `coach` builds it, under cProfile, one thread.

    python bench/profile_ack.py [--requests 2000] [--top 25] [--restrict REGEX] [--database-url URL]

Builds the app exactly as `coach serve` does (bot.__main__: open_database, connect_slack, build_deps, create_app)
against the Slack-compatible test server (in its own process), with its lazy listeners and the courier's sends run
inline so that one thread does all the work and cProfile sees it. Sends `--requests` signed requests (/impact
<text> and message.im events in turn, each from its own enrolled lead) through the same WSGI application waitress
serves, and prints the wall and CPU time per request; then the courier posts the acknowledgements they queued, per
acknowledgement. Done twice: plain, then under cProfile, printing the functions that take the time (the profiler
roughly doubles it). Nothing runs concurrently: this is the cost of the work, not of waiting for the process's one
SQLite connection or the GIL.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import multiprocessing
import pstats
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ack import Posts, command_body, enroll, event_body, run_slack  # noqa: E402

from bot.__main__ import build_deps, connect_slack, open_database  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.slack.app import create_app  # noqa: E402
from bot.store.db import database_answers  # noqa: E402
from bot.web import make_wsgi_app  # noqa: E402
from tests.support import BOT_TOKEN, SIGNING_SECRET, signed_headers  # noqa: E402

T = TypeVar("T")
WARM_UP = 200  # requests before the profile: imports, caches, the first auth.test


class Inline(Executor):
    """Runs what is submitted at once, in the caller's thread (so the profiler sees it)."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        """Run `fn` now; its result (or exception) is in the returned future."""
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:
            future.set_exception(error)
        return future


def environ_for(body: str, content_type: str) -> dict[str, Any]:
    """The WSGI environ waitress would build for a signed POST to /slack/events."""
    data = body.encode()
    headers = signed_headers(body)
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "3000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(data)),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": headers["x-slack-request-timestamp"],
        "HTTP_X_SLACK_SIGNATURE": headers["x-slack-signature"],
        "wsgi.input": io.BytesIO(data),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


def requests(serials: range, leads: int, response_url: str) -> list[tuple[str, str]]:
    """(body, content type) of a request per serial: a command and a DM from one lead, then the next lead's."""
    made = []
    for serial in serials:
        lead = (serial // 2) % leads
        if serial % 2:
            words = f"bench impact 0-{serial}: paired with Sam on the incident review"
            made.append(
                (command_body(0, lead, serial, "/impact", words, response_url), "application/x-www-form-urlencoded")
            )
        else:
            made.append((event_body(0, lead, serial), "application/json"))
    return made


def show(profile: cProfile.Profile, top: int, restrict: str | None) -> None:
    """The functions that take the most time, by cumulative and by own time (only those matching `restrict`)."""
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.sort_stats(key).print_stats(*([restrict] if restrict else []), top)
        text = out.getvalue()
        print(f"--- by {key}")
        print(text[text.index("   ncalls") :].rstrip() if "   ncalls" in text else text)


def main() -> None:
    """Build the app, warm it up, profile the requests, then the courier."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--restrict", help="only functions whose file:line(name) matches this regular expression")
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary directory")
    args = parser.parse_args()

    parent, child = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(target=run_slack, args=(child, False), daemon=True)
    server.start()
    api_url: str = parent.recv()
    with tempfile.TemporaryDirectory() as scratch:
        database_url = args.database_url or f"sqlite:///{scratch}/profile.db"
        environ = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api_url,
            "DATABASE_URL": database_url,
            "COACH_POST_RATE": "100000",
            "LOG_LEVEL": "WARNING",
        }
        settings = load_settings(environ, env_file=Path(scratch) / "none.env")
        engine = open_database(settings)
        leads = (WARM_UP + 2 * args.requests) // 2 + 1  # a lead (a DM channel) per DM: the courier never waits 1 s
        enroll(settings.database_url, 1, leads)
        client, team_id = connect_slack(settings, engine)
        deps = build_deps(settings, engine, client)
        deps.courier.pool = Inline()  # type: ignore[assignment]
        app = create_app(deps, client, team_id=team_id, executor=Inline())
        wsgi = make_wsgi_app(app, lambda: database_answers(engine))
        response_url = api_url.removesuffix("/api/") + "/respond/profile"

        def start_response(status: str, _headers: Iterable[tuple[str, str]], *_: Any) -> Callable[[bytes], Any]:
            if not status.startswith("200"):
                raise SystemExit(f"the app answered {status}")
            return lambda _data: None

        def posted() -> int:
            parent.send("posts")
            posts: Posts = parent.recv()
            return posts.methods["chat.postMessage"]

        for body, content_type in requests(range(1, WARM_UP + 1), leads, response_url):
            b"".join(wsgi(environ_for(body, content_type), start_response))
        deps.courier.drain_all()
        for name, serials in (("plain", range(1, args.requests + 1)), ("profiled", range(1, args.requests + 1))):
            offset = WARM_UP + (0 if name == "plain" else args.requests)
            shifted = range(serials.start + offset, serials.stop + offset)
            prepared = [environ_for(body, kind) for body, kind in requests(shifted, leads, response_url)]
            profile = cProfile.Profile() if name == "profiled" else None
            wall, cpu = time.perf_counter(), time.process_time()
            if profile is not None:
                profile.enable()
            for env in prepared:
                b"".join(wsgi(env, start_response))
            if profile is not None:
                profile.disable()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(
                f"requests ({name}): {len(prepared)} in one thread, lazy listeners inline: "
                f"{wall * 1000 / len(prepared):.2f} ms wall, {cpu * 1000 / len(prepared):.2f} ms CPU per request"
            )
            if profile is not None:
                show(profile, args.top, args.restrict)

            before = posted()
            courier = cProfile.Profile() if name == "profiled" else None
            wall, cpu = time.perf_counter(), time.process_time()
            if courier is not None:
                courier.enable()
            settled = deps.courier.drain_all()
            if courier is not None:
                courier.disable()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            sent = posted() - before
            print(
                f"courier ({name}): {settled} deliveries settled, {sent} posted, sends inline: "
                f"{wall * 1000 / max(sent, 1):.2f} ms wall, {cpu * 1000 / max(sent, 1):.2f} ms CPU per acknowledgement"
            )
            if courier is not None:
                show(courier, args.top, args.restrict)
        deps.courier.stop()
        engine.dispose()
    parent.send("stop")
    server.join(timeout=10)


if __name__ == "__main__":
    main()
