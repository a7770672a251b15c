"""Write transactions: an operation that writes takes SQLite's write lock before it reads, and nothing holds it around a password hash."""
import json
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url

from practice.accounts.models import Practitioner
from practice.booking.models import Booking
from practice.extensions import begin_write_transaction, db
from tests.factories import make_practitioner, make_service, make_weekly_hours
from tests.live_server import serving

LOGINS = 20
BOOKINGS = 10


def _write_from_another_connection(database_path: str, done: threading.Event) -> None:
    connection = sqlite3.connect(database_path, timeout=15)
    try:
        connection.execute("UPDATE practitioner SET bio = 'written by the worker'")
        connection.commit()
    finally:
        connection.close()
        done.set()


def test_a_write_transaction_takes_the_lock_before_it_reads(app):
    with app.app_context():
        make_practitioner()
    database_path = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    with app.app_context():
        begin_write_transaction()
        db.session.scalar(select(Practitioner.id))
        worker_done = threading.Event()
        worker = threading.Thread(target=_write_from_another_connection, args=(database_path, worker_done))
        worker.start()
        # Holding the write lock, this transaction makes the other writer wait for its commit.
        assert not worker_done.wait(0.5)
        db.session.execute(update(Practitioner).values(bio="written by the operation"))
        db.session.commit()
        worker.join(20)
    assert worker_done.is_set()


def _post(url: str, data: bytes, content_type: str) -> tuple[int, float]:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": content_type}, method="POST")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.monotonic() - started


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_storm_of_failed_logins_never_holds_up_bookings(make_app, backend):
    """20 failed logins (each an scrypt hash) at once with 10 bookings: every booking answers within a second (or half the storm)."""
    app = make_app(backend, SERVER_NAME=None)
    with app.app_context():
        practitioner = make_practitioner(min_notice_minutes=0)
        make_weekly_hours(practitioner, start=datetime.min.time(), end=datetime.max.time().replace(microsecond=0))
        service = make_service(practitioner, duration_minutes=30, slot_step_minutes=30)
        email, service_id = practitioner.email, service.id
    first = (datetime.now(timezone.utc) + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    results: dict[str, list] = {"login": [], "booking": []}

    def fail_to_log_in(base_url: str) -> None:
        form = urlencode({"email": email, "password": "not the password at all"}).encode()
        results["login"].append(_post(f"{base_url}/login", form, "application/x-www-form-urlencoded"))

    def book(base_url: str, n: int) -> None:
        body = {
            "service": service_id, "start": (first + timedelta(minutes=30 * n)).isoformat(),
            "name": f"Client {n}", "email": f"client{n}@example.org", "timezone": "Europe/London",
        }
        results["booking"].append(_post(f"{base_url}/api/v1/bookings", json.dumps(body).encode(), "application/json"))

    with serving(app) as base_url:
        # One of each first, so templates are compiled before the storm: it measures contention, not warm-up.
        fail_to_log_in(base_url)
        book(base_url, BOOKINGS)
        results = {"login": [], "booking": []}
        threads = [threading.Thread(target=fail_to_log_in, args=(base_url,)) for _ in range(LOGINS)]
        threads += [threading.Thread(target=book, args=(base_url, n)) for n in range(BOOKINGS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

    assert [status for status, _ in results["login"]] == [401] * LOGINS
    assert sorted(status for status, _ in results["booking"]) == [201] * BOOKINGS
    slowest = max(seconds for _, seconds in results["booking"])
    storm = max(seconds for _, seconds in results["login"])
    # Held behind the hashes, a booking would end with the storm; on a machine busy enough to slow
    # everything, half the storm still tells the two apart where one second would not.
    assert slowest < max(1.0, storm / 2), f"a booking took {slowest:.2f} s while logins took up to {storm:.2f} s"
    with app.app_context():
        assert db.session.scalar(select(func.count(Booking.id))) == BOOKINGS + 1
