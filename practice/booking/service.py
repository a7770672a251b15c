"""Booking operations: book, reschedule, cancel, and the manage link that lets a client do both."""
import enum
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from babel.numbers import format_decimal
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext, ngettext
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from practice.accounts.models import Practice, Practitioner
from practice.booking import free_times, links
from practice.booking.models import Booking
from practice.booking.signals import (
    booking_awaiting_email,
    booking_cancelled,
    booking_confirmed,
    booking_hold_released,
    booking_rescheduled,
)
from practice.booking.states import (
    BookingEvent,
    BookingStatus,
    ChangedBy,
    ChangePolicy,
    ChangeWindow,
    HoldReason,
    next_status,
    occupies_time,
)
from practice.booking.states import change_policy as policy_at
from practice.catalog.models import Service, ServiceStatus
from practice.clients.models import Client
from practice.clients.service import ClientContact, client_for, normalised_email
from practice.email_addresses import unreachable_address_reason
from practice.extensions import begin_write_transaction, db
from practice.payment_settings import online_payments_enabled
from practice.scheduling.availability import Offer, service_spec
from practice.scheduling.slots import Interval, blocked_interval
from practice.timeformats import formatting_locale, is_known_timezone

#: Who may change a booking (Booking.cancelled_by, and the `by` the emails are told).
CLIENT = ChangedBy.client
PRACTITIONER = ChangedBy.practitioner
#: A practitioner's note to the client when they move or cancel a session.
MESSAGE_LIMIT = 1000
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
#: Line breaks and tabs belong in a note; every other control character is refused.
NOTE_WHITESPACE = "\n\t"
#: Lazy: read in the language of the request that shows it.
HIDDEN_CHARACTER_MESSAGE = lazy_gettext(
    "This has a hidden character in it that we can't keep. It can slip in when text is pasted "
    "from another program: please type that part again."
)
#: How long a first-time client's time is held while they confirm their email (the same as a payment's hold).
EMAIL_HOLD = timedelta(minutes=30)
#: A client who has had one of these is no longer first-time.
CONFIRMED_BEFORE = (BookingStatus.confirmed, BookingStatus.completed, BookingStatus.no_show)


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
        super().__init__(_("That time was just taken — please choose another time."))


class TooManyBookings(BookingError):
    """The address already has as many upcoming bookings as the practice allows online."""


class ChangeNotAllowed(BookingError):
    """The booking can't be changed this way: it is cancelled or over, or the client is inside the window."""


class PaymentRequired(BookingError):
    """The service is paid when booking: it is booked through checkout, which holds the time first."""

    def __init__(self):
        super().__init__(_("This service is paid when you book, so it can only be booked on its booking page."))


class HoldOutcome(enum.Enum):
    """What a payment for a held booking achieved (see confirm_hold)."""

    confirmed = "confirmed"
    already_confirmed = "already_confirmed"
    #: The time went to someone else, has passed, or the booking was cancelled: the money goes back.
    unavailable = "unavailable"


@dataclass(frozen=True)
class ClientDetails:
    name: str
    email: str
    timezone: str
    phone: str = ""
    preferred_name: str = ""
    pronouns: str = ""
    note: str = ""
    #: The language the client booked in; their emails follow it.
    locale: str = "en"

    def contact(self) -> ClientContact:
        return ClientContact(
            name=self.name, email=self.email, phone=self.phone, preferred_name=self.preferred_name, pronouns=self.pronouns
        )


def client_details_from(raw: dict, *, locale: str = "en") -> ClientDetails:
    """Check and tidy what a client typed; raise InvalidDetails naming every bad field.

    `locale` is the language the client is booking in (practice.i18n.current_locale()): their emails follow it.
    """
    values = {key: _text(raw.get(key)) for key in FIELD_LIMITS}
    # A browser sends each line break as \r\n; counted once, as the page's count shows it.
    values["note"] = one_newline_per_break(values["note"])
    errors: dict[str, str] = {}
    for key, limit in FIELD_LIMITS.items():
        if has_hidden_characters(values[key], allowed=NOTE_WHITESPACE if key == "note" else ""):
            errors[key] = str(HIDDEN_CHARACTER_MESSAGE)
        elif len(values[key]) > limit:
            errors[key] = (
                note_too_long_message(values[key], limit)
                if key == "note"
                else _("Please keep this under %(limit)s characters.", limit=limit)
            )
    if not values["name"]:
        errors.setdefault("name", _("Please tell us your name."))
    if not values["email"]:
        errors.setdefault("email", _("Please give an email address for your confirmation."))
    elif "email" not in errors:
        try:
            # The ASCII form: an internationalised domain is written as IDNA, which every mail
            # server accepts and which finds the same client however the domain was typed.
            values["email"] = validate_email(values["email"], check_deliverability=False, allow_smtputf8=False).ascii_email
        except EmailNotValidError:
            errors["email"] = unreachable_address_reason(values["email"]) or _(
                "That email address doesn't look right — please check it."
            )
    if values["phone"] and not set(values["phone"]) <= PHONE_CHARACTERS:
        errors.setdefault("phone", _("Please use only digits, spaces and + - ( ) in a phone number."))
    if not is_known_timezone(values["timezone"]):
        errors.setdefault("timezone", _("Please choose a timezone from the list."))
    if errors:
        raise InvalidDetails(_("Some details need another look."), errors)
    return ClientDetails(**values, locale=locale)


def note_too_long_message(note: str, limit: int) -> str:
    """Both numbers, and the reassurance that the page still holds every word."""
    return _(
        "Your note is %(length)s characters; the limit is %(limit)s. "
        "Nothing you wrote is lost — please shorten it before you go on.",
        length=number_text(len(note)),
        limit=number_text(limit),
    )


def number_text(count: int) -> str:
    """A count as the reader writes it: "10,000" in English, "10.000" in Spanish."""
    return format_decimal(count, locale=formatting_locale())


def one_newline_per_break(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def has_hidden_characters(text: str, *, allowed: str = "") -> bool:
    """Control characters other than `allowed`: they slip in with pasted text and break emails and exports."""
    return any(unicodedata.category(character) == "Cc" and character not in allowed for character in text)


def book(
    *,
    service_id: int,
    start: datetime,
    client: ClientDetails,
    now: datetime,
    submission_key: str | None = None,
    hold_until: datetime | None = None,
    from_client: bool = False,
) -> Booking:
    """Book `client` into `service_id` at `start`, or raise a BookingError.

    The slot is re-checked with the scheduling engine inside the transaction that inserts,
    and that transaction is serialised per practitioner, so two clients can never both win
    the last seat (see _lock_practitioner). A second request with the same `submission_key`
    (the confirm form sent twice: a double tap, the back button) returns the booking the
    first one made, rather than a second seat or a "just taken" to the person who holds it —
    even once that time has passed or the service has been unpublished since.

    With `hold_until` the booking is `held` for a payment until then (busy for everyone
    else meanwhile) and nobody is told yet; confirm_hold() confirms it once paid. A service
    paid online is only ever booked that way.

    `from_client` (the public pages, the API, checkout) applies the practice's limits on what
    a stranger may book: a number of upcoming bookings per address, and, for a first-time
    client when the practice asks, a hold until they confirm their email (EMAIL_HOLD).
    """
    with _serialised_change():
        service = _existing_service(service_id)
        _lock_practitioner(service.practitioner_id)
        earlier = _booking_made_by(submission_key, service, start, client)
        if earlier is not None:
            return earlier
        _check_bookable(service, held=hold_until is not None)
        start = _future_start(start, now)
        check_still_free(service, start, now)
        hold_reason = None if hold_until is None else HoldReason.payment
        if from_client:
            _check_active_limit(service.practice, client.email, now)
            if hold_until is None and _confirms_email_first(service.practice, client.email):
                hold_until, hold_reason = now + EMAIL_HOLD, HoldReason.email
        booking = _new_booking(service, start, client, now, submission_key, hold_until, hold_reason)
        _release_expired_holds(booking.practitioner_id, _blocked(booking), now)
        db.session.add(booking)
        _flush_or_taken()
        if booking.status is not BookingStatus.held:
            booking_confirmed.send(booking, now=now)
        elif hold_reason is HoldReason.email:
            booking_awaiting_email.send(booking, now=now)
    return booking


def _upcoming_bookings_of(client_id: int, now: datetime):
    """The client's bookings that still hold a time ahead."""
    return select(Booking).where(Booking.client_id == client_id, Booking.occupies_time_at(now), Booking.starts_at > now)


def _client_id(practice_id: int, email: str) -> int | None:
    # Found by the client's own unique key first: asked in one join, PostgreSQL may scan every
    # booking of the practice when its statistics say clients are few.
    return db.session.scalar(select(Client.id).where(Client.practice_id == practice_id, Client.email == normalised_email(email)))


def upcoming_bookings_of(practice_id: int, email: str, now: datetime) -> list[Booking]:
    """The address's bookings at the practice still to come and still active, soonest first."""
    client_id = _client_id(practice_id, email)
    if client_id is None:
        return []
    return list(db.session.scalars(_upcoming_bookings_of(client_id, now).order_by(Booking.starts_at, Booking.id)))


def _check_active_limit(practice: Practice, email: str, now: datetime) -> None:
    """Refuse a booking online past the practice's limit of upcoming bookings per address.

    Every upcoming booking of the address counts, those the practitioner made too; only
    booking online is limited, so the practitioner can always book a client more.
    """
    limit = practice.max_active_bookings_per_email
    if not limit:
        return
    client_id = _client_id(practice.id, email)
    if client_id is None:
        return
    count = db.session.scalar(select(func.count()).select_from(_upcoming_bookings_of(client_id, now).subquery()))
    if count >= limit:
        if practice.contact_email:
            contact = _(
                "To book another, please contact %(practice)s at %(email)s.",
                practice=practice.name, email=practice.contact_email,
            )
        else:
            contact = _("To book another, please contact %(practice)s.", practice=practice.name)
        limit_reached = ngettext(
            "This email address already has %(num)d upcoming booking with %(practice)s, "
            "the most that can be made online.",
            "This email address already has %(num)d upcoming bookings with %(practice)s, "
            "the most that can be made online.",
            count,
            practice=practice.name,
        )
        raise TooManyBookings(f"{limit_reached} {contact}")


def _confirms_email_first(practice: Practice, email: str) -> bool:
    """Whether a booking by this address waits for it to be confirmed: the practice asks, and the client is new."""
    if not practice.confirm_new_client_email:
        return False
    client_id = _client_id(practice.id, email)
    if client_id is None:
        return True
    known = db.session.scalar(
        select(Booking.id).where(Booking.client_id == client_id, Booking.status.in_(CONFIRMED_BEFORE)).limit(1)
    )
    return known is None


def confirm_email_hold(booking_id: int, *, now: datetime) -> HoldOutcome:
    """The client followed the emailed link: a booking held for their email becomes final if the time is still theirs."""
    with _serialised_change():
        booking = _locked_booking(booking_id)
        if booking.hold_reason is not HoldReason.email:
            return HoldOutcome.unavailable
        return confirm_hold(booking_id, now=now)


def serialised_change():
    """The transaction book() and cancel_booking() use, for an operation that composes confirm_hold() or release_hold()."""
    return _serialised_change()


def confirm_hold(booking_id: int, *, now: datetime) -> HoldOutcome:
    """Confirm a held booking whose payment arrived; call inside serialised_change().

    A payment that arrives after its hold lapsed still confirms the booking when the time is
    free and ahead; if someone else has it, or the booking was cancelled, nothing changes and
    the caller refunds. Confirming twice changes nothing.
    """
    booking = _locked_booking(booking_id)
    if booking.status is BookingStatus.confirmed:
        return HoldOutcome.already_confirmed
    if not _revivable(booking) or not _free_for(booking, now):
        return HoldOutcome.unavailable
    _release_expired_holds(booking.practitioner_id, _blocked(booking), now, except_id=booking.id)
    event = BookingEvent.confirm if booking.status is BookingStatus.held else BookingEvent.reinstate
    booking.status = next_status(booking.status, event)
    booking.cancelled_at = booking.cancelled_by = None
    db.session.flush()
    booking_confirmed.send(booking, now=now)
    return HoldOutcome.confirmed


def release_hold(booking_id: int, *, now: datetime, by: ChangedBy = ChangedBy.expiry) -> bool:
    """End a hold before it was paid (its checkout expired, or the client chose another time); call inside serialised_change().

    Returns whether anything changed: a booking already confirmed or cancelled is left alone.
    """
    booking = _locked_booking(booking_id)
    if booking.status is not BookingStatus.held:
        return False
    _release(booking, now=now, by=by)
    return True


def _release(booking: Booking, *, now: datetime, by: ChangedBy) -> None:
    booking.status = next_status(booking.status, BookingEvent.lapse)
    booking.cancelled_at = now
    booking.cancelled_by = by
    db.session.flush()
    booking_hold_released.send(booking, now=now, by=by)


def _revivable(booking: Booking) -> bool:
    # Held (even past its expiry), or cancelled only because the hold lapsed: never one a person cancelled.
    return booking.status is BookingStatus.held or (
        booking.status is BookingStatus.cancelled and booking.cancelled_by is ChangedBy.expiry
    )


def _free_for(booking: Booking, now: datetime) -> bool:
    if booking.starts_at <= now:
        return False
    return free_times.seats_left(booking.service, booking.starts_at, now, ignore_booking_id=booking.id) >= 1


def expire_stale_holds(*, now: datetime) -> int:
    """Cancel every hold that lapsed by `now`; return how many.

    The engine already ignores a lapsed hold when it offers times; this tidies the record
    so the admin panel and the client's manage page say what happened.
    """
    begin_write_transaction()
    ended = _end_lapsed_holds(now)
    db.session.commit()
    return ended


def check_still_free(service: Service, start: datetime, now: datetime) -> None:
    """Raise what book() would raise for `start` right now — taken, or never offered — or nothing.

    book() calls it again under its lock; the details page calls it so that a client is not
    asked for their details for a time they cannot have.
    """
    start = _future_start(start, now)
    if free_times.seats_left(service, start, now) < 1:
        raise _why_unavailable(service, start, now)


def reschedule(
    booking: Booking | int, *, new_start: datetime, by: ChangedBy, now: datetime, message: str = ""
) -> Booking:
    """Move a booking to `new_start`, or raise a BookingError; the client and practitioner are owed an email.

    The same engine, transaction and per-practitioner serialisation as book(). The booking's
    own current time is left out of the busy intervals, so it can move by one step into a
    time it overlaps now. A client may move it only outside the practice's cancellation
    window; the practitioner at any time before it starts. `message` is the mover's note
    to the other side (at most MESSAGE_LIMIT characters).
    """
    _check_mover(by)
    message = checked_message(message)
    booking_id = _id_of(booking)
    with _serialised_change():
        booking = _locked_booking(booking_id)
        new_start = _check_new_time(booking, new_start, by=by, now=now)
        previous_start = booking.starts_at
        blocked = blocked_interval(service_spec(booking.service), new_start)
        # Before the move, while the booking is not yet dirty: the UPDATE's autoflush must not
        # meet a lapsed hold that PostgreSQL's exclusion constraint still counts.
        _release_expired_holds(booking.practitioner_id, blocked, now, except_id=booking.id)
        booking.starts_at = new_start
        booking.ends_at = new_start + booking.service.duration
        booking.blocked_start, booking.blocked_end = blocked.start, blocked.end
        booking.sequence += 1
        _flush_or_taken()
        booking_rescheduled.send(booking, previous_start=previous_start, now=now, by=by, message=message)
    return booking


def check_reschedule(booking: Booking, *, new_start: datetime, by: ChangedBy, now: datetime) -> None:
    """Raise the BookingError reschedule() would raise right now, without changing anything.

    For the confirm step, so a client is not asked to confirm a time they cannot have.
    """
    _check_mover(by)
    _check_new_time(booking, new_start, by=by, now=now)


def cancel_booking(booking: Booking | int, *, by: ChangedBy, now: datetime, message: str = "") -> Booking:
    """Cancel a booking, owing the client and practitioner an email; cancelling one already cancelled changes nothing.

    A client may cancel only outside the practice's cancellation window; nobody can cancel a
    session that has started. `message` is the canceller's note to the other side.
    """
    _check_mover(by)
    message = checked_message(message)
    booking_id = _id_of(booking)
    with _serialised_change():
        booking = _locked_booking(booking_id)
        # Serialised with every other change, so two taps on "cancel" owe one email, not two.
        if not _occupies_time(booking, now):
            return booking
        if booking.status is BookingStatus.held:
            # Never confirmed, so nobody is owed a cancellation: the time is simply let go.
            _release(booking, now=now, by=by)
            return booking
        check_changeable(booking, by=by, now=now, cancelling=True)
        booking.status = next_status(booking.status, BookingEvent.cancel)
        booking.cancelled_at = now
        booking.cancelled_by = by
        # Calendars ignore a CANCEL whose SEQUENCE does not rise (RFC 5546).
        booking.sequence += 1
        db.session.flush()
        booking_cancelled.send(booking, now=now, by=by, message=message)
    return booking


def change_policy(booking: Booking, now: datetime) -> ChangePolicy:
    """What the client's manage link may still do with `booking` at `now`."""
    practice = booking.practice
    return policy_at(
        booking.status,
        booking.hold_expires_at,
        booking.starts_at,
        practice.cancellation_window_hours,
        now,
        grace_until=cancel_grace_end(booking),
    )


def cancel_grace_end(booking: Booking) -> datetime | None:
    """Until when the client may cancel whatever the window: the practice's grace after booking."""
    minutes = booking.practice.cancel_grace_minutes
    return booking.created_at + timedelta(minutes=minutes) if minutes else None


def in_cancel_grace(booking: Booking, now: datetime) -> bool:
    grace_end = cancel_grace_end(booking)
    return grace_end is not None and now < grace_end


def check_changeable(booking: Booking, *, by: ChangedBy, now: datetime, cancelling: bool = False) -> None:
    """Raise ChangeNotAllowed unless `by` may still move (or, `cancelling`, cancel) `booking` at `now`.

    The practitioner is not held to their own cancellation window; nobody changes a session
    once it has started, or one that is cancelled. A client may cancel inside the window
    during the grace after booking.
    """
    policy = change_policy(booking, now)
    if policy.window is ChangeWindow.inactive:
        if booking.is_cancelled:
            raise ChangeNotAllowed(_("This booking is cancelled, so it can't be changed."))
        raise ChangeNotAllowed(_("This booking can no longer be changed."))
    if policy.window is ChangeWindow.started:
        raise ChangeNotAllowed(_("This session has already started, so it can't be changed."))
    if policy.window is ChangeWindow.closing and by is CLIENT and not (cancelling and policy.in_grace):
        raise ChangeNotAllowed(window_message(booking.practice, policy.window_hours))


def check_movable(booking: Booking, *, by: ChangedBy, now: datetime) -> None:
    """check_changeable(), and for a client also that the service is still offered to book."""
    check_changeable(booking, by=by, now=now)
    if by is CLIENT and booking.service.status is not ServiceStatus.published:
        raise ChangeNotAllowed(
            _("This session can't be moved online any more — please contact %(practice)s.",
              practice=booking.practice.name)
        )


def window_message(practice: Practice, hours: int) -> str:
    """The cancellation policy in words, with how to reach the practice instead."""
    window = ngettext(
        "Changes can be made up to %(num)d hour before your session.",
        "Changes can be made up to %(num)d hours before your session.",
        hours,
    )
    if practice.contact_email:
        contact = _(
            "To change it now, please contact %(practice)s at %(email)s.",
            practice=practice.name, email=practice.contact_email,
        )
    else:
        contact = _("To change it now, please contact %(practice)s.", practice=practice.name)
    # Two sentences, each translated whole: the second's wording depends on the address alone.
    return f"{window} {contact}"


def checked_message(message: str | None) -> str:
    """A note to the other side, tidied; InvalidDetails naming the field when too long."""
    text = _text(message).replace("\r\n", "\n")
    if len(text) > MESSAGE_LIMIT:
        raise InvalidDetails(
            _("Some details need another look."),
            {"message": _("Please keep the message under %(limit)s characters.", limit=MESSAGE_LIMIT)},
        )
    return text


def manage_token(booking: Booking, secret_key: str) -> str:
    return links.manage_token(booking.public_id, secret_key)


def manage_url(booking: Booking) -> str:
    """The client's own link to see, move or cancel this booking, at BASE_URL."""
    return links.manage_url(booking.public_id)


def booking_for_manage_token(token: str, secret_key: str) -> Booking | None:
    public_id = links.public_id_from_token(token, secret_key)
    if public_id is None:
        return None
    return db.session.scalar(select(Booking).where(Booking.public_id == public_id))


def booking_for_email_confirmation(token: str, secret_key: str) -> Booking | None:
    public_id = links.public_id_from_email_confirmation(token, secret_key)
    if public_id is None:
        return None
    return db.session.scalar(select(Booking).where(Booking.public_id == public_id))


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _future_start(start: datetime, now: datetime) -> datetime:
    if start.tzinfo is None:
        raise TimeNotOffered(_("Please choose a time from the list."))
    start = start.astimezone(UTC)
    if start <= now:
        raise TimeNotOffered(_("That time has already passed — please choose another time."))
    return start


def _check_mover(by: ChangedBy) -> None:
    if by not in (CLIENT, PRACTITIONER):
        raise ValueError(f"a booking is changed by the client or the practitioner, not {by!r}")


def _id_of(booking: Booking | int) -> int:
    # Read before the transaction restarts: afterwards the object is expired.
    return booking if isinstance(booking, int) else booking.id


def _occupies_time(booking: Booking, now: datetime) -> bool:
    return occupies_time(booking.status, booking.hold_expires_at, now)


def _check_new_time(booking: Booking, new_start: datetime, *, by: ChangedBy, now: datetime) -> datetime:
    """`new_start` in UTC if `by` may move `booking` there now, else the BookingError to show."""
    check_movable(booking, by=by, now=now)
    new_start = _future_start(new_start, now)
    if new_start == booking.starts_at:
        raise BookingError(_("Your session is already at that time — please choose a different time."))
    if free_times.seats_left(booking.service, new_start, now, ignore_booking_id=booking.id) < 1:
        raise _why_unavailable(booking.service, new_start, now)
    return new_start


@contextmanager
def _serialised_change() -> Iterator[None]:
    """One booking change and the emails it owes, as one transaction serialised per practitioner.

    Whatever the caller read is dropped; the block must call _lock_practitioner() before it
    reads what it will decide on. Anything raised rolls everything back, emails included.
    """
    # On SQLite this takes the database's write lock before anything is read.
    begin_write_transaction()
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def locked_booking(booking_id: int) -> Booking:
    """The booking, read again under its practitioner's lock; call inside serialised_change()."""
    return _locked_booking(booking_id)


def _locked_booking(booking_id: int) -> Booking:
    practitioner_id = db.session.scalar(select(Booking.practitioner_id).where(Booking.id == booking_id))
    if practitioner_id is None:
        raise BookingError(_("We couldn't find that booking."))
    _lock_practitioner(practitioner_id)
    # Read again under the lock: on PostgreSQL another change may have committed in between.
    return db.session.get(Booking, booking_id, populate_existing=True)


def _flush_or_taken() -> None:
    try:
        db.session.flush()
    except IntegrityError:
        # PostgreSQL's exclusion constraint: only reachable if the lock were bypassed.
        raise SlotTaken() from None


def lock_practitioner(practitioner_id: int) -> None:
    """Serialise with every booking change of this practitioner; call inside serialised_change()."""
    _lock_practitioner(practitioner_id)


def _lock_practitioner(practitioner_id: int) -> None:
    # On PostgreSQL a row lock on the practitioner serialises book() per practitioner;
    # SQLite already holds its database-wide write lock from BEGIN IMMEDIATE.
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            select(Practitioner.id).where(Practitioner.id == practitioner_id).with_for_update()
        )


def _existing_service(service_id: int) -> Service:
    service = db.session.get(Service, service_id)
    if service is None:
        raise BookingError(_("That service isn't available for booking."))
    return service


def paid_when_booking(service: Service) -> bool:
    """Whether booking this service goes through checkout: it asks for money online and the install takes it."""
    return service.pricing.paid_online and online_payments_enabled(current_app.config)


def _check_bookable(service: Service, *, held: bool) -> None:
    if service.status is not ServiceStatus.published:
        raise BookingError(_("That service isn't available for booking."))
    if not held and paid_when_booking(service):
        raise PaymentRequired()


def _why_unavailable(service: Service, start: datetime, now: datetime) -> BookingError:
    if free_times.is_offered_when_free(service, start, now):
        return SlotTaken()
    return TimeNotOffered(_("That time isn't offered — please choose one of the times shown."))


def _blocked(booking: Booking) -> Interval:
    return Interval(booking.blocked_start, booking.blocked_end)


def _release_expired_holds(
    practitioner_id: int, blocked: Interval, now: datetime, *, except_id: int | None = None
) -> None:
    # The engine already ignores a lapsed hold, but PostgreSQL's exclusion constraint cannot
    # read the clock and would still refuse the new time, so the hold is ended first.
    _end_lapsed_holds(
        now,
        Booking.practitioner_id == practitioner_id,
        # The lower bound keeps the index range to a day, not the practitioner's whole history.
        Booking.blocked_start >= blocked.start - free_times.LONGEST_BLOCK,
        Booking.blocked_start < blocked.end,
        Booking.blocked_end > blocked.start,
        *(() if except_id is None else (Booking.id != except_id,)),
    )


def _end_lapsed_holds(now: datetime, *where) -> int:
    """Cancel, "by expiry", the held bookings matching `where` whose hold lapsed by `now`; the client is told.

    A hold with no expiry counts as lapsed, as the engine treats it.
    """
    lapsed = db.session.scalars(
        select(Booking).where(
            Booking.status == BookingStatus.held,
            or_(Booking.hold_expires_at.is_(None), Booking.hold_expires_at <= now),
            *where,
        )
    ).all()
    for booking in lapsed:
        _release(booking, now=now, by=ChangedBy.expiry)
    return len(lapsed)


def _booking_made_by(submission_key: str | None, service: Service, start: datetime, client: ClientDetails) -> Booking | None:
    """The booking this same confirmation made before, if it was already sent.

    The key must come back with what it was issued for (the service, the time, the address):
    the same key with anything else is not a resubmission but a tampered form, and the earlier
    booking's manage page is never shown to it.
    """
    if not submission_key:
        return None
    earlier = db.session.scalar(select(Booking).where(Booking.submission_key == submission_key))
    if earlier is None:
        return None
    if (earlier.service_id, earlier.starts_at, earlier.client.email) != (service.id, start, normalised_email(client.email)):
        raise BookingError(_("This confirmation was already used. Please choose your time again."))
    return earlier


def _new_booking(
    service: Service,
    start: datetime,
    details: ClientDetails,
    now: datetime,
    submission_key: str | None,
    hold_until: datetime | None,
    hold_reason: HoldReason | None,
) -> Booking:
    blocked = blocked_interval(service_spec(service), start)
    client = client_for(service.practice_id, details.contact(), now=now)
    return Booking(
        practice_id=service.practice_id,
        practitioner_id=service.practitioner_id,
        service_id=service.id,
        status=BookingStatus.confirmed if hold_until is None else BookingStatus.held,
        hold_expires_at=hold_until,
        hold_reason=hold_reason,
        starts_at=start,
        ends_at=start + service.duration,
        blocked_start=blocked.start,
        blocked_end=blocked.end,
        is_group=service.is_group,
        seats=1,
        client=client,
        client_note=details.note,
        client_timezone=details.timezone,
        locale=details.locale,
        submission_key=submission_key,
        created_at=now,
    )


def published_services(practice_id: int, practitioner_id: int | None = None) -> list[Service]:
    """A practice's published services, grouped by practitioner as its page lists them; one practitioner's if given."""
    query = (
        select(Service)
        .join(Practitioner)
        .where(Service.practice_id == practice_id, Service.status == ServiceStatus.published)
        .order_by(Practitioner.name, Practitioner.id, Service.name, Service.id)
    )
    if practitioner_id is not None:
        query = query.where(Service.practitioner_id == practitioner_id)
    return list(db.session.scalars(query))


def every_published_service() -> list[Service]:
    """Every practice's published services, practice by practice, as the API lists them."""
    return list(
        db.session.scalars(
            select(Service)
            .join(Practice, Service.practice_id == Practice.id)
            .join(Practitioner, Service.practitioner_id == Practitioner.id)
            .where(Service.status == ServiceStatus.published)
            .order_by(Practice.name, Practice.id, Practitioner.name, Practitioner.id, Service.name, Service.id)
        )
    )


def practice_by_slug(slug: str) -> Practice | None:
    return db.session.scalar(select(Practice).where(Practice.slug == slug))


def all_practices() -> list[Practice]:
    return list(db.session.scalars(select(Practice).order_by(Practice.name, Practice.id)))


def practitioner_by_slug(slug: str) -> Practitioner | None:
    return db.session.scalar(select(Practitioner).where(Practitioner.slug == slug))


def practitioner_of(practice_id: int, slug: str) -> Practitioner | None:
    """The practitioner with this web address, if they belong to the practice."""
    practitioner = practitioner_by_slug(slug)
    return practitioner if practitioner is not None and practitioner.practice_id == practice_id else None


#: Built once, with the practice and the practitioner loaded in the same query: the public pages
#: and the slots API read both, and building the statement costs more than running it.
_PUBLISHED_SERVICE = (
    select(Service)
    .join(Service.practice)
    .join(Service.practitioner)
    .options(contains_eager(Service.practice), contains_eager(Service.practitioner))
    .where(Service.id == bindparam("service"), Service.status == ServiceStatus.published)
)
_PUBLISHED_SERVICE_AT = _PUBLISHED_SERVICE.where(
    Practice.slug == bindparam("practice_slug"), Practitioner.slug == bindparam("practitioner_slug")
)


def published_service(practice_slug: str, practitioner_slug: str, service_id: int) -> Service | None:
    """The published service with this id, if it is offered by that practitioner of that practice."""
    values = {"service": service_id, "practice_slug": practice_slug, "practitioner_slug": practitioner_slug}
    return db.session.scalar(_PUBLISHED_SERVICE_AT, values)


def published_service_by_id(service_id: int) -> Service | None:
    return db.session.scalar(_PUBLISHED_SERVICE, {"service": service_id})


class PublishedOffer(NamedTuple):
    offer: Offer
    #: The practice shows a group's exact places left, not "a few" (see times.shown_remaining).
    exact_group_places: bool
    #: The practitioner's schedule_version, read in the same statement, before anything it stands for.
    schedule_version: str


_service, _practice, _practitioner = Service.__table__.c, Practice.__table__.c, Practitioner.__table__.c
_PUBLISHED_OFFER = (
    select(
        _service.id, _service.duration_minutes, _service.buffer_before_minutes, _service.buffer_after_minutes,
        _service.capacity, _service.slot_step_minutes, _service.practitioner_id, _service.own_hours,
        _practice.timezone, _practice.min_notice_minutes, _practice.max_advance_days, _practice.exact_group_places,
        _practitioner.schedule_version,
    )
    .join_from(Service.__table__, Practice.__table__, _service.practice_id == _practice.id)
    .join(Practitioner.__table__, _service.practitioner_id == _practitioner.id)
    .where(_service.id == bindparam("service"), _service.status == ServiceStatus.published)
)


def published_offer(service_id: int) -> PublishedOffer | None:
    """A published service as its free times need it, read as one row of plain values: for the slots API."""
    row = db.session.execute(_PUBLISHED_OFFER, {"service": service_id}).one_or_none()
    if row is None:
        return None
    offer = Offer(
        spec=service_spec(row),
        practitioner_id=row.practitioner_id,
        own_hours=row.own_hours,
        timezone=row.timezone,
        min_notice=timedelta(minutes=row.min_notice_minutes),
        max_advance=timedelta(days=row.max_advance_days),
    )
    return PublishedOffer(offer, row.exact_group_places, row.schedule_version)
