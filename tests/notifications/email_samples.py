"""Bookings to render emails from: a note and a service name no email may show by default."""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from practice.accounts.models import Practitioner
from practice.booking.models import Booking
from practice.booking.states import ChangedBy
from practice.catalog.models import LocationKind
from practice.extensions import db
from practice.intake import service as intake
from practice.notifications import lost_link, service
from practice.notifications.models import MessageKind, OutboxMessage
from practice.payments.models import Payment, Refund
from practice.payments.states import PaymentStatus, RefundReason
from practice.privacy import service as privacy
from practice.security.audit import Actor
from tests.factories import make_booking, make_practitioner, make_service

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
#: Tue 3 March 2026, 10:00 in London (GMT), 05:00 in Toronto.
STARTS_AT = datetime(2026, 3, 3, 10, 0, tzinfo=timezone.utc)
SERVICE_NAME = "Pregnancy-loss recovery massage"
#: The kind of thing a client writes in their note; it must never leave Tend by email.
CLIENT_NOTE = "PRIVATE-NOTE: lost our daughter at 22 weeks, please don't mention the nursery"
PRACTICE_NAME = "Stillwater Practice"
PRACTITIONER_MESSAGE = "I'm so sorry to move this.\nTake care, Rowan"
#: Sealed on the client's record: the practitioner opens the booking to see it, no email carries it.
CLIENT_PHONE = "07700 900123"
INVITEE = "imogen@example.org"
INVITATION_URL = "http://localhost/join/an-invitation-token"


def make_stillwater(**overrides) -> Practitioner:
    values = dict(practice_name=PRACTICE_NAME, contact_email="hello@stillwater.example", timezone="Europe/London")
    values.update(overrides)
    return make_practitioner(**values)


def make_booked(practitioner: Practitioner | None = None, *, service=None, starts_at: datetime = STARTS_AT, **overrides) -> Booking:
    """A confirmed one-hour booking with a private note, committed."""
    practitioner = practitioner or make_stillwater()
    service = service or make_service(
        practitioner, name=SERVICE_NAME, location_kind=LocationKind.in_person, location_detail="14 Alder Lane, Bristol"
    )
    values = dict(
        client_name="Hannah Brooks",
        preferred_name="Hannah",
        pronouns="she/her",
        client_email="hannah@example.org",
        client_phone=CLIENT_PHONE,
        client_note=CLIENT_NOTE,
        client_timezone="Europe/London",
    )
    values.update(overrides)
    return make_booking(service, starts_at, **values)


def move(booking: Booking, by: timedelta) -> datetime:
    """Move the booking as a reschedule would, raising its SEQUENCE; return the previous start."""
    previous_start = booking.starts_at
    booking.starts_at += by
    booking.ends_at += by
    booking.blocked_start += by
    booking.blocked_end += by
    booking.sequence += 1
    return previous_start


@dataclass(frozen=True)
class Sent:
    kind: MessageKind
    recipient: str
    subject: str
    text: str
    html: str
    ics: str | None

    @property
    def everything(self) -> str:
        return "\n".join([self.subject, self.text, self.html, self.ics or ""])


def snapshot() -> dict[MessageKind, Sent]:
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    return {row.kind: Sent(row.kind, row.recipient, row.subject, row.body_text, row.body_html, row.ics) for row in rows}


def owe_every_kind(booking, *, by: ChangedBy = ChangedBy.practitioner, message: str = PRACTITIONER_MESSAGE) -> dict[MessageKind, Sent]:
    """One message of every kind for `booking`, as its life would produce them."""
    _send_an_intake_needing_attention(booking)
    # Committed at once too, like the client's request from their manage link.
    privacy.request_erasure(booking, actor=Actor(), now=NOW)
    service.owe_booking_confirmed(booking, now=NOW)
    previous_start = move(booking, timedelta(days=1))
    service.owe_booking_rescheduled(booking, previous_start=previous_start, now=NOW, by=by, message=message)
    service.owe_reminder(booking, now=NOW)
    service.owe_hold_released(booking, now=NOW)
    service.owe_payment_refunded(_a_refund(booking), now=NOW)
    lost_link.owe_lost_link([booking], now=NOW)
    booking.hold_expires_at = NOW + timedelta(minutes=30)
    service.owe_email_confirmation(booking, now=NOW)
    sent = snapshot()
    # Cancelling withdraws the reminder still waiting to go: keep what it said first.
    booking.sequence += 1
    service.owe_booking_cancelled(booking, now=NOW, by=by, message=message)
    service.owe_password_reset(booking.practitioner, reset_url="http://localhost/reset/a-token", now=NOW)
    service.owe_invitation(
        booking.practice, invited_by=booking.practitioner, recipient=INVITEE, invitation_url=INVITATION_URL,
        expires_at=NOW + timedelta(days=7), now=NOW,
    )
    return sent | snapshot()


def _a_refund(booking: Booking) -> Refund:
    # Transient: the email is built from it, nothing is saved.
    payment = Payment(booking=booking, amount_cents=2000, currency="GBP", status=PaymentStatus.succeeded)
    return Refund(payment=payment, amount_cents=2000, reason=RefundReason.late_payment)


def _send_an_intake_needing_attention(booking: Booking) -> None:
    # First, and committed (intake operations run in transactions of their own); the form is sent,
    # so the booking's other emails have no form left to ask for.
    form = intake.create_form(booking.practitioner, template="epds", now=NOW)
    intake.set_services_asking(form, [booking.service_id])
    intake.save_page(booking, form.id, 0, {}, now=NOW)
    intake.save_page(booking, form.id, 1, {"q-epds_10": ["1"]}, now=NOW)
