"""Time GET /api/v1/slots as one practitioner's booking history grows from 0 to 100 000.

Run from the project root: .venv/bin/python benchmarks/slots.py [--requests N]

The engine should cost what the window asks for, not what the past holds (DESIGN.md,
invariant 2), so the median at 100 000 past bookings should stay within 1.5× the median
at none, and under 10 ms.
"""
import sys
from pathlib import Path

# Run as a script, this folder would come first on the path, and its http.py would shadow the
# standard library's http (imported by http.client, urllib and Flask): the project root goes there.
PROJECT = Path(__file__).resolve().parent.parent
sys.path[0] = str(PROJECT)

import argparse  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import datetime, timedelta, timezone  # noqa: E402
from datetime import time as clock  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from practice import create_app  # noqa: E402
from practice.accounts.models import Membership, Practice, Practitioner, Role  # noqa: E402
from practice.booking.models import Booking, BookingStatus  # noqa: E402
from practice.catalog.models import Service, ServiceStatus  # noqa: E402
from practice.clients.models import Client  # noqa: E402
from practice.extensions import db  # noqa: E402
from practice.scheduling.models import WeeklyHours  # noqa: E402

HISTORY_SIZES = (0, 1_000, 10_000, 100_000)
WINDOW_DAYS = 14
HISTORY_DAYS = 3 * 365
UPCOMING_BOOKINGS = 12
CHUNK = 5_000
WARM_UP = 20
ZONE = "Europe/London"
TARGET_MEDIAN_MS = 10.0
TARGET_RATIO = 1.5
PAST_STATUSES = (BookingStatus.completed,) * 8 + (BookingStatus.cancelled, BookingStatus.no_show)


def build_app(folder: str):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/benchmark.sqlite3",
            "SECRET_KEY": "benchmark-only",
            "PRACTICE_DATA_KEYS": "Xz80qyBg76ACGCUBJ3uEJnVQ__YbsJvCDlyjGYbbo-M=",
            "RATELIMIT_ENABLED": False,
            "SERVER_NAME": "localhost",
        }
    )
    with app.app_context():
        upgrade()
    return app


def seed_practice() -> tuple[int, int, int, int]:
    """A practitioner open 09:00–17:00 every day with one 60-minute service every 30 minutes, and one client."""
    now = datetime.now(timezone.utc)
    practice = Practice(
        name="Benchmark Practice", slug="bench", timezone=ZONE, min_notice_minutes=0, max_advance_days=60, created_at=now
    )
    practitioner = Practitioner(email="bench@example.org", name="Bench Marker", slug="bench", password_hash="not-used")
    db.session.add_all([practice, practitioner, Membership(practice=practice, practitioner=practitioner, role=Role.owner)])
    db.session.flush()
    # One client for every booking: who booked costs the engine nothing, so one stands in for all.
    client = Client(practice_id=practice.id, email="client@example.org", name="A client", created_at=now, updated_at=now)
    db.session.add(client)
    for weekday in range(7):
        db.session.add(WeeklyHours(practitioner_id=practitioner.id, weekday=weekday, start_time=clock(9), end_time=clock(17)))
    service = Service(
        practice_id=practice.id,
        practitioner_id=practitioner.id,
        name="Restorative massage",
        duration_minutes=60,
        price_cents=7000,
        buffer_after_minutes=15,
        slot_step_minutes=30,
        status=ServiceStatus.published,
    )
    db.session.add(service)
    db.session.commit()
    return practice.id, practitioner.id, service.id, client.id


def booking_row(n: int, ids: tuple[int, int, int, int], start: datetime, status: BookingStatus) -> dict:
    practice_id, practitioner_id, service_id, client_id = ids
    end = start + timedelta(minutes=60)
    return {
        "public_id": f"bench-{n}",
        "practice_id": practice_id,
        "client_id": client_id,
        "practitioner_id": practitioner_id,
        "service_id": service_id,
        "status": status,
        "starts_at": start,
        "ends_at": end,
        "blocked_start": start,
        "blocked_end": end + timedelta(minutes=15),
        "is_group": False,
        "seats": 1,
        "client_note": "",
        "client_timezone": ZONE,
        "created_at": start - timedelta(days=7),
    }


def add_upcoming_bookings(ids: tuple[int, int, int, int], today) -> None:
    """A few bookings inside the window, so the engine has real conflicts to weigh."""
    rows = [
        booking_row(
            -n - 1,
            ids,
            datetime.combine(today + timedelta(days=1 + n), clock(10), ZoneInfo(ZONE)).astimezone(timezone.utc),
            BookingStatus.confirmed,
        )
        for n in range(UPCOMING_BOOKINGS)
    ]
    db.session.execute(insert(Booking), rows)
    db.session.commit()


def add_past_bookings(ids: tuple[int, int, int, int], first_n: int, count: int, now: datetime) -> None:
    """`count` bookings spread over the past three years, inserted in chunks."""
    rng = random.Random(first_n)
    quarter_hours = HISTORY_DAYS * 24 * 4
    for chunk_start in range(first_n, first_n + count, CHUNK):
        rows = [
            booking_row(
                n,
                ids,
                now - timedelta(days=1, minutes=15 * rng.randrange(quarter_hours)),
                rng.choice(PAST_STATUSES),
            )
            for n in range(chunk_start, min(chunk_start + CHUNK, first_n + count))
        ]
        db.session.execute(insert(Booking), rows)
        db.session.commit()


def time_slots(client, query: dict, requests: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per GET /api/v1/slots, after a warm-up.

    CPU time is printed too because a shared machine's load inflates wall-clock time;
    on an idle machine the two agree.
    """
    for _ in range(WARM_UP):
        assert client.get("/api/v1/slots", query_string=query).status_code == 200
    wall, cpu = [], []
    for _ in range(requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get("/api/v1/slots", query_string=query)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200
    return wall, cpu


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = build_app(folder)
        client = app.test_client()
        now = datetime.now(timezone.utc)
        today = now.astimezone(ZoneInfo(ZONE)).date()
        first = today + timedelta(days=1)
        with app.app_context():
            ids = seed_practice()
            add_upcoming_bookings(ids, today)
        service_id = ids[2]
        query = {
            "service": service_id,
            "start": first.isoformat(),
            "end": (first + timedelta(days=WINDOW_DAYS - 1)).isoformat(),
            "tz": ZONE,
        }
        slot_count = len(client.get("/api/v1/slots", query_string=query).get_json()["slots"])
        print(f"GET /api/v1/slots, {WINDOW_DAYS}-day window ({slot_count} free slots), {args.requests} requests each")
        print(f"{'past bookings':>14} {'seeded in':>10} {'median ms':>10} {'p95 ms':>8} {'median CPU ms':>14}")
        medians = {}
        seeded = 0
        for size in HISTORY_SIZES:
            started = time.perf_counter()
            with app.app_context():
                add_past_bookings(ids, seeded, size - seeded, now)
            seeding = time.perf_counter() - started
            seeded = size
            wall, cpu = time_slots(client, query, args.requests)
            medians[size] = statistics.median(wall)
            print(f"{size:>14,} {seeding:>9.1f}s {medians[size]:>10.2f} {p95(wall):>8.2f} {statistics.median(cpu):>14.2f}")
        with app.app_context():
            db.engine.dispose()
    ratio = medians[HISTORY_SIZES[-1]] / medians[0]
    print(f"ratio t({HISTORY_SIZES[-1]:,})/t(0) of medians: {ratio:.2f}")
    met = max(medians.values()) <= TARGET_MEDIAN_MS and ratio <= TARGET_RATIO
    print(f"target (median ≤ {TARGET_MEDIAN_MS:g} ms, ratio ≤ {TARGET_RATIO:g}): {'met' if met else 'MISSED'}")


if __name__ == "__main__":
    main()
