"""A request that changes something waits for a concurrent write on SQLite instead of failing."""
import sqlite3
import threading

from sqlalchemy import select, update
from sqlalchemy.engine import make_url

from practice.accounts.models import Practitioner
from practice.extensions import db
from tests.factories import make_practitioner


def _write_from_another_connection(database_path: str, done: threading.Event) -> None:
    connection = sqlite3.connect(database_path, timeout=15)
    try:
        connection.execute("UPDATE practitioner SET bio = 'written by the worker'")
        connection.commit()
    finally:
        connection.close()
        done.set()


def test_a_post_request_takes_the_write_lock_before_it_reads(app):
    with app.app_context():
        make_practitioner()
    database_path = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    with app.test_request_context("/admin/profile", method="POST"):
        app.preprocess_request()
        db.session.scalar(select(Practitioner.id))
        worker_done = threading.Event()
        worker = threading.Thread(target=_write_from_another_connection, args=(database_path, worker_done))
        worker.start()
        # Holding the write lock, this request makes the other writer wait for its commit.
        assert not worker_done.wait(0.5)
        db.session.execute(update(Practitioner).values(bio="written by the request"))
        db.session.commit()
        worker.join(20)
    assert worker_done.is_set()
