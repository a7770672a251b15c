"""Time the booking request with a mail server that answers at once, and with one that takes 5 s a message.

Run from the project root: .venv/bin/python benchmarks/booking_latency.py [--requests N]

A booking writes its emails to the outbox and a worker sends them after the commit, so
the request should not notice how slow the mail server is: the ratio of the medians (slow
server / quick server) should stay at or under 1.2.

Each scenario is a deployment of its own: a fresh SQLite database and queue, the web app
(`flask run`) and a worker (`huey_consumer`) as separate processes, and a real SMTP
server (aiosmtpd) in this process. Requests alternate between the two deployments, so a
busy machine slows both alike.
"""
import sys
from pathlib import Path

# Run as a script, this folder would come first on the path, and its http.py would shadow the
# standard library's http (imported by http.client, urllib and Flask): the project root goes there.
PROJECT = Path(__file__).resolve().parent.parent
sys.path[0] = str(PROJECT)

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from contextlib import ExitStack, contextmanager  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import datetime, timedelta, timezone  # noqa: E402
from datetime import time as clock  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from flask_migrate import upgrade  # noqa: E402

from practice import create_app  # noqa: E402
from practice.extensions import db  # noqa: E402
from tests.factories import make_practitioner, make_service, make_weekly_hours  # noqa: E402
from tests.notifications.support import CollectingHandler, SmtpServer, free_port, wait_until  # noqa: E402

ZONE = "Europe/London"
#: Only ever seals this benchmark's own throwaway data.
DATA_KEY = "Xz80qyBg76ACGCUBJ3uEJnVQ__YbsJvCDlyjGYbbo-M="
SCENARIOS = (("answers at once", 0.0), ("waits 5 s a message", 5.0))
WARM_UP = 5
TARGET_RATIO = 1.2
OPENING_HOURS = range(9, 17)
BIN = Path(sys.executable).parent


@dataclass
class Deployment:
    label: str
    smtp: SmtpServer
    port: int
    service_id: int

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)


def migrate_and_seed(database_url: str) -> int:
    """Migrate a fresh database and add one practitioner open 09:00–17:00 daily; return the service id."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "benchmark-only", "PRACTICE_DATA_KEYS": DATA_KEY})
    with app.app_context():
        upgrade()
        practitioner = make_practitioner(timezone=ZONE, practice_name="Benchmark Practice")
        make_weekly_hours(practitioner, start=clock(OPENING_HOURS.start), end=clock(OPENING_HOURS.stop))
        service_id = make_service(practitioner).id
        db.engine.dispose()
    return service_id


def environment(folder: Path, smtp: SmtpServer) -> dict:
    """What both processes of a deployment read: its database, its queue, its mail server."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder}/tend.sqlite3",
        "HUEY_SQLITE_PATH": str(folder / "huey.sqlite3"),
        "MAIL_SERVER": smtp.host,
        "MAIL_PORT": str(smtp.port),
        "MAIL_USE_TLS": "0",
        "MAIL_DEFAULT_SENDER": "bookings@benchmark.test",
        "SECRET_KEY": "benchmark-only",
        "PRACTICE_DATA_KEYS": DATA_KEY,
        "RATELIMIT_ENABLED": "0",
        "FLASK_APP": "app.py",
    }
    env.pop("REDIS_URL", None)
    return env


@contextmanager
def process(command: list[str], env: dict, stop_signal: int):
    child = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield child
    finally:
        child.send_signal(stop_signal)
        child.wait(timeout=30)


@contextmanager
def smtp_server(delay: float):
    server = SmtpServer(CollectingHandler(delay=delay)).start()
    try:
        yield server
    finally:
        server.stop()


def deploy(stack: ExitStack, label: str, delay: float) -> Deployment:
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
    smtp = stack.enter_context(smtp_server(delay))
    service_id = migrate_and_seed(f"sqlite:///{folder}/tend.sqlite3")
    env = environment(folder, smtp)
    port = free_port()
    web = [str(BIN / "flask"), "run", "--host", "127.0.0.1", "--port", str(port)]
    consumer = [str(BIN / "huey_consumer"), "practice.worker.huey", "--workers", "4", "--max-delay", "0.5"]
    stack.enter_context(process(web, env, signal.SIGTERM))
    # SIGTERM stops the worker at once: the slow server's backlog is not what is measured.
    stack.enter_context(process(consumer, env, signal.SIGTERM))
    deployment = Deployment(label, smtp, port, service_id)
    if not wait_until(lambda: _answers(deployment), timeout=30):
        raise RuntimeError(f"the web server for '{label}' did not start")
    return deployment


def _answers(deployment: Deployment) -> bool:
    connection = deployment.connection()
    try:
        connection.request("GET", "/api/v1/services")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def free_starts(count: int) -> list[datetime]:
    """`count` distinct hourly starts from the day after tomorrow, each bookable once."""
    first_day = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=2)
    starts, day = [], 0
    while len(starts) < count:
        for hour in OPENING_HOURS:
            local = datetime.combine(first_day + timedelta(days=day), clock(hour), tzinfo=ZoneInfo(ZONE))
            starts.append(local.astimezone(timezone.utc))
        day += 1
    return starts[:count]


def book(deployment: Deployment, start: datetime, n: int) -> float:
    """POST /api/v1/bookings; return the milliseconds until the whole answer is in."""
    body = json.dumps(
        {"service": deployment.service_id, "start": start.isoformat(), "name": f"Client {n}",
         "email": f"client{n}@example.org", "timezone": ZONE}
    )
    connection = deployment.connection()
    try:
        connection.connect()
        started = time.perf_counter()
        connection.request("POST", "/api/v1/bookings", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        elapsed = (time.perf_counter() - started) * 1000
    finally:
        connection.close()
    if response.status != 201:
        raise RuntimeError(f"booking refused with HTTP {response.status}")
    return elapsed


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    starts = free_starts(WARM_UP + args.requests)
    with ExitStack() as stack:
        deployments = [deploy(stack, label, delay) for label, delay in SCENARIOS]
        timings = {d.label: [] for d in deployments}
        for n, start in enumerate(starts):
            for deployment in deployments:
                elapsed = book(deployment, start, n)
                if n >= WARM_UP:
                    timings[deployment.label].append(elapsed)
        received = {d.label: len(d.smtp.received) for d in deployments}

    print(f"POST /api/v1/bookings over loopback HTTP, {args.requests} bookings each, a worker process sending")
    print(f"{'SMTP server':>22} {'median ms':>10} {'p95 ms':>8} {'emails sent meanwhile':>22}")
    for label, values in timings.items():
        print(f"{label:>22} {statistics.median(values):>10.2f} {p95(values):>8.2f} {received[label]:>22}")
    quick, slow = (timings[label] for label, _ in SCENARIOS)
    ratio = statistics.median(slow) / statistics.median(quick)
    print(f"ratio slow/quick: median {ratio:.2f}, p95 {p95(slow) / p95(quick):.2f}")
    print(f"target (median ratio ≤ {TARGET_RATIO:g}): {'met' if ratio <= TARGET_RATIO else 'MISSED'}")


if __name__ == "__main__":
    main()
