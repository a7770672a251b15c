"""A client changing their own details after booking, by the manage link: checked as booking checks them, written all at once."""
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from practice.booking.models import Booking
from practice.booking.service import (
    FIELD_LIMITS,
    HIDDEN_CHARACTER_MESSAGE,
    NOTE_WHITESPACE,
    PHONE_CHARACTERS,
    ChangeNotAllowed,
    InvalidDetails,
    has_hidden_characters,
    locked_booking,
    note_too_long_message,
    number_text,
    one_newline_per_break,
    serialised_change,
)
from practice.booking.states import occupies_time
from practice.clients.models import ContactPreference


@dataclass(frozen=True)
class DetailsChange:
    """What a client may change after booking. Never the name on the booking nor the email: the
    email is how the practice finds its client record, and so whose this manage link is."""

    preferred_name: str
    pronouns: str
    phone: str
    contact_preference: ContactPreference
    note: str


def details_change_from(raw: Mapping[str, str]) -> DetailsChange:
    """Check and tidy what a client sent; raise InvalidDetails naming every bad field.

    An empty preferred name, pronouns or phone clears what was held.
    """
    values = {key: _text(raw.get(key)) for key in ("preferred_name", "pronouns", "phone", "note")}
    values["note"] = one_newline_per_break(values["note"])
    errors: dict[str, str] = {}
    for key, value in values.items():
        if has_hidden_characters(value, allowed=NOTE_WHITESPACE if key == "note" else ""):
            errors[key] = str(HIDDEN_CHARACTER_MESSAGE)
        elif len(value) > FIELD_LIMITS[key]:
            errors[key] = (
                note_too_long_message(value, FIELD_LIMITS[key])
                if key == "note"
                else _("Please keep this to %(limit)s characters or fewer.", limit=number_text(FIELD_LIMITS[key]))
            )
    if values["phone"] and "phone" not in errors and not set(values["phone"]) <= PHONE_CHARACTERS:
        errors["phone"] = _("Please use only digits, spaces and + - ( ) in a phone number.")
    preference = _preference(raw.get("contact_preference"))
    if preference is None:
        errors["contact_preference"] = _("Please choose how we may contact you.")
    elif preference is not ContactPreference.email_only and not values["phone"]:
        errors.setdefault("phone", _("Please add a phone number, or choose “Email only”."))
    if errors:
        raise InvalidDetails(_("Some details need another look."), errors)
    return DetailsChange(contact_preference=preference, **values)


def check_details_changeable(booking: Booking, *, now: datetime) -> None:
    """Raise ChangeNotAllowed unless the client may still change their details for `booking` at `now`.

    Until the session starts, even inside the cancellation window: a changed phone number or
    name matters most on the day. Not once it has started, nor for a cancelled booking or a
    hold that lapsed unpaid.
    """
    if booking.client.erased_at is not None or not occupies_time(booking.status, booking.hold_expires_at, now):
        if booking.is_cancelled:
            raise ChangeNotAllowed(_("This booking is cancelled, so its details can't be changed here."))
        raise ChangeNotAllowed(_("This booking's details can no longer be changed here."))
    if booking.starts_at <= now:
        raise ChangeNotAllowed(_("This session has already started, so its details can't be changed here."))


def change_client_details(booking: Booking | int, changes: Mapping[str, str], *, now: datetime) -> Booking:
    """Apply a client's own changes to their record and to `booking`'s note, or raise a BookingError.

    InvalidDetails before anything is written; ChangeNotAllowed once the session has started
    or the booking is cancelled, checked again under the practitioner's lock so a change never
    lands on a booking cancelled a moment before. The client record is the practice's one
    record of this person, so a new phone number holds for their other bookings too; the note
    belongs to this booking alone.
    """
    change = details_change_from(changes)
    booking_id = booking if isinstance(booking, int) else booking.id
    with serialised_change():
        booking = locked_booking(booking_id)
        check_details_changeable(booking, now=now)
        client = booking.client
        changed = False
        for field in ("preferred_name", "pronouns", "phone", "contact_preference"):
            value = getattr(change, field)
            if getattr(client, field) != value:
                setattr(client, field, value)
                changed = True
        if changed:
            client.updated_at = now
        booking.client_note = change.note
    return booking


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _preference(value) -> ContactPreference | None:
    try:
        return ContactPreference(value)
    except ValueError:
        return None
