"""The job queue: Huey tasks that send the outbox, owe reminders, end lapsed holds, send owed refunds and erase expired records.

Run the consumer with `huey_consumer practice.worker.huey`. Importing this module starts
nothing and opens nothing (it only sets the process's umask): the queue file or Redis
connection is made on first use, and the Flask app the tasks run in is created by the
first task a worker process runs.
"""
import logging
import threading
from datetime import datetime, timezone
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import Huey, RedisHuey, crontab
from huey.storage import SqliteStorage

from practice import create_app
from practice.accounts import service as accounts
from practice.booking import service as booking_service
from practice.config import default_instance_path, queue_settings_from_environment
from practice.notifications import delivery, reminders
from practice.notifications import service as notifications
from practice.payments import service as payments
from practice.privacy import service as privacy
from practice.security.file_modes import keep_new_files_private

log = logging.getLogger(__name__)

# The consumer opens the queue file before its first task creates an app: files it
# creates hold clients' details too, so they are the owner's only from the start.
keep_new_files_private()


class LazySqliteStorage(SqliteStorage):
    """Huey's SQLite storage, creating its folder, file and tables on first use, not on import."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, create_tables=False, **kwargs)

    def _create_connection(self):
        Path(self.filename).parent.mkdir(parents=True, exist_ok=True)
        connection = super()._create_connection()
        for statement in self.ddl:
            connection.execute(statement)
        return connection


def build_huey(settings: dict) -> Huey:
    """RedisHuey when REDIS_URL is set, so many web and worker hosts share one queue;
    otherwise SQLite under instance/, so `make run` needs no server."""
    if settings["REDIS_URL"]:
        return RedisHuey(settings["HUEY_NAME"], url=settings["REDIS_URL"], results=False)
    return Huey(
        settings["HUEY_NAME"],
        results=False,
        storage_class=LazySqliteStorage,
        filename=settings["HUEY_SQLITE_PATH"],
        # No fsync per enqueue: the outbox row, written with the booking, is the promise and the
        # queue only makes it prompt (after_commit.py); a task lost with the power, the sweep sends.
        fsync=False,
    )


huey = build_huey(queue_settings_from_environment(default_instance_path()))


class _TaskApp:
    """The Flask app tasks run in: one per worker process, created when first needed."""

    def __init__(self):
        self._app: Flask | None = None
        self._lock = threading.Lock()

    def get(self) -> Flask:
        with self._lock:
            if self._app is None:
                self._app = create_app()
            return self._app

    def use(self, app: Flask | None) -> None:
        """Run tasks in `app` from now on (tests); None goes back to creating one."""
        with self._lock:
            self._app = app


task_app = _TaskApp()


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _app_context():
    # A task Huey runs at once (immediate mode, as in tests) runs in the caller's app; in a
    # consumer process there is none, and the worker's own app is used.
    app = current_app._get_current_object() if has_app_context() else task_app.get()
    return app.app_context()


@huey.task()
def send_outbox_message(message_id: int) -> None:
    """Send one message; queued after the commit that wrote it."""
    with _app_context():
        delivery.deliver(message_id, now=_now())


@huey.task()
def issue_refund(refund_id: int) -> None:
    """Ask Stripe for one refund; queued after the commit that recorded it as owed."""
    with _app_context():
        payments.issue_refund(refund_id, now=_now())


@huey.task()
def password_reset_requested(email: str) -> None:
    """Owe a reset link if the address has an account: decided here, so the form answers alike for any address."""
    with _app_context():
        accounts.request_password_reset(email, secret_key=current_app.config["SECRET_KEY"], now=_now())


@huey.periodic_task(crontab(minute="*"))
def sweep_outbox() -> None:
    """Send whatever is due: retries, messages whose enqueue was lost, abandoned claims."""
    with _app_context():
        outcomes = delivery.sweep(now=_now())
    done = {outcome.value: count for outcome, count in outcomes.items() if count}
    if done:
        log.info("outbox sweep: %s", done)


@huey.periodic_task(crontab(minute="*"))
def owe_due_reminders() -> None:
    """Owe the reminders that have come due; the after-commit hook queues their sending."""
    with _app_context():
        reminders.owe_due_reminders(now=_now())


@huey.periodic_task(crontab(minute="*"))
def expire_stale_holds() -> None:
    with _app_context():
        booking_service.expire_stale_holds(now=_now())


@huey.periodic_task(crontab(minute="*"))
def issue_owed_refunds() -> None:
    """Ask Stripe for the refunds a cancellation owes, and again about those it left pending."""
    with _app_context():
        payments.issue_owed_refunds(now=_now())


@huey.periodic_task(crontab(minute="7"))
def drop_sent_content() -> None:
    """Hourly: forget who old messages went to and what they said."""
    with _app_context():
        notifications.drop_sent_content(now=_now())


@huey.periodic_task(crontab(hour="3", minute="23"))
def purge_expired() -> None:
    """Daily, at night: erase the clients whose practice's retention period has ended."""
    with _app_context():
        erased = privacy.purge_expired(now=_now())
    if erased:
        log.info("retention purge: %d client records erased", erased)
