"""Requests a second and latency of Tend over HTTP under gunicorn, as ratios to a bare Flask app, as bookings grow.

Run from the project root:

    .venv/bin/python benchmarks/http.py [--quick] [--runs 3] [--duration 15]
        [--sizes 0,10000,100000] [--databases sqlite,postgresql] [--client auto|wrk|python]

`--quick` is a smoke run: 3 s a figure, one run, 0 and 10 000 bookings (options given
alongside it still win). A default run takes about half an hour.

Every figure is served by gunicorn with 2 sync workers on a free loopback port and loaded
by 8 connections (1, then 2, for the bookings: see BOOKING_CONNECTIONS) for --duration
seconds: by wrk with benchmarks/http_wrk.lua when wrk is installed (2 threads), else by as
many Python client processes, each bounded in requests too.
Each run measures the floor once, then, per database (a fresh one each run) and per number
of bookings (grown 0 → 10 000 → 100 000 in that database), the app with its job worker
(huey_consumer) running beside it:

    floor           GET / of benchmarks/floor_app.py, a bare Flask app with no extensions
    constant        GET /healthz (GET /api/openapi.json where there is no /healthz)
    slots, 1 day    GET /api/v1/slots for one weekday with free times
    slots, 14 days  GET /api/v1/slots for the fourteen days from it
    service page    GET /book/<practice>/<practitioner>/<service>, the day and time picker
    booking POST    POST /api/v1/bookings, every request for a free slot of its own, one at a time
    booking POST 2x the same, two at once (one for each gunicorn worker)

Each figure is printed as it is measured (requests a second, p50 and p95 latency in ms, and
requests a second as a ratio to the floor of the same run); at the end come the medians
over the runs and each target with PASS or FAIL (the exit status does not depend on them):

    slots, 1 day: ratio ≥ 0.30 on SQLite, ≥ 0.25 on PostgreSQL
    slots, 14 days and the service page: ratio ≥ 0.20
    every figure: requests a second within 10 % between the fewest and the most bookings
    booking POST: p95 < 25 ms on SQLite (one at a time, with the worker sending the emails)

A database holds one practice (Europe/London), one practitioner open Monday–Friday
09:00–17:00 and one free one-hour service; its bookings are nine in ten in the past three
years (completed, cancelled, no-show) and one in ten cancelled in the coming year, plus one
confirmed at 10:00 on each weekday the slot figures measure. The POSTs book weeks far ahead,
which no other figure reads, and are deleted once their emails are sent, so every size
starts with the same bookings and the same free slots. PostgreSQL runs on a throwaway
server (tests/postgres_server.py), or is skipped with a line saying why. Everything lives
in a temporary folder: nothing under instance/ is touched.
"""
import sys
from pathlib import Path

# This file is named http.py: with its folder first on the path, `import http.client` (here,
# or in Flask) would find this script. The project root goes there instead: it is a script,
# not an installed package.
PROJECT = Path(__file__).resolve().parent.parent
sys.path[0] = str(PROJECT)

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from contextlib import ExitStack, contextmanager  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import date, datetime, timedelta, timezone  # noqa: E402
from datetime import time as clock  # noqa: E402
from itertools import repeat  # noqa: E402
from typing import Iterator, NamedTuple  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, delete, func, insert, select, text  # noqa: E402

from practice import create_app  # noqa: E402
from practice.accounts.models import Membership, Practice, Practitioner, Role  # noqa: E402
from practice.booking import free_times  # noqa: E402
from practice.booking.models import Booking, BookingStatus  # noqa: E402
from practice.catalog.models import Service, ServiceStatus  # noqa: E402
from practice.clients.models import Client  # noqa: E402
from practice.extensions import db  # noqa: E402
from practice.notifications.models import OutboxMessage, OutboxStatus  # noqa: E402
from practice.scheduling.models import TimeOff, WeeklyHours  # noqa: E402
from practice.timeformats import days_window, instant_in_zone  # noqa: E402
from tests.notifications.support import free_port  # noqa: E402
from tests.postgres_server import PostgresUnavailable, throwaway_postgres  # noqa: E402

BIN = PROJECT / ".venv" / "bin"
WRK_SCRIPT = PROJECT / "benchmarks" / "http_wrk.lua"
ZONE = "Europe/London"
#: Only ever seals this benchmark's own throwaway data.
DATA_KEY = "Xz80qyBg76ACGCUBJ3uEJnVQ__YbsJvCDlyjGYbbo-M="
SECRET_KEY = "benchmark-only"
#: Settings of the caller's environment that would point a deployment elsewhere.
NOT_INHERITED = ("DATABASE_URL", "REDIS_URL", "MAIL_SERVER", "RATELIMIT_STORAGE_URI", "GUNICORN_CMD_ARGS")

DATABASES = ("sqlite", "postgresql")
DEFAULTS = {"duration": 15, "runs": 3, "sizes": (0, 10_000, 100_000)}
QUICK = {"duration": 3, "runs": 1, "sizes": (0, 10_000)}
CONNECTIONS = 8
#: A booking's latency (the p95 target) is measured one booking at a time, while the worker sends
#: the emails of those before: with eight connections on two workers each booking would wait
#: behind three others, and p95 would time the queue. Two at once, one a worker, is printed too.
BOOKING_CONNECTIONS = {"booking POST": 1, "booking POST 2x": 2}
WRK_THREADS = 2
GUNICORN_WORKERS = 2
#: The Python client's bound on one figure's requests, whatever the duration.
MAX_PYTHON_REQUESTS = 100_000
WARM_UP_REQUESTS = 20
WARM_UP_BOOKINGS = 4
READY_TIMEOUT = 30
STOP_TIMEOUT = 10
#: How long the last POSTs may take to be booked, and the worker to send the emails they owe.
BOOKED_TIMEOUT = 15
DRAIN_TIMEOUT = 180
REQUEST_TIMEOUT = 30

OPEN_WEEKDAYS = range(5)
OPENING = (clock(9), clock(17))
UPCOMING_HOUR = clock(10)
MAX_ADVANCE_DAYS = 730
#: The page shows the fourteen days from today and the slot figures the fourteen from the
#: first weekday after it: the POSTs book from three weeks ahead, where neither looks.
POST_FIRST_DAY = 21
POST_EMAIL_PREFIX = "post-"
SLOT_SEARCH_DAYS = 60
HISTORY_DAYS = 3 * 365
FUTURE_DAYS = 365
#: One booking of the history in this many is a cancelled one ahead; the rest are past.
FUTURE_SHARE = 10
PAST_STATUSES = (BookingStatus.completed,) * 8 + (BookingStatus.cancelled, BookingStatus.no_show)
CHUNK = 5_000

FLOOR, CONSTANT, ONE_DAY, FOURTEEN_DAYS, PAGE, BOOKING, BOOKING_PAIR = (
    "floor", "constant", "slots, 1 day", "slots, 14 days", "service page", "booking POST", "booking POST 2x"
)
APP_FIGURES = (CONSTANT, ONE_DAY, FOURTEEN_DAYS, PAGE, BOOKING, BOOKING_PAIR)
#: The least ratio to the floor each figure should reach, per database.
RATIO_TARGETS = {
    ONE_DAY: {"sqlite": 0.30, "postgresql": 0.25},
    FOURTEEN_DAYS: {"sqlite": 0.20, "postgresql": 0.20},
    PAGE: {"sqlite": 0.20, "postgresql": 0.20},
}
STEADY_WITHIN = 0.10
BOOKING_P95_TARGET_MS = {"sqlite": 25.0}


class BenchmarkError(Exception):
    """Something that makes the figures meaningless: a refused request, a server that did not start."""


@dataclass(frozen=True)
class Load:
    """What one figure sends: GET `path` again and again, or, with `bodies`, POST each body once."""

    figure: str
    path: str
    bodies: tuple[str, ...] = ()
    connections: int = CONNECTIONS


@dataclass(frozen=True)
class Figure:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    #: The requests ran out (the free slots, or the Python client's bound) before the duration did.
    ran_out: bool = False
    #: How many bookings were POSTed, answered or not.
    posted: int = 0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


class Ids(NamedTuple):
    practice: int
    practitioner: int
    service: int
    client: int


class Site(NamedTuple):
    """What the figures of one database ask for."""

    ids: Ids
    first_day: date
    bookings: tuple[str, ...]


# --- Processes ---------------------------------------------------------------------------


@contextmanager
def child_process(command: list[str], env: dict, log: Path) -> Iterator[subprocess.Popen]:
    with log.open("wb") as output:
        child = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        yield child
    finally:
        stop(child)


def stop(child: subprocess.Popen) -> None:
    if child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait(timeout=STOP_TIMEOUT)


def gunicorn(app: str, port: int) -> list[str]:
    return [
        str(BIN / "gunicorn"), "--workers", str(GUNICORN_WORKERS), "--worker-class", "sync",
        "--bind", f"127.0.0.1:{port}", "--no-control-socket", "--log-level", "warning", app,
    ]


def inherited_environment() -> dict:
    return {name: value for name, value in os.environ.items() if name not in NOT_INHERITED}


def app_environment(database_url: str, folder: Path, port: int) -> dict:
    """What the web app and its worker read: this database, and a queue and mail folder in `folder`."""
    return {
        **inherited_environment(),
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET_KEY,
        "PRACTICE_DATA_KEYS": DATA_KEY,
        "RATELIMIT_ENABLED": "0",
        "HUEY_SQLITE_PATH": str(folder / "huey.sqlite3"),
        "MAIL_FILE_DIR": str(folder / "mail"),
        "MAIL_SUPPRESS_SEND": "1",
        "BASE_URL": f"http://127.0.0.1:{port}",
    }


def fetch(port: int, method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request(method, path, body, {"Content-Type": "application/json"} if body else {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def log_tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


def wait_until_answering(port: int, path: str, server: subprocess.Popen, log: Path) -> None:
    """Any HTTP answer will do: which status a path gives is checked by the figure that loads it."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchmarkError(f"gunicorn exited with status {server.returncode}:\n{log_tail(log)}")
        try:
            fetch(port, "GET", path)
            return
        except OSError:
            time.sleep(0.1)
    raise BenchmarkError(f"gunicorn did not answer on port {port} within {READY_TIMEOUT} s:\n{log_tail(log)}")


@contextmanager
def serve_floor(folder: Path) -> Iterator[int]:
    port, log = free_port(), folder / "floor.log"
    with child_process(gunicorn("benchmarks.floor_app:app", port), inherited_environment(), log) as server:
        wait_until_answering(port, "/", server, log)
        yield port


@contextmanager
def serve_app(database_url: str, folder: Path) -> Iterator[int]:
    """gunicorn app:app and the job worker, on `database_url`, until the block ends."""
    port, log = free_port(), folder / "gunicorn.log"
    env = app_environment(database_url, folder, port)
    worker = [str(BIN / "huey_consumer"), "practice.worker.huey", "--workers", "1", "--quiet"]
    with child_process(gunicorn("app:app", port), env, log) as server, child_process(worker, env, folder / "worker.log"):
        wait_until_answering(port, "/healthz", server, log)
        try:
            yield port
        except BenchmarkError as error:
            # A refused request's traceback, if any, is in the log, which goes with `folder`.
            raise BenchmarkError(f"{error}\n--- the end of gunicorn's log:\n{log_tail(log)}") from None


# --- Load --------------------------------------------------------------------------------


def load_with_wrk(port: int, load: Load, duration: int, folder: Path) -> Figure:
    # wrk gives each thread at least one connection.
    threads = min(WRK_THREADS, load.connections)
    command = [
        "wrk", f"--threads={threads}", f"--connections={load.connections}", f"--duration={duration}s",
        "--timeout=10s", f"--script={WRK_SCRIPT}", f"http://127.0.0.1:{port}{load.path}", "--",
    ]
    if load.bodies:
        bodies = folder / "bookings.jsonl"
        bodies.write_text("".join(body + "\n" for body in load.bodies))
        command += ["post", str(bodies), str(threads)]
    else:
        command += ["get"]
    output, ran_out_after = run_wrk(command, duration, threads)
    found = re.search(r"^wrk-result (.*)$", output, re.MULTILINE)
    if not found:
        raise BenchmarkError(f"{load.figure}: wrk printed no result: {output}")
    # Twelve key=value fields; the last, first_error, may hold spaces.
    result = dict(field.split("=", 1) for field in found.group(1).split(" ", 11))
    errors = Counter({kind: int(result[kind]) for kind in ("connect", "read", "write", "status", "timeout")})
    refuse_errors(load.figure, errors, result["first_error"])
    return Figure(
        requests=int(result["requests"]),
        seconds=ran_out_after or int(result["duration_us"]) / 1e6,
        p50_ms=int(result["p50_us"]) / 1000,
        p95_ms=int(result["p95_us"]) / 1000,
        ran_out=result["exhausted"] == "true",
        posted=int(result["sent"]),
    )


def run_wrk(command: list[str], duration: int, threads: int) -> tuple[str, float | None]:
    """wrk's output, and the seconds after which all its threads had run out of requests, if they did.

    wrk sleeps out its duration even then, and reports that as the time it ran: the time is
    taken here instead, and wrk is interrupted, which cuts its sleep short when the signal
    reaches its main thread.
    """
    started, ran_out_after = time.monotonic(), None
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as wrk:
        watchdog = threading.Timer(duration + 60, wrk.kill)
        watchdog.start()
        try:
            lines, threads_out = [], 0
            for line in wrk.stdout:
                lines.append(line)
                threads_out += line.startswith("wrk-exhausted")
                if line.startswith("wrk-exhausted") and threads_out == threads:
                    ran_out_after = time.monotonic() - started
                    wrk.send_signal(signal.SIGINT)
            status = wrk.wait()
        finally:
            watchdog.cancel()
    if status:
        raise BenchmarkError(f"wrk failed with status {status}: {''.join(lines)}")
    return "".join(lines), ran_out_after


class ClientOutcome(NamedTuple):
    latencies_ms: list[float]
    errors: Counter
    first_error: str
    ended_at: float


def client_loop(port: int, path: str, bodies: tuple[str, ...], start_at: float, stop_at: float, most: int) -> ClientOutcome:
    """One connection's worth of load: requests one after another until `stop_at`, at most `most`
    (or each of `bodies` once, POSTed)."""
    time.sleep(max(0.0, start_at - time.monotonic()))
    latencies, errors, first_error = [], Counter(), ""
    for n in range(len(bodies) if bodies else most):
        if time.monotonic() >= stop_at:
            break
        started = time.perf_counter()
        try:
            status, answer = fetch(port, "POST", path, bodies[n]) if bodies else fetch(port, "GET", path)
        except OSError as error:
            errors[type(error).__name__] += 1
            first_error = first_error or repr(error)
            continue
        latencies.append((time.perf_counter() - started) * 1000)
        if status > 399:
            errors[f"HTTP {status}"] += 1
            first_error = first_error or f"{status} {answer[:300].decode(errors='replace')}"
    return ClientOutcome(latencies, errors, first_error, time.monotonic())


def load_with_python(port: int, load: Load, duration: int, folder: Path) -> Figure:
    clients = load.connections
    shares = [load.bodies[n::clients] for n in range(clients)] if load.bodies else [()] * clients
    # Every process starts at the same instant, once all are forked.
    start_at = time.monotonic() + 0.5
    with ProcessPoolExecutor(clients, mp_context=multiprocessing.get_context("fork")) as pool:
        outcomes = list(
            pool.map(
                client_loop, repeat(port), repeat(load.path), shares, repeat(start_at),
                repeat(start_at + duration), repeat(MAX_PYTHON_REQUESTS // clients),
            )
        )
    errors = sum((outcome.errors for outcome in outcomes), Counter())
    refuse_errors(load.figure, errors, next((o.first_error for o in outcomes if o.first_error), ""))
    latencies = [latency for outcome in outcomes for latency in outcome.latencies_ms]
    if len(latencies) < 2:
        raise BenchmarkError(f"{load.figure}: only {len(latencies)} requests were answered")
    percentiles = statistics.quantiles(latencies, n=100)
    ended_at = max(outcome.ended_at for outcome in outcomes)
    return Figure(
        requests=len(latencies),
        seconds=ended_at - start_at,
        p50_ms=percentiles[49],
        p95_ms=percentiles[94],
        ran_out=ended_at < start_at + duration,
        posted=len(latencies) if load.bodies else 0,
    )


def refuse_errors(figure: str, errors: Counter, first_error: str) -> None:
    """Any failed request or 4xx/5xx answer stops the benchmark: a 409 on a POST means two asked for one slot."""
    if sum(errors.values()):
        found = ", ".join(f"{count} {kind}" for kind, count in errors.items() if count)
        raise BenchmarkError(f"{figure}: {found} errors; the first answer refused: {first_error or '(none kept)'}")


def warm_up(port: int, load: Load) -> None:
    """A few requests first, which also fail early and plainly if the path does not answer 200."""
    for _ in range(WARM_UP_REQUESTS):
        status, answer = fetch(port, "GET", load.path)
        if status != 200:
            raise BenchmarkError(f"{load.figure}: GET {load.path} answered {status}: {answer[:300]!r}")


def free_slots(port: int, load: Load) -> int:
    status, answer = fetch(port, "GET", load.path)
    count = len(json.loads(answer)["slots"]) if status == 200 else 0
    if not count:
        raise BenchmarkError(f"{load.figure}: GET {load.path} answered {status} with no free slot: {answer[:300]!r}")
    return count


def warm_up_bookings(port: int, bodies: tuple[str, ...]) -> None:
    for body in bodies:
        status, answer = fetch(port, "POST", "/api/v1/bookings", body)
        if status != 201:
            raise BenchmarkError(f"{BOOKING}: a warm-up booking answered {status}: {answer[:300]!r}")


# --- Data --------------------------------------------------------------------------------


def build_app(database_url: str):
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": SECRET_KEY,
            "PRACTICE_DATA_KEYS": DATA_KEY,
            "RATELIMIT_ENABLED": False,
        }
    )


@contextmanager
def in_database(app) -> Iterator[None]:
    """An app context whose connections are closed after: the benchmark holds none while the app is loaded."""
    with app.app_context():
        try:
            yield
        finally:
            db.session.remove()
            db.engine.dispose()


def seed_practice(now: datetime) -> Ids:
    practice = Practice(
        name="Benchmark Practice", slug="bench", timezone=ZONE, min_notice_minutes=0,
        max_advance_days=MAX_ADVANCE_DAYS, created_at=now,
    )
    practitioner = Practitioner(email="bench@example.org", name="Bench Marker", slug="bench", password_hash="not-used")
    db.session.add_all([practice, practitioner, Membership(practice=practice, practitioner=practitioner, role=Role.owner)])
    db.session.flush()
    # One client for every seeded booking: who booked costs the engine nothing.
    client = Client(practice_id=practice.id, email="client@example.org", name="A client", created_at=now, updated_at=now)
    db.session.add(client)
    for weekday in OPEN_WEEKDAYS:
        db.session.add(
            WeeklyHours(practitioner_id=practitioner.id, weekday=weekday, start_time=OPENING[0], end_time=OPENING[1])
        )
    service = Service(
        practice_id=practice.id,
        practitioner_id=practitioner.id,
        name="Massage, one hour",
        duration_minutes=60,
        price_cents=0,
        slot_step_minutes=60,
        status=ServiceStatus.published,
    )
    db.session.add(service)
    db.session.commit()
    return Ids(practice.id, practitioner.id, service.id, client.id)


def first_weekday_after(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() not in OPEN_WEEKDAYS:
        day += timedelta(days=1)
    return day


def booking_row(public_id: str, ids: Ids, start: datetime, status: BookingStatus) -> dict:
    end = start + timedelta(hours=1)
    return {
        "public_id": public_id,
        "practice_id": ids.practice,
        "client_id": ids.client,
        "practitioner_id": ids.practitioner,
        "service_id": ids.service,
        "status": status,
        "starts_at": start,
        "ends_at": end,
        "blocked_start": start,
        "blocked_end": end,
        "is_group": False,
        "seats": 1,
        "client_note": "",
        "client_timezone": ZONE,
        "created_at": start - timedelta(days=7),
    }


def add_confirmed_in_window(ids: Ids, first_day: date) -> None:
    """One booking at 10:00 on each weekday the slot figures ask for, so the engine has conflicts to weigh."""
    days = (first_day + timedelta(days=n) for n in range(14))
    rows = [
        booking_row(
            f"upcoming-{day}", ids, datetime.combine(day, UPCOMING_HOUR, ZoneInfo(ZONE)).astimezone(timezone.utc),
            BookingStatus.confirmed,
        )
        for day in days
        if day.weekday() in OPEN_WEEKDAYS
    ]
    db.session.execute(insert(Booking), rows)
    db.session.commit()


def history_row(n: int, ids: Ids, now: datetime, rng: random.Random) -> dict:
    if n % FUTURE_SHARE == 0:
        start = now + timedelta(days=1, minutes=15 * rng.randrange(FUTURE_DAYS * 96))
        return booking_row(f"bench-{n}", ids, start, BookingStatus.cancelled)
    # None of these is active, so PostgreSQL's exclusion constraint lets them overlap.
    start = now - timedelta(days=1, minutes=15 * rng.randrange(HISTORY_DAYS * 96))
    return booking_row(f"bench-{n}", ids, start, rng.choice(PAST_STATUSES))


def grow_history(ids: Ids, have: int, want: int, now: datetime) -> None:
    rng = random.Random(have)
    for chunk_start in range(have, want, CHUNK):
        rows = [history_row(n, ids, now, rng) for n in range(chunk_start, min(chunk_start + CHUNK, want))]
        db.session.execute(insert(Booking), rows)
        db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # What autovacuum would do soon after such an insert: the planner's statistics must see the rows.
        db.session.execute(text("ANALYZE booking"))
        db.session.commit()


def schedule_rows(practitioner_id: int) -> tuple[int, int]:
    """Weekly hours and time off rows of the practitioner: what the engine reads besides bookings."""
    return tuple(
        db.session.scalar(select(func.count()).select_from(model).where(model.practitioner_id == practitioner_id))
        for model in (WeeklyHours, TimeOff)
    )


def booking_bodies(ids: Ids, today: date, now: datetime) -> tuple[str, ...]:
    """A JSON booking for every free slot from POST_FIRST_DAY ahead to the end of the advance window."""
    service = db.session.get(Service, ids.service)
    starts = []
    for offset in range(POST_FIRST_DAY, MAX_ADVANCE_DAYS, SLOT_SEARCH_DAYS):
        window_start, window_end = days_window(today + timedelta(days=offset), SLOT_SEARCH_DAYS, ZONE)
        starts += [slot.start for slot in free_times.open_slots(service, window_start, window_end, now)]
    return tuple(
        json.dumps(
            {
                "service": ids.service,
                "start": instant_in_zone(start, ZONE),
                "name": f"Bench client {n}",
                "email": f"{POST_EMAIL_PREFIX}{n}@example.org",
                "timezone": ZONE,
            }
        )
        for n, start in enumerate(starts)
    )


def emails_by_status() -> Counter:
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    return Counter({status.value: count for status, count in rows})


def posted_clients(practice_id: int):
    return select(Client.id).where(Client.practice_id == practice_id, Client.email.like(f"{POST_EMAIL_PREFIX}%"))


def count_posted_bookings(practice_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Booking).where(Booking.client_id.in_(posted_clients(practice_id)))
    )


def delete_posted_bookings(practice_id: int) -> None:
    """The POSTs' bookings, their emails and their clients, so the next size starts as this one did."""
    posted = select(Booking.id).where(Booking.client_id.in_(posted_clients(practice_id)))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.booking_id.in_(posted)))
    db.session.execute(delete(Booking).where(Booking.client_id.in_(posted_clients(practice_id))))
    db.session.execute(delete(Client).where(Client.id.in_(posted_clients(practice_id))))
    db.session.commit()


# --- Measuring ---------------------------------------------------------------------------


class Results:
    def __init__(self):
        self.floors: list[Figure] = []
        #: (database, size, figure) → one (figure, ratio to that run's floor) a run.
        self.figures: dict[tuple[str, int, str], list[tuple[Figure, float]]] = defaultdict(list)

    def median(self, database: str, size: int, figure: str) -> tuple[float, float, float, float]:
        """Median requests a second, p50, p95 and ratio over the runs."""
        measured = self.figures[(database, size, figure)]
        return (
            statistics.median(f.rate for f, _ in measured),
            statistics.median(f.p50_ms for f, _ in measured),
            statistics.median(f.p95_ms for f, _ in measured),
            statistics.median(ratio for _, ratio in measured),
        )


def figure_line(label: str, figure: Figure, floor: Figure, duration: int) -> str:
    line = (
        f"    {label:<30} {figure.rate:>8,.0f} req/s   p50 {figure.p50_ms:>7.2f} ms   "
        f"p95 {figure.p95_ms:>7.2f} ms   ratio {figure.rate / floor.rate:.2f}"
    )
    if figure.ran_out:
        line += f"   (ran out of requests after {figure.seconds:.1f} s of {duration} s)"
    return line


class Bench:
    """One invocation: its options, its temporary folder, its driver and what it has measured."""

    def __init__(self, args, folder: Path):
        self.duration = args.duration
        self.folder = folder
        self.use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk") is not None)
        self.results = Results()

    def measure(self, port: int, load: Load, folder: Path) -> Figure:
        driver = load_with_wrk if self.use_wrk else load_with_python
        return driver(port, load, self.duration, folder)

    def run_floor(self) -> Figure:
        with tempfile.TemporaryDirectory(dir=self.folder) as folder, serve_floor(Path(folder)) as port:
            load = Load(FLOOR, "/")
            warm_up(port, load)
            floor = self.measure(port, load, Path(folder))
        self.results.floors.append(floor)
        print(figure_line("floor (bare Flask, GET /)", floor, floor, self.duration), flush=True)
        return floor

    def run_database(self, database: str, database_url: str, sizes: tuple[int, ...], floor: Figure) -> None:
        app = build_app(database_url)
        now = datetime.now(timezone.utc)
        today = now.astimezone(ZoneInfo(ZONE)).date()
        with in_database(app):
            upgrade()
            ids = seed_practice(now)
            first_day = first_weekday_after(today)
            add_confirmed_in_window(ids, first_day)
            site = Site(ids, first_day, booking_bodies(ids, today, now))
        have = 0
        for size in sizes:
            started = time.perf_counter()
            with in_database(app):
                grow_history(ids, have, size, now)
                hours, time_off = schedule_rows(ids.practitioner)
            if (hours, time_off) != (len(OPEN_WEEKDAYS), 0):
                raise BenchmarkError(f"the practitioner should have {len(OPEN_WEEKDAYS)} weekly hours and no time off")
            have = size
            print(
                f"  {database}, {size:,} bookings (grown in {time.perf_counter() - started:.1f} s; the practitioner's "
                f"weekly hours: {hours} rows, time off: {time_off} rows; {len(site.bookings):,} free slots to POST)",
                flush=True,
            )
            self.run_size(app, database, database_url, size, site, floor)

    def run_size(self, app, database: str, database_url: str, size: int, site: Site, floor: Figure) -> None:
        with tempfile.TemporaryDirectory(dir=self.folder) as folder:
            folder = Path(folder)
            with serve_app(database_url, folder) as port:
                loads = self.get_loads(port, site)
                one_day, fourteen_days = free_slots(port, loads[1]), free_slots(port, loads[2])
                print(f"      free slots: {one_day} on {site.first_day}, {fourteen_days} in the 14 days from it")
                for load in loads:
                    warm_up(port, load)
                    self.record(database, size, load, self.measure(port, load, folder), floor)
                for figure_name in (BOOKING, BOOKING_PAIR):
                    self.run_bookings(app, port, database, size, site, floor, figure_name, folder)

    def run_bookings(self, app, port: int, database: str, size: int, site: Site, floor: Figure, name: str, folder: Path) -> None:
        """POST bookings for the duration, wait for their emails to be sent, then delete them all again."""
        warm_up_bookings(port, site.bookings[:WARM_UP_BOOKINGS])
        load = Load(name, "/api/v1/bookings", site.bookings[WARM_UP_BOOKINGS:], BOOKING_CONNECTIONS[name])
        figure = self.measure(port, load, folder)
        self.record(database, size, load, figure, floor)
        posted = WARM_UP_BOOKINGS + figure.posted
        emails = wait_until_settled(app, site.ids.practice, posted)
        with in_database(app):
            delete_posted_bookings(site.ids.practice)
        print(f"      {posted:,} bookings made, and deleted after; their emails: {describe(emails)}", flush=True)

    def get_loads(self, port: int, site: Site) -> list[Load]:
        day, last = site.first_day.isoformat(), (site.first_day + timedelta(days=13)).isoformat()
        slots = f"/api/v1/slots?service={site.ids.service}&start={day}&end={{end}}&tz={ZONE}"
        constant = "/healthz" if fetch(port, "GET", "/healthz")[0] == 200 else "/api/openapi.json"
        return [
            Load(CONSTANT, constant),
            Load(ONE_DAY, slots.format(end=day)),
            Load(FOURTEEN_DAYS, slots.format(end=last)),
            Load(PAGE, f"/book/bench/bench/{site.ids.service}"),
        ]

    def record(self, database: str, size: int, load: Load, figure: Figure, floor: Figure) -> None:
        self.results.figures[(database, size, load.figure)].append((figure, figure.rate / floor.rate))
        label = f"{load.figure} (GET {load.path})" if load.figure == CONSTANT else load.figure
        if load.bodies:
            label += f" ({load.connections} connection{'s' if load.connections > 1 else ''})"
        print(figure_line(label, figure, floor, self.duration), flush=True)


def wait_until_settled(app, practice_id: int, posted: int) -> Counter:
    """Wait, bounded, until each POST has made its booking and the worker has sent the emails
    they owe; return the emails by status.

    The bookings are counted because a wrk thread that runs out of slots stops without
    reading its last answers: a 409 among them shows only as a booking missing.
    """
    started = time.monotonic()
    while True:
        with in_database(app):
            booked, emails = count_posted_bookings(practice_id), emails_by_status()
        waited = time.monotonic() - started
        if booked != posted and waited > BOOKED_TIMEOUT:
            raise BenchmarkError(f"{BOOKING}: {posted:,} POSTed, but {booked:,} bookings made (409: a slot asked twice?)")
        unsent = emails[OutboxStatus.pending.value] + emails[OutboxStatus.sending.value]
        if booked == posted and (not unsent or waited > DRAIN_TIMEOUT):
            return emails
        time.sleep(0.5)


def describe(emails: Counter) -> str:
    return ", ".join(f"{count:,} {status}" for status, count in sorted(emails.items()))


# --- Databases ---------------------------------------------------------------------------


def fresh_database(database: str, run: int, folder: Path, postgres_url: str | None) -> str:
    """A new, empty database for one run; PostgreSQL's go with the throwaway server at the end."""
    if database == "sqlite":
        return f"sqlite:///{folder}/run{run}.sqlite3"
    name = f"tend_bench_run{run}"
    server = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    server.dispose()
    return postgres_url.rsplit("/", 1)[0] + "/" + name


def start_postgres(stack: ExitStack) -> str | None:
    try:
        return stack.enter_context(throwaway_postgres())
    except PostgresUnavailable as why:
        print(f"PostgreSQL skipped: {why}")
        return None


# --- Report ------------------------------------------------------------------------------


def print_medians(results: Results, databases: list[str], sizes: tuple[int, ...], runs: int) -> None:
    print(f"\nMedians over {runs} run{'s' if runs > 1 else ''}")
    print(f"{'database':<11} {'bookings':>9}  {'figure':<15} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'ratio':>6}")
    floors = results.floors
    floor = (statistics.median(f.rate for f in floors), statistics.median(f.p50_ms for f in floors),
             statistics.median(f.p95_ms for f in floors), 1.0)
    print(row_text("", "", FLOOR, floor))
    for database in databases:
        for size in sizes:
            for figure in APP_FIGURES:
                print(row_text(database, f"{size:,}", figure, results.median(database, size, figure)))


def row_text(database: str, size: str, figure: str, values: tuple[float, float, float, float]) -> str:
    rate, p50, p95, ratio = values
    return f"{database:<11} {size:>9}  {figure:<15} {rate:>8,.0f} {p50:>8.2f} {p95:>8.2f} {ratio:>6.2f}"


def target_lines(results: Results, databases: list[str], sizes: tuple[int, ...]) -> list[str]:
    """One line a target and database: PASS or FAIL, then the medians it was judged on."""
    lines = []
    for database in databases:
        for figure, least in RATIO_TARGETS.items():
            ratios = {size: results.median(database, size, figure)[3] for size in sizes}
            judged = "  ".join(f"{size:,}: {ratio:.3f}" for size, ratio in ratios.items())
            met = min(ratios.values()) >= least[database]
            lines.append(verdict(met, database, f"{figure} ratio ≥ {least[database]:.2f}", judged))
        if len(sizes) > 1:
            fewest, most = sizes[0], sizes[-1]
            for figure in APP_FIGURES:
                before, after = (results.median(database, size, figure)[0] for size in (fewest, most))
                change = after / before - 1
                lines.append(
                    verdict(
                        abs(change) <= STEADY_WITHIN, database,
                        f"{figure} req/s within {STEADY_WITHIN:.0%} from {fewest:,} to {most:,} bookings",
                        f"{before:,.0f} → {after:,.0f} ({change:+.1%})",
                    )
                )
        if database in BOOKING_P95_TARGET_MS:
            most = BOOKING_P95_TARGET_MS[database]
            p95s = {size: results.median(database, size, BOOKING)[2] for size in sizes}
            judged = "  ".join(f"{size:,}: {p95:.1f} ms" for size, p95 in p95s.items())
            lines.append(verdict(max(p95s.values()) < most, database, f"{BOOKING} p95 < {most:g} ms", judged))
    return lines


def verdict(met: bool, database: str, target: str, judged: str) -> str:
    return f"{'PASS' if met else 'FAIL'}  {database:<11} {target:<52} {judged}"


# --- Main --------------------------------------------------------------------------------


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 3 s a figure, one run, 0 and 10 000 bookings")
    parser.add_argument("--runs", type=int, help="how many times to measure everything (3)")
    parser.add_argument("--duration", type=int, help="seconds of load a figure (15)")
    parser.add_argument("--sizes", type=sizes_list, help="numbers of bookings, grown in this order (0,10000,100000)")
    parser.add_argument("--databases", type=databases_list, default=list(DATABASES), help="sqlite,postgresql")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto", help="wrk if installed (auto)")
    args = parser.parse_args()
    for name, value in (QUICK if args.quick else DEFAULTS).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.runs < 1 or args.duration < 1:
        parser.error("--runs and --duration must be at least 1")
    if args.client == "wrk" and shutil.which("wrk") is None:
        parser.error("wrk is not installed")
    return args


def sizes_list(value: str) -> tuple[int, ...]:
    sizes = sorted({int(size) for size in value.split(",")})
    if sizes[0] < 0:
        raise argparse.ArgumentTypeError("a size is a number of bookings, 0 or more")
    return tuple(sizes)


def databases_list(value: str) -> list[str]:
    databases = list(dict.fromkeys(name.strip() for name in value.split(",")))
    unknown = set(databases) - set(DATABASES)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown: {', '.join(sorted(unknown))}; choose from {', '.join(DATABASES)}")
    return databases


def stop_on_sigterm(signum, frame) -> None:
    # Raised, so that every `finally` stops its children and removes its files.
    raise KeyboardInterrupt


def main() -> None:
    args = parse_arguments()
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    started = time.monotonic()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tend-http-bench-")))
        bench = Bench(args, folder)
        postgres_url = start_postgres(stack) if "postgresql" in args.databases else None
        databases = [d for d in args.databases if d == "sqlite" or postgres_url]
        client = f"wrk, {WRK_THREADS} threads" if bench.use_wrk else "Python client processes"
        print(
            f"gunicorn, {GUNICORN_WORKERS} sync workers; {CONNECTIONS} connections, fewer for bookings "
            f"({client}), {args.duration} s a figure; "
            f"{args.runs} run{'s' if args.runs > 1 else ''}; bookings {', '.join(f'{s:,}' for s in args.sizes)}"
        )
        for run in range(1, args.runs + 1):
            print(f"\nRun {run} of {args.runs}", flush=True)
            floor = bench.run_floor()
            for database in databases:
                with tempfile.TemporaryDirectory(dir=folder) as run_folder:
                    url = fresh_database(database, run, Path(run_folder), postgres_url)
                    bench.run_database(database, url, args.sizes, floor)
    print_medians(bench.results, databases, args.sizes, args.runs)
    print("\nTargets")
    for line in target_lines(bench.results, databases, args.sizes):
        print(line)
    print(f"\nTook {(time.monotonic() - started) / 60:.1f} minutes.")


if __name__ == "__main__":
    try:
        main()
    except BenchmarkError as error:
        sys.exit(f"benchmark stopped: {error}")
    except KeyboardInterrupt:
        sys.exit("interrupted: servers stopped, temporary files removed")
