"""Client rights: everything a practice holds about a client, as a page and as data; erasure on
request (confirmed by the practitioner) or at the end of the practice's retention period."""
import json
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, exists, select, update
from sqlalchemy.exc import IntegrityError

from practice.accounts.models import Practice
from practice.booking.models import Booking
from practice.clients.models import CONTACT_PREFERENCE_LABELS, Client
from practice.extensions import begin_write_transaction, db
from practice.intake import service as intake
from practice.intake.models import ErasureOutcome, ErasureRequest, IntakeResponse
from practice.intake.service import IntakeSummary
from practice.intake.signals import erasure_requested
from practice.money import amount_text
from practice.notifications import service as notifications
from practice.notifications.models import CLIENT_KINDS, OutboxMessage
from practice.payments.models import Payment
from practice.security import audit
from practice.security.audit import Actor
from practice.security.models import AuditAction

#: Who an erased client is, from then on, wherever their name was shown.
ERASED_NAME = "Erased client"
#: What the audit trail says about each erasure: that it happened and why, never what was erased.
ERASURE_REASONS = {
    ErasureOutcome.confirmed: "confirmed by the practitioner",
    ErasureOutcome.retention: "retention period ended",
}
#: How a client downloaded their data, as the audit trail records it.
AS_PAGE = "readable page"
AS_JSON = "JSON file"


class ErasureRefused(Exception):
    """An erasure that can't be asked for or done now; `message` is safe to show."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class AlreadyRequested(ErasureRefused):
    def __init__(self):
        super().__init__(
            _("You've already asked for your information to be erased. There's nothing more you need to do: your practitioner will take care of it.")
        )


class AlreadyErased(ErasureRefused):
    def __init__(self):
        super().__init__(_("Your information has already been erased."))


class StillBooked(ErasureRefused):
    """The client has a session still to come: their details are needed for it."""


# --- what the practice holds ----------------------------------------------------------------


@dataclass(frozen=True)
class HeldData:
    """Everything the practice holds about one client."""

    client: Client
    bookings: list[Booking]
    intakes: list[IntakeSummary]
    #: The emails addressed to the client.
    emails: list[OutboxMessage]
    erasure_requests: list[ErasureRequest]
    #: Amounts and statuses only: card details never reach the practice.
    payments: list[Payment]

    @property
    def contact_preference(self) -> str:
        return CONTACT_PREFERENCE_LABELS[self.client.contact_preference]


def held_about(client: Client) -> HeldData:
    """What the practice holds about `client`, for their own eyes: every booking, intake answer and email."""
    bookings = db.session.scalars(
        select(Booking).where(Booking.client_id == client.id).order_by(Booking.starts_at, Booking.id)
    ).all()
    responses = db.session.scalars(
        select(IntakeResponse).where(IntakeResponse.client_id == client.id).order_by(IntakeResponse.started_at, IntakeResponse.id)
    ).all()
    emails = db.session.scalars(
        select(OutboxMessage)
        .join(Booking, OutboxMessage.booking_id == Booking.id)
        .where(Booking.client_id == client.id, OutboxMessage.kind.in_(CLIENT_KINDS))
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    ).all()
    requests = db.session.scalars(
        select(ErasureRequest).where(ErasureRequest.client_id == client.id).order_by(ErasureRequest.requested_at)
    ).all()
    payments = db.session.scalars(select(Payment).where(Payment.client_id == client.id).order_by(Payment.id)).all()
    return HeldData(
        client=client,
        bookings=list(bookings),
        intakes=[intake.summary(response) for response in responses],
        emails=list(emails),
        erasure_requests=list(requests),
        payments=list(payments),
    )


def as_json(held: HeldData, *, now: datetime) -> dict:
    """The same as plain data, for the client's download."""
    # str(): a label may be a lazy translation, which JSON can't hold.
    client = held.client
    return {
        "practice": client.practice.name,
        "downloaded_at": now.isoformat(),
        "client": {
            "name": client.name,
            "preferred_name": client.preferred_name,
            "pronouns": client.pronouns,
            "email": client.email,
            "phone": client.phone,
            "contact_preference": str(held.contact_preference),
            "created_at": client.created_at.isoformat(),
            "erased_at": _iso(client.erased_at),
        },
        "bookings": [
            {
                "service": booking.service.name,
                "practitioner": booking.practitioner.name,
                "starts_at": booking.starts_at.isoformat(),
                "ends_at": booking.ends_at.isoformat(),
                "timezone": booking.client_timezone,
                "status": str(booking.status_label),
                "note": booking.client_note,
                "booked_at": booking.created_at.isoformat(),
                "cancelled_at": _iso(booking.cancelled_at),
            }
            for booking in held.bookings
        ],
        "intake_responses": [_intake_json(found) for found in held.intakes],
        "emails": [
            {
                "kind": str(message.kind_label),
                "date": (message.sent_at or message.created_at).isoformat(),
                "status": str(message.status_label),
                # Dropped a fortnight after sending (notifications.service.SENT_CONTENT_KEPT).
                "subject": message.subject if message.content_dropped_at is None else None,
            }
            for message in held.emails
        ],
        "payments": [
            {
                "amount": amount_text(payment.amount_cents, payment.currency),
                "currency": payment.currency,
                "status": str(payment.status_label),
                "created_at": payment.created_at.isoformat(),
                "paid_at": _iso(payment.paid_at),
                "refunded": amount_text(payment.refunded_cents, payment.currency),
            }
            for payment in held.payments
        ],
        "erasure_requests": [
            {
                "requested_at": request.requested_at.isoformat(),
                "completed_at": _iso(request.completed_at),
                "outcome": request.outcome.value if request.outcome else None,
            }
            for request in held.erasure_requests
        ],
    }


def _intake_json(found: IntakeSummary) -> dict:
    response = found.response
    return {
        "form": found.definition.title,
        "form_version": response.version.number,
        "booking_starts_at": response.booking.starts_at.isoformat(),
        "status": str(response.status_label),
        "started_at": response.started_at.isoformat(),
        "updated_at": response.updated_at.isoformat(),
        "submitted_at": _iso(response.submitted_at),
        "score": found.score,
        "sections": intake.answers_as_data(found),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def json_download(held: HeldData, *, now: datetime) -> str:
    return json.dumps(as_json(held, now=now), ensure_ascii=False, indent=2)


def record_download(client: Client, *, how: str, actor: Actor, now: datetime) -> None:
    """A client's download of their data goes into the audit trail, before it is shown."""
    if how not in (AS_PAGE, AS_JSON):
        raise ValueError(f"{how!r} is not a way of downloading a client's data")
    audit.record_now(
        AuditAction.client_data_downloaded,
        actor=actor,
        now=now,
        practice_id=client.practice_id,
        object_type="client",
        object_id=client.id,
        detail=how,
    )


# --- asking for erasure -----------------------------------------------------------------------


def open_request_for(client_id: int) -> ErasureRequest | None:
    return db.session.scalar(
        select(ErasureRequest).where(ErasureRequest.client_id == client_id, ErasureRequest.completed_at.is_(None))
    )


def request_erasure(booking: Booking, *, actor: Actor, now: datetime) -> ErasureRequest:
    """The client of `booking` asks, by its manage link, for their data to be erased.

    The booking's practitioner is emailed to confirm it. One request stays open per client:
    asking again raises AlreadyRequested, and nothing is added.
    """
    booking_id = booking.id
    begin_write_transaction()
    try:
        booking = db.session.get(Booking, booking_id)
        if booking.client.erased_at is not None:
            raise AlreadyErased()
        if open_request_for(booking.client_id) is not None:
            raise AlreadyRequested()
        request = ErasureRequest(
            practice_id=booking.practice_id,
            practitioner_id=booking.practitioner_id,
            client_id=booking.client_id,
            booking_id=booking.id,
            requested_at=now,
        )
        try:
            # The partial unique index settles two requests racing on PostgreSQL.
            with db.session.begin_nested():
                db.session.add(request)
        except IntegrityError:
            raise AlreadyRequested() from None
        audit.record(
            AuditAction.erasure_requested,
            actor=actor,
            now=now,
            practice_id=booking.practice_id,
            object_type="client",
            object_id=booking.client_id,
            detail=f"from the link of booking {booking.id}",
        )
        erasure_requested.send(request, now=now)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return request


def open_requests(visible) -> list[ErasureRequest]:
    """The open requests `visible` (a SQL filter on ErasureRequest) selects, oldest first."""
    return list(
        db.session.scalars(
            select(ErasureRequest)
            .where(visible, ErasureRequest.completed_at.is_(None))
            .order_by(ErasureRequest.requested_at, ErasureRequest.id)
        )
    )


def next_session_of(client_id: int, now: datetime) -> Booking | None:
    """The client's first booking still to come or under way, which erasure must wait for."""
    return db.session.scalar(
        select(Booking)
        .where(Booking.client_id == client_id, Booking.occupies_time_at(now), Booking.ends_at > now)
        .order_by(Booking.starts_at)
        .limit(1)
    )


# --- erasing ----------------------------------------------------------------------------------


def confirm_erasure(request: ErasureRequest, *, actor: Actor, now: datetime) -> bool:
    """The practitioner (or the owner) confirms a client's request; False if it was already done."""
    if request.completed_at is not None:
        return False
    return erase_client(request.client, outcome=ErasureOutcome.confirmed, actor=actor, now=now)


def erase_client(client: Client, *, outcome: ErasureOutcome, actor: Actor, now: datetime) -> bool:
    """Erase what the practice holds about `client`, all or nothing; False if it was already erased.

    Intake responses are deleted; the name, email, phone and booking notes are anonymised;
    emails about their bookings lose their content (and are never sent, if not yet sent).
    Bookings stay, as anonymous time records, so the practice's calendar and accounts hold.
    Raises StillBooked while a session is still to come: the client's details are needed for it.
    The audit trail records that the client record was erased and why, never what it held.
    """
    client_id = client.id
    begin_write_transaction()
    try:
        client = db.session.get(Client, client_id, populate_existing=True)
        if client.erased_at is not None:
            db.session.rollback()
            return False
        upcoming = next_session_of(client_id, now)
        if upcoming is not None:
            raise StillBooked(
                "This client still has a session booked. Please cancel it first, then confirm the erasure."
            )
        bookings = select(Booking.id).where(Booking.client_id == client_id)
        db.session.execute(delete(IntakeResponse).where(IntakeResponse.client_id == client_id))
        client.name = ERASED_NAME
        client.preferred_name = ""
        client.pronouns = ""
        client.phone = ""
        client.email = f"erased-{client_id}@erased.invalid"
        client.erased_at = client.updated_at = now
        db.session.execute(
            update(Booking).where(Booking.client_id == client_id).values(client_note="").execution_options(synchronize_session=False)
        )
        notifications.drop_content_about(bookings, now=now)
        db.session.execute(
            update(ErasureRequest)
            .where(ErasureRequest.client_id == client_id, ErasureRequest.completed_at.is_(None))
            .values(completed_at=now, outcome=outcome)
            .execution_options(synchronize_session=False)
        )
        audit.record(
            AuditAction.client_erased,
            actor=actor,
            now=now,
            practice_id=client.practice_id,
            object_type="client",
            object_id=client_id,
            detail=ERASURE_REASONS[outcome],
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return True


def purge_expired(*, now: datetime) -> int:
    """Erase every client whose last booking ended more than their practice's retention period
    before `now`, and who has none to come; return how many were erased."""
    erased = 0
    for practice_id, years in db.session.execute(select(Practice.id, Practice.retention_years)).all():
        for client_id in expired_client_ids(practice_id, _years_before(now, years)):
            client = db.session.get(Client, client_id)
            if erase_client(client, outcome=ErasureOutcome.retention, actor=Actor(practice_id=practice_id), now=now):
                erased += 1
    return erased


def expired_client_ids(practice_id: int, cutoff: datetime) -> list[int]:
    """The practice's clients not yet erased, known since before `cutoff`, with no booking ending after it.

    A cancelled booking counts by the time it was for: retention runs from the last
    appointment the client made, whether or not it took place.
    """
    recent = select(Booking.id).where(Booking.client_id == Client.id, Booking.ends_at >= cutoff)
    return list(
        db.session.scalars(
            select(Client.id)
            .where(
                Client.practice_id == practice_id,
                Client.erased_at.is_(None),
                Client.created_at < cutoff,
                ~exists(recent),
            )
            .order_by(Client.id)
        )
    )


def _years_before(instant: datetime, years: int) -> datetime:
    try:
        return instant.replace(year=instant.year - years)
    except ValueError:
        # 29 February, in a year that has none.
        return instant.replace(year=instant.year - years, day=28)
