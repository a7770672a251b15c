"""The lost-link email: a client's upcoming bookings at one practice, each with its own link, sent to the address they booked with."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from practice.accounts.models import Practitioner, Role
from practice.booking import service as booking_service
from practice.booking.models import Booking
from practice.booking.signals import lost_links_requested
from practice.extensions import db
from practice.i18n import in_locale
from practice.notifications import emails
from practice.notifications import service as outbox
from practice.notifications.emails import Appointment, RenderedEmail
from practice.notifications.models import MessageKind, OutboxMessage

#: At most one lost-link email per client in this time, whatever the form's rate limits say:
#: those live in the limiter's storage, which may be one process's memory.
RESEND_INTERVAL = timedelta(minutes=2)


@dataclass(frozen=True)
class LinkedBooking:
    """One booking in the email: when and where (in the client's own zone), with whom, and its link.

    `appt.service_name` is empty when the practice keeps emails discreet.
    """

    appt: Appointment
    practitioner_name: str
    manage_url: str


@lost_links_requested.connect
def _lost_links_requested(client, *, bookings: list[Booking], now: datetime, **_) -> None:
    """Owe the client one email listing `bookings`, unless one went out within RESEND_INTERVAL."""
    if not _sent_lately(bookings, now):
        owe_lost_link(bookings, now=now)


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
