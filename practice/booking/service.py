"""Booking operations: book, cancel, and the manage link that lets a client do both."""
from dataclasses import dataclass
from datetime import datetime, timezone

from email_validator import EmailNotValidError, validate_email
from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from practice.accounts.models import Practitioner
from practice.booking.models import ACTIVE_STATUSES, Booking, BookingStatus
from practice.catalog.models import Service, ServiceStatus
from practice.extensions import SQLITE_BEGIN_IMMEDIATE, db
from practice.scheduling import service as scheduling
from practice.scheduling.slots import blocked_interval
from practice.timeformats import is_known_timezone

MANAGE_SALT = "tend.manage-booking"
#: Booking.cancelled_by for a hold that lapsed before it was paid.
HOLD_EXPIRY = "expiry"

FIELD_LIMITS = {
    "name": 120,
    "email": 254,
    "phone": 40,
    "preferred_name": 120,
    "pronouns": 40,
    "note": 2000,
    "timezone": 64,
}
PHONE_CHARACTERS = set("0123456789+-() .")


class BookingError(Exception):
    """A booking request that cannot be honoured; `message` is safe to show the client."""

    def __init__(self, message: str, field_errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


class InvalidDetails(BookingError):
    """The client's details are incomplete or malformed."""


class TimeNotOffered(BookingError):
    """The requested start is not one the service offers (or it has passed)."""


class SlotTaken(BookingError):
    """The time was free a moment ago and someone else has just booked it."""

    def __init__(self):
        super().__init__("That time was just taken — please choose another time.")


@dataclass(frozen=True)
class ClientDetails:
    name: str
    email: str
    timezone: str
    phone: str = ""
    preferred_name: str = ""
    pronouns: str = ""
    note: str = ""


def client_details_from(raw: dict) -> ClientDetails:
    """Check and tidy what a client typed; raise InvalidDetails naming every bad field."""
    values = {key: _text(raw.get(key)) for key in FIELD_LIMITS}
    errors: dict[str, str] = {}
    for key, limit in FIELD_LIMITS.items():
        if len(values[key]) > limit:
            errors[key] = f"Please keep this under {limit} characters."
    if not values["name"]:
        errors.setdefault("name", "Please tell us your name.")
    if not values["email"]:
        errors.setdefault("email", "Please give an email address for your confirmation.")
    elif "email" not in errors:
        try:
            values["email"] = validate_email(values["email"], check_deliverability=False).normalized
        except EmailNotValidError:
            errors["email"] = "That email address doesn't look right — please check it."
    if values["phone"] and not set(values["phone"]) <= PHONE_CHARACTERS:
        errors.setdefault("phone", "Please use only digits, spaces and + - ( ) in a phone number.")
    if not is_known_timezone(values["timezone"]):
        errors.setdefault("timezone", "Please choose a timezone from the list.")
    if errors:
        raise InvalidDetails("Some details need another look.", errors)
    return ClientDetails(**values)


def book(*, service_id: int, start: datetime, client: ClientDetails, now: datetime) -> Booking:
    """Book `client` into `service_id` at `start`, or raise a BookingError.

    The slot is re-checked with the scheduling engine inside the transaction that inserts,
    and that transaction is serialised per practitioner, so two clients can never both win
    the last seat (see _lock_practitioner).
    """
    if start.tzinfo is None:
        raise TimeNotOffered("Please choose a time from the list.")
    start = start.astimezone(timezone.utc)
    if start <= now:
        raise TimeNotOffered("That time has already passed — please choose another time.")
    _begin_serialised_transaction()
    try:
        service = _bookable_service(service_id)
        _lock_practitioner(service.practitioner_id)
        if scheduling.seats_left(service, start, now) < 1:
            raise _why_unavailable(service, start, now)
        booking = _new_booking(service, start, client, now)
        _release_expired_holds(booking, now)
        db.session.add(booking)
        db.session.flush()
    except IntegrityError:
        # PostgreSQL's exclusion constraint: only reachable if the lock were bypassed.
        db.session.rollback()
        raise SlotTaken() from None
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
    return booking


def cancel_booking(booking: Booking, *, by: str, now: datetime) -> Booking:
    """Cancel a booking; cancelling one already cancelled changes nothing."""
    if booking.status in ACTIVE_STATUSES:
        booking.status = BookingStatus.cancelled
        booking.cancelled_at = now
        booking.cancelled_by = by
        db.session.commit()
    return booking


def manage_token(booking: Booking, secret_key: str) -> str:
    return URLSafeSerializer(secret_key, salt=MANAGE_SALT).dumps(booking.public_id)


def manage_url(booking: Booking) -> str:
    """The client's own link to see, and cancel, this booking."""
    token = manage_token(booking, current_app.config["SECRET_KEY"])
    return url_for("booking.manage", token=token, _external=True)


def booking_for_manage_token(token: str, secret_key: str) -> Booking | None:
    try:
        public_id = URLSafeSerializer(secret_key, salt=MANAGE_SALT).loads(token)
    except BadSignature:
        return None
    if not isinstance(public_id, str):
        return None
    return db.session.scalar(select(Booking).where(Booking.public_id == public_id))


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _begin_serialised_transaction() -> None:
    # book() owns its transaction: whatever the caller read is dropped, and the new
    # transaction opens with BEGIN IMMEDIATE on SQLite, which takes the write lock first.
    db.session.rollback()
    db.session.connection(execution_options={SQLITE_BEGIN_IMMEDIATE: True})


def _lock_practitioner(practitioner_id: int) -> None:
    # On PostgreSQL a row lock on the practitioner serialises book() per practitioner;
    # SQLite already holds its database-wide write lock from BEGIN IMMEDIATE.
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            select(Practitioner.id).where(Practitioner.id == practitioner_id).with_for_update()
        )


def _bookable_service(service_id: int) -> Service:
    service = db.session.get(Service, service_id)
    if service is None or service.status is not ServiceStatus.published:
        raise BookingError("That service isn't available for booking.")
    return service


def _why_unavailable(service: Service, start: datetime, now: datetime) -> BookingError:
    if scheduling.is_offered_when_free(service, start, now):
        return SlotTaken()
    return TimeNotOffered("That time isn't offered — please choose one of the times shown.")


def _release_expired_holds(booking: Booking, now: datetime) -> None:
    # The engine already ignores a lapsed hold, but PostgreSQL's exclusion constraint cannot
    # read the clock and would still refuse the new booking, so the hold is ended first.
    db.session.execute(
        update(Booking)
        .where(
            Booking.practitioner_id == booking.practitioner_id,
            Booking.status == BookingStatus.held,
            or_(Booking.hold_expires_at.is_(None), Booking.hold_expires_at <= now),
            Booking.blocked_start < booking.blocked_end,
            Booking.blocked_end > booking.blocked_start,
        )
        .values(status=BookingStatus.cancelled, cancelled_at=now, cancelled_by=HOLD_EXPIRY)
    )


def _new_booking(service: Service, start: datetime, client: ClientDetails, now: datetime) -> Booking:
    blocked = blocked_interval(scheduling.service_spec(service), start)
    return Booking(
        practitioner_id=service.practitioner_id,
        service_id=service.id,
        status=BookingStatus.confirmed,
        starts_at=start,
        ends_at=start + service.duration,
        blocked_start=blocked.start,
        blocked_end=blocked.end,
        is_group=service.is_group,
        seats=1,
        client_name=client.name,
        client_email=client.email,
        client_phone=client.phone,
        preferred_name=client.preferred_name,
        pronouns=client.pronouns,
        client_note=client.note,
        client_timezone=client.timezone,
        created_at=now,
    )


def published_services() -> list[Service]:
    """Every published service, grouped by practitioner, as the practice page lists them."""
    return list(
        db.session.scalars(
            select(Service)
            .join(Practitioner)
            .where(Service.status == ServiceStatus.published)
            .order_by(Practitioner.name, Practitioner.id, Service.name, Service.id)
        )
    )


def practitioner_by_slug(slug: str) -> Practitioner | None:
    return db.session.scalar(select(Practitioner).where(Practitioner.slug == slug))


def published_service(slug: str, service_id: int) -> Service | None:
    return db.session.scalar(
        select(Service)
        .join(Practitioner)
        .where(
            Service.id == service_id,
            Practitioner.slug == slug,
            Service.status == ServiceStatus.published,
        )
    )


def published_service_by_id(service_id: int) -> Service | None:
    return db.session.scalar(
        select(Service).where(Service.id == service_id, Service.status == ServiceStatus.published)
    )
