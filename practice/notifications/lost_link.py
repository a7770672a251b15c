"""The lost-link email: a client's upcoming bookings at one practice, each with its own link, sent to the address they booked with."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import validate_email
from flask_babel import gettext as _
from sqlalchemy import select

from practice.accounts.models import Practitioner, Role
from practice.booking import service as booking_service
from practice.booking.models import Booking
from practice.clients.service import normalised_email
from practice.email_addresses import address_problem
from practice.extensions import begin_write_transaction, db
from practice.i18n import in_locale
from practice.notifications import emails
from practice.notifications import service as outbox
from practice.notifications.emails import Appointment, RenderedEmail
from practice.notifications.models import MessageKind, OutboxMessage

#: The longest address the form takes (RFC 5321's limit for a path, as Client.email stores it).
ADDRESS_LIMIT = 254
#: At most one lost-link email per client in this time, whatever the form's rate limits say:
#: those live in the limiter's storage, which may be one process's memory.
RESEND_INTERVAL = timedelta(minutes=2)


class InvalidAddress(Exception):
    """What was typed is not an address we could write to; `message` is shown by the field."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class LinkedBooking:
    """One booking in the email: when and where (in the client's own zone), with whom, and its link.

    `appt.service_name` is empty when the practice keeps emails discreet.
    """

    appt: Appointment
    practitioner_name: str
    manage_url: str


def checked_address(typed) -> str:
    """The address in the form clients are stored under, or InvalidAddress saying what to fix."""
    typed = typed.strip() if isinstance(typed, str) else ""
    if not typed:
        raise InvalidAddress(_("Please give the email address you booked with."))
    problem = address_problem(typed)
    if problem:
        raise InvalidAddress(problem)
    # The ASCII form, as booking stores it: an internationalised domain finds the same client.
    return normalised_email(validate_email(typed, check_deliverability=False, allow_smtputf8=False).ascii_email)


def send_lost_links(practice_id: int, address: str, *, now: datetime) -> int:
    """Owe `address` one email listing its upcoming bookings at the practice, each with a fresh link.

    `address` comes from checked_address(). Returns how many bookings the email lists: 0 when
    the address has none here, or was sent its list within RESEND_INTERVAL. A page must answer
    alike whatever this returns: it would otherwise tell anyone who books where. One write
    transaction, committed here.
    """
    begin_write_transaction()
    try:
        bookings = booking_service.upcoming_bookings_of(practice_id, address, now)
        listed = 0
        if bookings and not _sent_lately(bookings, now):
            owe_lost_link(bookings, now=now)
            listed = len(bookings)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return listed


def owe_lost_link(bookings: list[Booking], *, now: datetime) -> OutboxMessage:
    """Owe the client of `bookings` (one client of one practice, soonest first) the email listing them.

    Adds the outbox row in the caller's transaction and never commits. The row is tied to the
    first booking, so erasing the client drops its content with their other emails.
    """
    first = bookings[0]
    return outbox.add_message(
        MessageKind.lost_link,
        practitioner=_shown_to(bookings),
        booking=first,
        recipient=first.client.email,
        email=lost_link_email(bookings),
        now=now,
    )


def lost_link_email(bookings: list[Booking]) -> RenderedEmail:
    """The email itself: each booking's time in the zone the client chose for it, with whom, and its link.

    In the language and formats of the first (soonest) booking: the form is sent from a page in
    whatever language the visitor reads, who need not be the client.
    """
    practice = bookings[0].practice
    with in_locale(bookings[0].locale):
        listed = [
            LinkedBooking(
                appt=emails.appointment(booking, booking.client_timezone),
                practitioner_name=booking.practitioner.name,
                manage_url=booking_service.manage_url(booking),
            )
            for booking in bookings
        ]
        # As every booking email: the services are named only when the practice turned that on.
        named = ", ".join(dict.fromkeys(item.appt.service_name for item in listed if item.appt.service_name))
        subject = _("Your bookings with %(practice)s", practice=practice.name) + (f" — {named}" if named else "")
        return emails.render_email(
            "lost_link", subject=subject, practice=emails.sender_of(practice), client_name=bookings[0].display_name, bookings=listed
        )


def _shown_to(bookings: list[Booking]) -> Practitioner:
    # Whose Emails page lists the message: the practitioner the bookings are with or, when they
    # are with several, the practice's owner, who may see them all. A colleague never learns
    # from it that their client also sees someone else in the practice.
    first = bookings[0]
    if len({booking.practitioner_id for booking in bookings}) == 1:
        return first.practitioner
    owners = [m.practitioner for m in first.practice.memberships if m.role is Role.owner]
    return owners[0] if owners else first.practitioner


def _sent_lately(bookings: list[Booking], now: datetime) -> bool:
    return (
        db.session.scalar(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.kind == MessageKind.lost_link,
                OutboxMessage.booking_id.in_([booking.id for booking in bookings]),
                OutboxMessage.created_at > now - RESEND_INTERVAL,
            )
            .limit(1)
        )
        is not None
    )
