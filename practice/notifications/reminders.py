"""Reminders: owe one email per booking and start time, once its reminder time has come."""
import logging
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from practice.accounts.models import Membership, Practice
from practice.booking.models import Booking, BookingStatus
from practice.catalog.models import MAX_BUFFER_MINUTES
from practice.extensions import begin_write_transaction, db
from practice.notifications import service as notifications
from practice.notifications.models import MessageKind, OutboxMessage

log = logging.getLogger(__name__)

#: Booking.blocked_start is at most this far before starts_at (the service's buffer).
LONGEST_BUFFER = timedelta(minutes=MAX_BUFFER_MINUTES)


def owe_due_reminders(*, now: datetime) -> int:
    """Owe a reminder for every confirmed booking whose reminder time has come; return how many.

    Due means starts_at - reminder_hours <= now < starts_at. A worker that was down catches
    up on its next run; a session that has already started gets no reminder. owe_reminder's
    dedupe key (booking and start time) makes each reminder happen once, and a rescheduled
    booking — a new start — due again.
    """
    owed = 0
    for booking_id in due_booking_ids(now=now):
        owed += owe_reminder_once(booking_id, now=now)
    return owed


def due_booking_ids(*, now: datetime) -> list[int]:
    """Bookings whose reminder is due at `now`, practitioner by practitioner.

    Each practice has its own lead time; each of its practitioners is one range on the
    booking index (practitioner_id, blocked_start): the cost follows the bookings in the next
    few hours, never the history.
    """
    lead_times = db.session.execute(
        select(Membership.practitioner_id, Practice.reminder_hours)
        .join(Practice, Membership.practice_id == Practice.id)
        .where(Practice.reminder_hours.is_not(None))
    ).all()
    due = []
    for practitioner_id, hours in lead_times:
        due.extend(_due_for(practitioner_id, timedelta(hours=hours), now))
    db.session.rollback()
    return due


def _due_for(practitioner_id: int, lead_time: timedelta, now: datetime) -> list[int]:
    return list(
        db.session.scalars(
            select(Booking.id)
            .where(
                Booking.practitioner_id == practitioner_id,
                Booking.blocked_start > now - LONGEST_BUFFER,
                Booking.blocked_start <= now + lead_time,
                Booking.starts_at > now,
                Booking.starts_at <= now + lead_time,
                Booking.status == BookingStatus.confirmed,
            )
            .order_by(Booking.starts_at, Booking.id)
        )
    )


def owe_reminder_once(booking_id: int, *, now: datetime) -> bool:
    """Write the booking's reminder to the outbox unless it is already there; True if written.

    The booking is read again, locked (on PostgreSQL), in the transaction that writes, so a
    cancellation or reschedule made since the query is seen before anything is owed.
    """
    begin_write_transaction()
    booking = db.session.scalar(
        select(Booking).where(Booking.id == booking_id).with_for_update().execution_options(populate_existing=True)
    )
    if booking is None or not is_reminder_due(booking, now):
        db.session.rollback()
        return False
    try:
        owed = notifications.owe_reminder(booking, now=now)
        db.session.commit()
    except IntegrityError:
        # Another worker owed the same reminder a moment ago; its dedupe key won.
        db.session.rollback()
        return False
    return owed


def is_reminder_due(booking: Booking, now: datetime) -> bool:
    hours = booking.practice.reminder_hours
    if hours is None or booking.status is not BookingStatus.confirmed:
        return False
    remind_at = booking.starts_at - timedelta(hours=hours)
    if _last_told_of_the_time(booking) > remind_at:
        # Booked or moved after its reminder time: the email just sent is the reminder.
        return False
    return remind_at <= now < booking.starts_at


def _last_told_of_the_time(booking: Booking) -> datetime:
    """When the client was last sent this booking's time: its confirmation or latest reschedule."""
    told = db.session.scalar(
        select(func.max(OutboxMessage.created_at)).where(
            OutboxMessage.booking_id == booking.id,
            OutboxMessage.kind.in_((MessageKind.booking_confirmed, MessageKind.booking_rescheduled)),
        )
    )
    return told or booking.created_at
