"""A client who lost their link: the address checked, and their upcoming bookings at the practice
announced, so that notifications owes them one email listing each with its link."""
from datetime import datetime

from email_validator import validate_email
from flask_babel import gettext as _

from practice.booking.service import FIELD_LIMITS, upcoming_bookings_of
from practice.booking.signals import lost_links_requested
from practice.clients.service import normalised_email
from practice.email_addresses import address_problem
from practice.extensions import begin_write_transaction, db

#: The longest address the form takes, as booking stores it.
ADDRESS_LIMIT = FIELD_LIMITS["email"]


class InvalidAddress(Exception):
    """What was typed is not an address we could write to; `message` is shown by the field."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


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


def send_lost_links(practice_id: int, address: str, *, now: datetime) -> None:
    """Announce `address`'s upcoming bookings at the practice (lost_links_requested), if it has any.

    `address` comes from checked_address(). A page must answer alike whether or not anything was
    found: it would otherwise tell anyone who books where. One write transaction, committed here,
    so the email the receiver owes is saved with it.
    """
    begin_write_transaction()
    try:
        bookings = upcoming_bookings_of(practice_id, address, now)
        if bookings:
            lost_links_requested.send(bookings[0].client, bookings=bookings, now=now)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
