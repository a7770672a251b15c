"""Service operations: create and edit a practitioner's services, and move them between states."""
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select

from practice.accounts.models import Practitioner
from practice.catalog.models import MAX_BUFFER_MINUTES, MAX_DURATION_MINUTES, LocationKind, Service, ServiceStatus
from practice.catalog.pricing import PaymentMode, minimum_charge
from practice.extensions import begin_write_transaction, db
from practice.money import amount_text, decimal_places, format_money

MIN_DURATION_MINUTES = 5
MIN_SLOT_STEP_MINUTES = 5
MAX_SLOT_STEP_MINUTES = 240
#: A support circle can be large, but not a lecture hall.
MAX_CAPACITY = 200
MAX_NAME_LENGTH = 120
MAX_DESCRIPTION_LENGTH = 5000
MAX_LOCATION_LENGTH = 500
FREE_PAID_ONLINE = "A free service has nothing to pay online — choose “Paid at the visit”."


class CatalogError(Exception):
    """A change to a service that cannot be made; messages are safe to show the practitioner."""

    def __init__(self, message: str, field_errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


@dataclass(frozen=True)
class ServiceDetails:
    """Everything a practitioner sets on a service, already parsed; check_details() judges it."""

    name: str
    duration_minutes: int
    price_cents: int
    location_kind: LocationKind
    description: str = ""
    content_note: str = ""
    what_to_expect: str = ""
    location_detail: str = ""
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    capacity: int = 1
    slot_step_minutes: int = 30
    payment_mode: PaymentMode = PaymentMode.at_visit
    #: Used only by the payment mode that needs them; the others are dropped when saved.
    deposit_cents: int | None = None
    sliding_min_cents: int | None = None
    sliding_max_cents: int | None = None


#: Which states each action may start from, and where it leads.
TRANSITIONS = {
    "publish": ({ServiceStatus.draft}, ServiceStatus.published),
    "unpublish": ({ServiceStatus.published}, ServiceStatus.draft),
    "archive": ({ServiceStatus.draft, ServiceStatus.published}, ServiceStatus.archived),
    "restore": ({ServiceStatus.archived}, ServiceStatus.draft),
}

REFUSALS = {
    "publish": "Archived services can't be published. Restore it to a draft first.",
    "unpublish": "Only a published service can be unpublished.",
    "archive": "This service is already archived.",
    "restore": "Only an archived service can be restored.",
}


def max_price(currency: str) -> int:
    """The highest price accepted, in minor units: far above any session, low enough to catch a slipped key.

    100,000 in a currency with a minor unit (£100,000.00); 100,000,000 in one without, whose
    units are small (¥ or ₩). Both fit a 32-bit column.
    """
    places = decimal_places(currency)
    return 100_000_000 if places == 0 else 100_000 * 10**places


def check_details(details: ServiceDetails, currency: str) -> dict[str, str]:
    """Every problem with `details` (priced in `currency`), by field name; empty when it can be saved."""
    errors = {}
    if not details.name:
        errors["name"] = "Please give the service a name."
    elif len(details.name) > MAX_NAME_LENGTH:
        errors["name"] = f"Please keep the name under {MAX_NAME_LENGTH} characters."
    if len(details.description) > MAX_DESCRIPTION_LENGTH:
        errors["description"] = f"Please keep the description under {MAX_DESCRIPTION_LENGTH:,} characters."
    for name in ("content_note", "what_to_expect"):
        if len(getattr(details, name)) > MAX_DESCRIPTION_LENGTH:
            errors[name] = f"Please keep this under {MAX_DESCRIPTION_LENGTH:,} characters."
    _check_range(errors, "duration_minutes", details.duration_minutes, MIN_DURATION_MINUTES, MAX_DURATION_MINUTES, "A session")
    _check_range(errors, "buffer_before_minutes", details.buffer_before_minutes, 0, MAX_BUFFER_MINUTES, "A buffer")
    _check_range(errors, "buffer_after_minutes", details.buffer_after_minutes, 0, MAX_BUFFER_MINUTES, "A buffer")
    _check_range(errors, "slot_step_minutes", details.slot_step_minutes, MIN_SLOT_STEP_MINUTES, MAX_SLOT_STEP_MINUTES, "The gap between start times")
    if not 1 <= details.capacity <= MAX_CAPACITY:
        errors["capacity"] = f"Please choose between 1 (one-to-one) and {MAX_CAPACITY} people."
    # Before the price's own check: when both speak of the price, its range is the message kept.
    errors |= _payment_errors(details, currency)
    if not 0 <= details.price_cents <= max_price(currency):
        errors["price"] = _too_high("price", currency)
    location_error = _location_error(details.location_kind, details.location_detail)
    if location_error:
        errors["location_detail"] = location_error
    return errors


def current_and_archived(visible) -> tuple[list[Service], list[Service]]:
    """The services `visible` (a SQL filter) selects: those in use (published first), then the archived ones."""
    services = db.session.scalars(select(Service).where(visible).order_by(Service.name, Service.id)).all()
    current = sorted(
        (s for s in services if s.status is not ServiceStatus.archived),
        key=lambda s: s.status is not ServiceStatus.published,
    )
    return current, [s for s in services if s.status is ServiceStatus.archived]


def create_service(practitioner: Practitioner, details: ServiceDetails, now: datetime) -> Service:
    """Add a draft service, or raise CatalogError with every field that needs another look."""
    _refuse_bad(details, practitioner.practice.currency)
    begin_write_transaction()
    service = Service(
        practice_id=practitioner.practice_id, practitioner_id=practitioner.id, status=ServiceStatus.draft, created_at=now
    )
    _apply(service, details)
    db.session.add(service)
    db.session.commit()
    return service


def update_service(service: Service, details: ServiceDetails) -> Service:
    """Save new details; booked sessions keep the times and length they were booked with."""
    _refuse_bad(details, service.currency)
    begin_write_transaction()
    _apply(service, details)
    db.session.commit()
    return service


def change_status(service: Service, action: str) -> Service:
    """Publish, unpublish, archive or restore; repeating an action that already happened is a no-op."""
    begin_write_transaction()
    allowed_from, target = TRANSITIONS[action]
    if service.status is target:
        return service
    if service.status not in allowed_from:
        raise CatalogError(REFUSALS[action])
    service.status = target
    db.session.commit()
    return service


def _refuse_bad(details: ServiceDetails, currency: str) -> None:
    errors = check_details(details, currency)
    if errors:
        raise CatalogError("Some details need another look.", errors)


def _apply(service: Service, details: ServiceDetails) -> None:
    service.name = details.name
    service.description = details.description
    service.content_note = details.content_note
    service.what_to_expect = details.what_to_expect
    service.duration_minutes = details.duration_minutes
    service.price_cents = details.price_cents
    service.buffer_before_minutes = details.buffer_before_minutes
    service.buffer_after_minutes = details.buffer_after_minutes
    service.location_kind = details.location_kind
    service.location_detail = details.location_detail
    service.capacity = details.capacity
    service.slot_step_minutes = details.slot_step_minutes
    _apply_payment(service, details)


def _apply_payment(service: Service, details: ServiceDetails) -> None:
    # Amounts the chosen mode doesn't use are dropped, so the table's checks hold and a
    # mode chosen later starts from what is typed then, not from a forgotten amount.
    mode = details.payment_mode
    service.payment_mode = mode
    service.deposit_cents = details.deposit_cents if mode is PaymentMode.deposit else None
    service.sliding_min_cents = details.sliding_min_cents if mode is PaymentMode.sliding else None
    service.sliding_max_cents = details.sliding_max_cents if mode is PaymentMode.sliding else None


def _payment_errors(details: ServiceDetails, currency: str) -> dict[str, str]:
    """Problems with how the service is paid, checking only the amounts its payment mode uses."""
    mode = details.payment_mode
    if mode is PaymentMode.at_visit:
        return {}
    if details.price_cents == 0:
        return {"payment_mode": FREE_PAID_ONLINE}
    if mode is PaymentMode.deposit:
        return _deposit_errors(details, currency)
    if mode is PaymentMode.sliding:
        return _sliding_errors(details, currency)
    if details.price_cents < minimum_charge(currency):
        return {"price": _below_stripe_minimum(currency)}
    return {}


def _deposit_errors(details: ServiceDetails, currency: str) -> dict[str, str]:
    deposit, price = details.deposit_cents, details.price_cents
    if deposit is None:
        return {"deposit": "Please enter the deposit clients pay online when they book."}
    if deposit == 0:
        return {"deposit": "Please enter a deposit above 0, or choose “Paid at the visit”."}
    if deposit < minimum_charge(currency):
        return {"deposit": _below_stripe_minimum(currency)}
    if deposit > price:
        return {"deposit": f"The deposit can't be more than the price ({format_money(price, currency)})."}
    return {}


def _sliding_errors(details: ServiceDetails, currency: str) -> dict[str, str]:
    low, high, suggested = details.sliding_min_cents, details.sliding_max_cents, details.price_cents
    suggested_text = format_money(suggested, currency)
    errors = {}
    if low is None:
        errors["sliding_min"] = "Please enter the least a client can choose to pay."
    elif low < minimum_charge(currency):
        errors["sliding_min"] = _below_stripe_minimum(currency)
    elif high is not None and low > high:
        errors["sliding_min"] = "The lowest amount can't be more than the highest."
    elif low > suggested:
        errors["sliding_min"] = f"The lowest amount can't be more than the suggested price ({suggested_text})."
    if high is None:
        errors["sliding_max"] = "Please enter the most a client can choose to pay."
    elif high > max_price(currency):
        errors["sliding_max"] = _too_high("amount", currency)
    elif high < suggested:
        errors["sliding_max"] = f"The highest amount can't be less than the suggested price ({suggested_text})."
    return errors


def _too_high(noun: str, currency: str) -> str:
    return f"That {noun} is higher than Tend accepts. Please check it (at most {amount_text(max_price(currency), currency)})."


def _below_stripe_minimum(currency: str) -> str:
    return f"Stripe can't take less than {format_money(minimum_charge(currency), currency)} online."


def _check_range(errors: dict, field: str, value: int, low: int, high: int, subject: str) -> None:
    if not low <= value <= high:
        errors[field] = f"{subject} can be from {low} to {high} minutes."


def _location_error(kind: LocationKind, detail: str) -> str | None:
    if len(detail) > MAX_LOCATION_LENGTH:
        return f"Please keep this under {MAX_LOCATION_LENGTH} characters."
    if kind is LocationKind.in_person and not detail:
        return "Please give the address clients should come to."
    if kind is LocationKind.video and detail and not _is_https_url(detail):
        return "Please give a secure link that starts with https://, or leave this empty."
    return None


def _is_https_url(text: str) -> bool:
    if any(character.isspace() for character in text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname)
