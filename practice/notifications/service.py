"""The emails a change owes: rendered at once and added to the outbox in the caller's transaction.

The owe_* operations add rows and never commit: the caller commits them together with the
booking change they describe, so a change and its emails are saved or lost together.
"""
from datetime import datetime

from flask import current_app, url_for
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from practice.accounts.models import Practitioner
from practice.booking import links
from practice.booking.models import Booking, BookingStatus
from practice.extensions import db
from practice.notifications import emails
from practice.notifications.calendar import CalendarMethod, booking_calendar
from practice.notifications.emails import RenderedEmail
from practice.notifications.models import MessageKind, OutboxMessage, OutboxStatus

#: The Emails page shows this many messages at a time.
PAGE_SIZE = 50
#: Who can change a booking; the wording of every change email depends on it.
MOVERS = ("client", "practitioner")


def owe_booking_confirmed(booking: Booking, *, now: datetime) -> None:
    """Owe the client a confirmation (.ics invitation, manage link) and the practitioner a notice."""
    _assign_ids(booking)
    manage_url = manage_url_for(booking)
    _owe_client(
        booking,
        MessageKind.booking_confirmed,
        emails.booking_confirmed(booking, manage_url=manage_url),
        ics=_calendar(booking, CalendarMethod.request, now),
        now=now,
    )
    _owe_practitioner(
        booking,
        MessageKind.practitioner_new_booking,
        emails.practitioner_new_booking(booking, booking_url=admin_url_for(booking)),
        now=now,
    )


def owe_booking_cancelled(booking: Booking, *, now: datetime, by: str, message: str = "") -> None:
    """Owe the client a cancellation (.ics METHOD:CANCEL) and the practitioner a notice.

    `by` is "client" or "practitioner"; `message` is the practitioner's note to the client
    (a client's own message is never emailed). Client emails not yet sent (a confirmation,
    an earlier new-time notice, a reminder) are superseded: they would announce a session
    that is gone.
    """
    _check_mover(by)
    message = _practitioners_note(by, message)
    _assign_ids(booking)
    _supersede_unsent_client_messages(booking)
    _owe_client(
        booking,
        MessageKind.booking_cancelled,
        emails.booking_cancelled(booking, by=by, message=message, rebook_url=rebook_url_for(booking)),
        ics=_calendar(booking, CalendarMethod.cancel, now),
        now=now,
    )
    _owe_practitioner(
        booking,
        MessageKind.practitioner_cancellation,
        emails.practitioner_cancellation(booking, by=by, message=message, booking_url=admin_url_for(booking)),
        now=now,
    )


def owe_booking_rescheduled(
    booking: Booking, *, previous_start: datetime, now: datetime, by: str, message: str = ""
) -> None:
    """Owe the client the new time (same UID, the booking's raised SEQUENCE) and the practitioner a notice.

    The caller has already moved the booking and raised booking.sequence. `by` and `message`
    are as for owe_booking_cancelled. Client emails not yet sent, which show the old time, are
    superseded; the new time earns its own reminder.
    """
    _check_mover(by)
    message = _practitioners_note(by, message)
    _assign_ids(booking)
    _supersede_unsent_client_messages(booking)
    manage_url = manage_url_for(booking)
    _owe_client(
        booking,
        MessageKind.booking_rescheduled,
        emails.booking_rescheduled(
            booking, previous_start=previous_start, by=by, message=message, manage_url=manage_url
        ),
        ics=_calendar(booking, CalendarMethod.request, now),
        now=now,
    )
    _owe_practitioner(
        booking,
        MessageKind.practitioner_reschedule,
        emails.practitioner_reschedule(
            booking, previous_start=previous_start, by=by, message=message, booking_url=admin_url_for(booking)
        ),
        now=now,
    )


def reminder_key(booking: Booking) -> str:
    return f"reminder:{booking.id}:{booking.starts_at:%Y%m%dT%H%MZ}"


def owe_reminder(booking: Booking, *, now: datetime) -> bool:
    """Owe the client's reminder for the booking's current start; False if it is already owed.

    At most one reminder exists per booking and start time: the pre-check answers the common
    case, and the unique dedupe_key settles a race between two workers inside a savepoint, so
    the caller's transaction survives losing it. Only a confirmed booking is reminded.
    """
    if booking.status is not BookingStatus.confirmed:
        return False
    key = reminder_key(booking)
    if _already_owed(key):
        return False
    manage_url = manage_url_for(booking)
    email = emails.booking_reminder(booking, manage_url=manage_url)
    try:
        with db.session.begin_nested():
            _owe_client(booking, MessageKind.booking_reminder, email, now=now, dedupe_key=key)
    except IntegrityError:
        return False
    return True


def owe_password_reset(practitioner: Practitioner, *, reset_url: str, now: datetime) -> None:
    """Owe the practitioner a password-reset link, at their account's address."""
    _add(
        MessageKind.password_reset,
        practitioner=practitioner,
        booking=None,
        recipient=practitioner.email,
        email=emails.password_reset(practitioner, reset_url=reset_url),
        now=now,
    )


def password_reset_owed_since(practitioner_id: int, since: datetime) -> bool:
    return (
        db.session.scalar(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.practitioner_id == practitioner_id,
                OutboxMessage.kind == MessageKind.password_reset,
                OutboxMessage.created_at > since,
            )
            .limit(1)
        )
        is not None
    )


def retry_message(message_id: int, *, practitioner_id: int, now: datetime) -> bool:
    """Put a failed message back in the queue; False if it is not this practitioner's, or not failed."""
    # Locked and re-read, so a message a worker is busy with is never reset under it.
    message = db.session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.practitioner_id == practitioner_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if message is None or message.status is not OutboxStatus.failed:
        db.session.rollback()
        return False
    message.status = OutboxStatus.pending
    message.attempts = 0
    message.next_attempt_at = now
    message.claimed_at = None
    message.last_error = ""
    db.session.commit()
    return True


def messages_for(practitioner_id: int, *, page: int = 1) -> tuple[list[OutboxMessage], bool]:
    """One page of the practitioner's messages, newest first; and whether there are older ones."""
    messages = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.practitioner_id == practitioner_id)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    ).all()
    return list(messages[:PAGE_SIZE]), len(messages) > PAGE_SIZE


def failed_count(practitioner_id: int) -> int:
    return db.session.scalar(
        select(func.count(OutboxMessage.id)).where(
            OutboxMessage.practitioner_id == practitioner_id, OutboxMessage.status == OutboxStatus.failed
        )
    )


def manage_url_for(booking: Booking) -> str:
    """The client's signed link to see, reschedule or cancel the booking; works in a worker too."""
    token = links.manage_token(booking.public_id, current_app.config["SECRET_KEY"])
    return external_url("booking.manage", token=token)


def admin_url_for(booking: Booking) -> str:
    return external_url("admin.booking_detail", booking_id=booking.id)


def rebook_url_for(booking: Booking) -> str:
    return external_url("booking.practitioner_page", slug=booking.practitioner.slug)


def external_url(endpoint: str, **values) -> str:
    """An absolute URL for an email, built from BASE_URL, in a web request or a worker alike.

    Never from the request's Host header: whoever sends the request chooses it, and a reset
    link pointing at their host would hand them the token.
    """
    # Flask builds URLs from a request's host and script root; a stand-in request carries BASE_URL.
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"] or None):
        return url_for(endpoint, _external=True, **values)


def _check_mover(by: str) -> None:
    if by not in MOVERS:
        raise ValueError(f"by must be one of {MOVERS}, not {by!r}")


def _practitioners_note(by: str, message: str) -> str:
    # Only the practitioner's note travels by email. A client's words are like their booking
    # note: they may speak of a loss, and mail is often read by someone else.
    return message if by == "practitioner" else ""


def _assign_ids(booking: Booking) -> None:
    # The manage token needs the public id and the practitioner's link the row id; both are
    # given at flush, and the caller may not have flushed yet.
    if booking.id is None or booking.public_id is None:
        db.session.flush()


def _already_owed(dedupe_key: str) -> bool:
    return db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)) is not None


#: Client emails that describe the booking's time, and so go stale when it changes.
REPLACEABLE_KINDS = (MessageKind.booking_confirmed, MessageKind.booking_rescheduled, MessageKind.booking_reminder)


def _supersede_unsent_client_messages(booking: Booking) -> None:
    # Marked rather than deleted, so the Emails page still shows what was owed. A pending
    # or failed one sent later would reach the client after the newer email, showing the old
    # time; claiming takes only pending rows and "send again" only failed ones. The dedupe
    # key is freed so a booking moved back to an earlier start is owed that reminder again.
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.booking_id == booking.id,
            OutboxMessage.kind.in_(REPLACEABLE_KINDS),
            OutboxMessage.status.in_((OutboxStatus.pending, OutboxStatus.failed)),
        )
        .values(status=OutboxStatus.superseded, dedupe_key=None)
        .execution_options(synchronize_session="fetch")
    )


def _calendar(booking: Booking, method: CalendarMethod, now: datetime) -> str:
    return booking_calendar(
        booking,
        method=method,
        summary=emails.appointment_title(booking),
        location=emails.location_text(booking.service),
        now=now,
    )


def _owe_client(booking: Booking, kind: MessageKind, email: RenderedEmail, *, now: datetime, ics: str | None = None, dedupe_key: str | None = None) -> OutboxMessage:
    return _add(
        kind,
        practitioner=booking.practitioner,
        booking=booking,
        recipient=booking.client_email,
        email=email,
        now=now,
        ics=ics,
        dedupe_key=dedupe_key,
    )


def _owe_practitioner(booking: Booking, kind: MessageKind, email: RenderedEmail, *, now: datetime) -> OutboxMessage:
    # The account address, not the public contact one: notices are for the practitioner alone.
    return _add(
        kind, practitioner=booking.practitioner, booking=booking, recipient=booking.practitioner.email, email=email, now=now
    )


def _add(
    kind: MessageKind,
    *,
    practitioner: Practitioner,
    booking: Booking | None,
    recipient: str,
    email: RenderedEmail,
    now: datetime,
    ics: str | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage:
    message = OutboxMessage(
        kind=kind,
        practitioner=practitioner,
        booking=booking,
        recipient=recipient,
        dedupe_key=dedupe_key,
        subject=email.subject,
        body_text=email.text,
        body_html=email.html,
        ics=ics,
        status=OutboxStatus.pending,
        attempts=0,
        next_attempt_at=now,
        last_error="",
        created_at=now,
    )
    db.session.add(message)
    return message
