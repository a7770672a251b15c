"""The job queue: what importing it does, what a commit queues, and tasks run by real consumers."""
import logging
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from huey import RedisHuey
from huey.storage import RedisStorage
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import select, update

from practice import worker
from practice.config import default_instance_path, queue_settings_from_environment
from practice.extensions import db
from practice.notifications import service as notifications
from practice.booking.models import Booking, BookingStatus
from practice.notifications.models import MessageKind, OutboxMessage, OutboxStatus
from tests.factories import make_practitioner
from tests.notifications.support import (
    FROZEN_NOW, SENDER, at, book_at, free_port, make_hold, new_outbox_message, offer, run_queued_tasks, wait_until,
)

PROJECT = Path(__file__).resolve().parents[2]
REDIS_SERVER = "/usr/bin/redis-server"


@pytest.fixture
def queueing_app(make_app, tmp_path):
    """An app that queues a send task after each commit owing mail, and writes mail to files."""
    return make_app(
        MAIL_SERVER="", MAIL_DEFAULT_SENDER=SENDER, MAIL_FILE_DIR=str(tmp_path / "mail"), OUTBOX_ENQUEUE=True
    )


def statuses(app) -> list[OutboxStatus]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


def test_importing_the_worker_creates_no_file_and_no_app(tmp_path):
    queue_file = tmp_path / "queue" / "huey.sqlite3"
    probe = (
        "import threading, practice.worker as w; "
        "assert w.task_app._app is None; "
        "assert threading.active_count() == 1"
    )
    env = {**os.environ, "HUEY_SQLITE_PATH": str(queue_file)}
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "-c", probe], cwd=PROJECT, env=env, check=True, timeout=60)
    assert not queue_file.parent.exists()


def test_the_queue_is_sqlite_by_default_and_redis_when_redis_url_is_set(tmp_path):
    sqlite_huey = worker.build_huey({"REDIS_URL": "", "HUEY_NAME": "t", "HUEY_SQLITE_PATH": str(tmp_path / "q.sqlite3")})
    redis_huey = worker.build_huey({"REDIS_URL": "redis://127.0.0.1:1/0", "HUEY_NAME": "t", "HUEY_SQLITE_PATH": ""})
    assert isinstance(sqlite_huey.storage, worker.LazySqliteStorage)
    assert isinstance(redis_huey, RedisHuey)
    sqlite_huey.storage.close()
    redis_huey.storage.conn.close()


def test_the_default_queue_file_is_under_instance(monkeypatch):
    for name in ("REDIS_URL", "HUEY_SQLITE_PATH"):
        monkeypatch.delenv(name, raising=False)
    default = worker.build_huey(queue_settings_from_environment(default_instance_path()))
    assert default.storage.filename == str(PROJECT / "instance" / "huey.sqlite3")


def test_a_commit_that_owes_mail_queues_one_send_per_message(queueing_app, private_queue):
    offered = offer(queueing_app)
    book_at(queueing_app, offered, at(1, 10))
    assert private_queue.pending_count() == 2


def test_a_rolled_back_change_queues_nothing(queueing_app, private_queue):
    with queueing_app.app_context():
        practitioner = make_practitioner()
        db.session.add(new_outbox_message(practitioner))
        db.session.flush()
        db.session.rollback()
        db.session.commit()
    assert private_queue.pending_count() == 0


def test_tests_queue_nothing_unless_they_ask(app, private_queue):
    offered = offer(app)
    book_at(app, offered, at(1, 10))
    assert statuses(app) == [OutboxStatus.pending, OutboxStatus.pending]
    assert private_queue.pending_count() == 0


def test_send_again_queues_the_message_at_once(queueing_app, private_queue):
    offered = offer(queueing_app)
    book_at(queueing_app, offered, at(1, 10))
    private_queue.flush()
    with queueing_app.app_context():
        db.session.execute(update(OutboxMessage).values(status=OutboxStatus.failed, attempts=8))
        db.session.commit()
        message_id = db.session.scalars(select(OutboxMessage.id)).first()
        assert notifications.retry_message(message_id, now=FROZEN_NOW)
    assert private_queue.pending_count() == 1


def test_a_queued_send_runs_in_the_task_app_and_delivers(queueing_app, private_queue):
    offered = offer(queueing_app)
    _book_soon(queueing_app, offered)
    worker.task_app.use(queueing_app)

    assert run_queued_tasks(private_queue) == 2
    assert statuses(queueing_app) == [OutboxStatus.sent, OutboxStatus.sent]


def _book_soon(app, offered) -> int:
    # Tasks use the real clock, so the booking's mail must be due by now: book at real time.
    now = datetime.now(timezone.utc)
    start = (now + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    return book_at(app, offered, start, now=now)


def test_a_queue_that_is_down_never_fails_the_booking_and_the_sweep_sends_later(queueing_app, caplog):
    offered = offer(queueing_app)
    down = RedisStorage(worker.huey.name, url=f"redis://127.0.0.1:{free_port()}/0")
    real_storage, worker.huey.storage = worker.huey.storage, down
    try:
        with caplog.at_level(logging.WARNING, logger="practice"):
            booking_id = _book_soon(queueing_app, offered)
    finally:
        worker.huey.storage = real_storage
        down.conn.close()

    assert booking_id
    assert [r.getMessage().split(" ", 2)[::2] for r in caplog.records] == [
        ["OutboxMessage", "not queued (ConnectionError); the sweep will find it"]
    ] * 2
    worker.task_app.use(queueing_app)
    worker.huey.execute(worker.sweep_outbox.s())
    assert statuses(queueing_app) == [OutboxStatus.sent, OutboxStatus.sent]


def test_every_periodic_task_runs_every_minute():
    minute = datetime(2030, 3, 4, 8, 17)
    names = {task.name for task in worker.huey.read_periodic(minute)}
    assert names == {"sweep_outbox", "owe_due_reminders", "expire_stale_holds", "issue_owed_refunds"}


def test_sent_content_is_dropped_once_an_hour():
    def runs_at(minute: int) -> bool:
        return "drop_sent_content" in {task.name for task in worker.huey.read_periodic(datetime(2030, 3, 4, 8, minute))}

    assert [minute for minute in range(60) if runs_at(minute)] == [7]


def test_the_hourly_task_drops_the_content_of_messages_sent_over_a_fortnight_ago(app):
    now = datetime.now(timezone.utc)
    with app.app_context():
        practitioner = make_practitioner()
        long_ago = now - notifications.SENT_CONTENT_KEPT - timedelta(hours=1)
        old = new_outbox_message(practitioner, status=OutboxStatus.sent, created_at=long_ago, sent_at=long_ago)
        recent = new_outbox_message(practitioner, status=OutboxStatus.sent, created_at=now, sent_at=now)
        db.session.add_all([old, recent])
        db.session.commit()
        old_id, recent_id = old.id, recent.id
    worker.task_app.use(app)

    worker.huey.execute(worker.drop_sent_content.s())

    with app.app_context():
        assert db.session.get(OutboxMessage, old_id).body_text == ""
        assert db.session.get(OutboxMessage, old_id).content_dropped_at is not None
        assert db.session.get(OutboxMessage, recent_id).body_text == "See you soon."


def test_the_periodic_tasks_do_their_work_in_the_task_app(queueing_app, private_queue):
    offered = offer(queueing_app, reminder_hours=168)
    now = datetime.now(timezone.utc)
    # Booked a week ago, so its reminder (a week before) is due now and was not yet owed.
    start = (now + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    book_at(queueing_app, offered, start, now=now - timedelta(days=7))
    lapsed_id = make_hold(queueing_app, offered, now + timedelta(days=3), expires_at=now - timedelta(minutes=1))
    private_queue.flush()
    worker.task_app.use(queueing_app)

    for task in (worker.expire_stale_holds, worker.owe_due_reminders, worker.sweep_outbox):
        worker.huey.execute(task.s())

    with queueing_app.app_context():
        assert db.session.get(Booking, lapsed_id).status is BookingStatus.cancelled
        kinds = dict(db.session.execute(select(OutboxMessage.kind, OutboxMessage.status)).all())
    assert kinds[MessageKind.booking_reminder] is OutboxStatus.sent
    assert set(kinds.values()) == {OutboxStatus.sent}


@pytest.fixture
def redis_url(tmp_path):
    """A redis-server of this test's own on a free loopback port."""
    if not Path(REDIS_SERVER).exists():
        pytest.skip(f"{REDIS_SERVER} is missing (Debian package redis-server)")
    port = free_port()
    server = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    probe = Redis(host="127.0.0.1", port=port)
    try:
        assert wait_until(lambda: _answers(probe), timeout=10), "redis-server did not start"
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        probe.close()
        server.terminate()
        server.wait(timeout=10)


def _answers(redis: Redis) -> bool:
    try:
        return redis.ping()
    except RedisConnectionError:
        return False


def test_a_send_goes_through_a_redis_queue(queueing_app, redis_url):
    redis_storage = RedisStorage(worker.huey.name, url=redis_url)
    real_storage, worker.huey.storage = worker.huey.storage, redis_storage
    try:
        offered = offer(queueing_app)
        _book_soon(queueing_app, offered)
        queued = worker.huey.pending_count()
        worker.task_app.use(queueing_app)
        ran = run_queued_tasks(worker.huey)
    finally:
        worker.huey.storage = real_storage
        redis_storage.conn.close()
    assert (queued, ran) == (2, 2)
    assert statuses(queueing_app) == [OutboxStatus.sent, OutboxStatus.sent]


def test_a_real_consumer_process_sends_what_a_booking_queued(queueing_app, private_queue, tmp_path):
    offered = offer(queueing_app)
    _book_soon(queueing_app, offered)
    consumer = subprocess.Popen(
        [str(Path(sys.executable).with_name("huey_consumer")), "practice.worker.huey", "--workers", "2", "--no-periodic"],
        cwd=PROJECT,
        env={
            **{k: v for k, v in os.environ.items() if k != "REDIS_URL"},
            "HUEY_SQLITE_PATH": private_queue.storage.filename,
            "DATABASE_URL": queueing_app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": queueing_app.config["SECRET_KEY"],
            # The test app's data key, so the consumer can open the sealed outbox rows it sends.
            "PRACTICE_DATA_KEYS": queueing_app.config["PRACTICE_DATA_KEYS"],
            "MAIL_SERVER": "",
            "MAIL_FILE_DIR": queueing_app.config["MAIL_FILE_DIR"],
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        delivered = wait_until(lambda: statuses(queueing_app) == [OutboxStatus.sent] * 2, timeout=20)
    finally:
        consumer.send_signal(signal.SIGINT)
        consumer.wait(timeout=20)
    assert delivered
    assert len(list(Path(queueing_app.config["MAIL_FILE_DIR"]).glob("*.eml"))) == 2
