"""SQLite's writers take turns through a flock beside the database, let go the moment a write transaction ends."""
import fcntl
import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from practice.extensions import begin_write_transaction, db
from tests.factories import make_practitioner


def turn_is_free(app) -> bool:
    database = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    with open(f"{database}-writers", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(lock, fcntl.LOCK_UN)
        return True


@pytest.mark.parametrize("ending", ["commit", "rollback", "close"])
def test_the_turn_is_held_while_writing_and_let_go_when_the_transaction_ends(app, ending):
    with app.app_context():
        make_practitioner()
        begin_write_transaction()
        db.session.execute(text("UPDATE practitioner SET bio = 'written'"))

        assert not turn_is_free(app)
        getattr(db.session, ending)()

        assert turn_is_free(app)


def test_a_reading_transaction_takes_no_turn(app):
    with app.app_context():
        make_practitioner()
        db.session.execute(text("SELECT count(*) FROM practitioner")).scalar()

        assert turn_is_free(app)


def test_the_next_writer_starts_on_what_the_first_committed(app):
    with app.app_context():
        make_practitioner()
    seen = []
    first_has_turn = threading.Event()

    def first():
        with app.app_context():
            begin_write_transaction()
            first_has_turn.set()
            db.session.execute(text("UPDATE practitioner SET bio = 'first'"))
            time.sleep(0.2)
            db.session.commit()

    def second():
        first_has_turn.wait(5)
        with app.app_context():
            begin_write_transaction()
            seen.append(db.session.execute(text("SELECT bio FROM practitioner")).scalar())
            db.session.rollback()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert seen == ["first"]
