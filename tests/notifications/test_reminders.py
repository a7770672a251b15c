"""Reminders on a frozen clock: due, not due, cancelled, rescheduled, and a worker catching up."""
import threading
from pathlib import Path
from datetime import timedelta

from sqlalchemy import select, update

from practice.accounts.models import Practice
from practice.booking import service as booking_service
from practice.extensions import db
from practice.notifications import delivery, reminders
from practice.notifications.models import MessageKind, OutboxMessage, OutboxStatus
from practice.booking.states import ChangedBy
from tests.notifications.support import FROZEN_NOW, at, book_at, offer

MONDAY_8AM = FROZEN_NOW
TUESDAY_10AM = at(1, 10)


def remind(app, now) -> int:
    with app.app_context():
        return reminders.owe_due_reminders(now=now)


def reminders_owed(app) -> list[tuple[int, str]]:
    """(booking id, status) of every reminder in the outbox, oldest first."""
    with app.app_context():
        rows = db.session.execute(
            select(OutboxMessage.booking_id, OutboxMessage.status)
            .where(OutboxMessage.kind == MessageKind.booking_reminder)
            .order_by(OutboxMessage.id)
        ).all()
        return [(booking_id, status.value) for booking_id, status in rows]


def set_reminder_hours(app, practice_id: int, hours: int | None) -> None:
    with app.app_context():
        db.session.execute(update(Practice).where(Practice.id == practice_id).values(reminder_hours=hours))
        db.session.commit()


def test_a_reminder_is_owed_once_its_time_has_come(app):
    booking_id = book_at(app, offer(app), TUESDAY_10AM)
    assert remind(app, TUESDAY_10AM - timedelta(hours=24)) == 1
    assert reminders_owed(app) == [(booking_id, "pending")]


def test_a_reminder_is_not_owed_before_its_time(app):
    book_at(app, offer(app), TUESDAY_10AM)
    assert remind(app, TUESDAY_10AM - timedelta(hours=24, seconds=1)) == 0
    assert reminders_owed(app) == []


def test_a_reminder_is_owed_only_once_however_often_the_worker_looks(app):
    book_at(app, offer(app), TUESDAY_10AM)
    owed = [remind(app, TUESDAY_10AM - timedelta(hours=hours)) for hours in (24, 20, 12, 1)]
    assert owed == [1, 0, 0, 0]
    assert len(reminders_owed(app)) == 1


def test_the_practice_chooses_how_long_before(app):
    offered = offer(app, reminder_hours=2)
    book_at(app, offered, TUESDAY_10AM)
    assert remind(app, TUESDAY_10AM - timedelta(hours=3)) == 0
    assert remind(app, TUESDAY_10AM - timedelta(hours=2)) == 1


def test_no_reminder_when_the_practice_turned_them_off(app):
    offered = offer(app)
    book_at(app, offered, TUESDAY_10AM)
    set_reminder_hours(app, offered.practice_id, None)
    assert remind(app, TUESDAY_10AM - timedelta(hours=1)) == 0


def test_no_reminder_for_a_cancelled_booking(app):
    booking_id = book_at(app, offer(app), TUESDAY_10AM)
    with app.app_context():
        booking_service.cancel_booking(booking_id, by=ChangedBy.client, now=MONDAY_8AM)
    assert remind(app, TUESDAY_10AM - timedelta(hours=1)) == 0
    assert reminders_owed(app) == []


def test_a_reminder_waiting_to_go_is_superseded_when_the_booking_is_cancelled(app):
    booking_id = book_at(app, offer(app), TUESDAY_10AM)
    remind(app, TUESDAY_10AM - timedelta(hours=24))
    with app.app_context():
        booking_service.cancel_booking(booking_id, by=ChangedBy.practitioner, now=TUESDAY_10AM - timedelta(hours=23))
    assert reminders_owed(app) == [(booking_id, "superseded")]


def test_a_rescheduled_booking_is_reminded_for_its_new_time(app):
    booking_id = book_at(app, offer(app), TUESDAY_10AM)
    remind(app, TUESDAY_10AM - timedelta(hours=24))
    with app.app_context():
        delivery.sweep(now=TUESDAY_10AM - timedelta(hours=24))
    thursday = at(3, 10)
    with app.app_context():
        booking_service.reschedule(booking_id, new_start=thursday, by=ChangedBy.practitioner, now=TUESDAY_10AM - timedelta(hours=23))

    assert remind(app, TUESDAY_10AM - timedelta(hours=1)) == 0
    assert remind(app, thursday - timedelta(hours=24)) == 1
    assert reminders_owed(app) == [(booking_id, "sent"), (booking_id, "pending")]


def test_a_worker_that_was_down_sends_each_due_reminder_once_but_none_for_a_session_under_way(app):
    offered = offer(app)
    started = book_at(app, offered, TUESDAY_10AM, n=1)
    due = [book_at(app, offered, start, n=n) for n, start in enumerate((at(1, 14), at(1, 16), at(2, 10)), start=2)]
    not_yet = book_at(app, offered, at(2, 12), n=5)
    back_up = TUESDAY_10AM + timedelta(hours=1)

    assert remind(app, back_up) == 3
    assert remind(app, back_up + timedelta(minutes=1)) == 0
    owed = {booking_id for booking_id, _ in reminders_owed(app)}
    assert owed == set(due)
    assert started not in owed and not_yet not in owed


def test_two_workers_owe_one_reminder_between_them(any_app):
    offered = offer(any_app)
    booking_ids = [book_at(any_app, offered, at(1, hour), n=hour) for hour in (10, 11, 12, 13)]
    start_together = threading.Barrier(2)
    counts, errors = [], []

    def look() -> None:
        try:
            with any_app.app_context():
                start_together.wait(timeout=10)
                counts.append(reminders.owe_due_reminders(now=MONDAY_8AM + timedelta(hours=12)))
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=look) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(counts) == 4
    assert sorted(booking_id for booking_id, _ in reminders_owed(any_app)) == booking_ids


def test_a_due_reminder_is_delivered_like_any_other_message(app):
    booking_id = book_at(app, offer(app), TUESDAY_10AM)
    due_at = TUESDAY_10AM - timedelta(hours=24)
    remind(app, due_at)
    with app.app_context():
        delivery.sweep(now=due_at)
        statuses = set(db.session.scalars(select(OutboxMessage.status).where(OutboxMessage.booking_id == booking_id)))
    assert statuses == {OutboxStatus.sent}


def test_a_reminder_claimed_after_the_session_started_is_superseded_not_sent(app):
    booking_id = book_at(app, offer(app), TUESDAY_10AM)
    with app.app_context():
        delivery.sweep(now=MONDAY_8AM)
    remind(app, TUESDAY_10AM - timedelta(hours=24))
    mail_dir = Path(app.config["MAIL_FILE_DIR"])
    files_before = set(mail_dir.iterdir())

    with app.app_context():
        outcome = delivery.deliver(reminder_id(app, booking_id), now=TUESDAY_10AM + timedelta(minutes=5))
        reminder = db.session.get(OutboxMessage, reminder_id(app, booking_id))
        assert (reminder.status, reminder.last_error, reminder.sent_at) == (OutboxStatus.superseded, "", None)

    assert outcome is delivery.Outcome.superseded
    assert set(mail_dir.iterdir()) == files_before


def test_a_reminder_for_a_cancelled_booking_is_not_sent_again(app):
    booking_id = book_at(app, offer(app), TUESDAY_10AM)
    remind(app, TUESDAY_10AM - timedelta(hours=24))
    with app.app_context():
        # A reminder that failed mid-send while the booking was cancelled is put back to retry.
        booking_service.cancel_booking(booking_id, by=ChangedBy.practitioner, now=TUESDAY_10AM - timedelta(hours=23))
        db.session.execute(
            update(OutboxMessage).where(OutboxMessage.kind == MessageKind.booking_reminder).values(status=OutboxStatus.pending)
        )
        db.session.commit()

        outcome = delivery.deliver(reminder_id(app, booking_id), now=TUESDAY_10AM - timedelta(hours=22))

    assert outcome is delivery.Outcome.superseded
    assert reminders_owed(app) == [(booking_id, "superseded")]


def reminder_id(app, booking_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(OutboxMessage.id).where(
                OutboxMessage.booking_id == booking_id, OutboxMessage.kind == MessageKind.booking_reminder
            )
        )


def test_no_separate_reminder_for_a_booking_made_inside_its_reminder_window(app):
    booked_at = TUESDAY_10AM - timedelta(hours=5)
    book_at(app, offer(app), TUESDAY_10AM, now=booked_at)
    assert remind(app, booked_at + timedelta(minutes=1)) == 0
    assert reminders_owed(app) == []


def test_no_separate_reminder_for_a_booking_moved_inside_its_reminder_window(app):
    booking_id = book_at(app, offer(app), at(3, 10))
    moved_at = TUESDAY_10AM - timedelta(hours=5)
    with app.app_context():
        booking_service.reschedule(booking_id, new_start=TUESDAY_10AM, by=ChangedBy.practitioner, now=moved_at)
    assert remind(app, moved_at + timedelta(minutes=1)) == 0
    assert reminders_owed(app) == []
