"""Which email addresses our mail can reach: plain ASCII before the @, any domain."""
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from wtforms.validators import StopValidation

from practice.translatable import N_

NOT_PLAIN_ADDRESS = N_(
    "Please use an email address made of plain letters and numbers before the @, like jo.rivers@example.org. "
    "Our email can't yet reach addresses with accented letters or other alphabets in that part."
)


def unreachable_address_reason(address: str) -> str | None:
    """Why mail could not reach `address`, or None.

    Delivering to a non-ASCII mailbox name needs SMTPUTF8 all the way to the recipient's
    server, which our SMTP path does not use. An internationalised domain is fine: IDNA
    gives it an ASCII form.
    """
    mailbox, at, _domain = address.rpartition("@")
    if at and not mailbox.isascii():
        return _(NOT_PLAIN_ADDRESS)
    return None


class ReachableAddress:
    """WTForms validator: refuse an address our mail could not reach, with a plain reason."""

    def __call__(self, form, field) -> None:
        reason = unreachable_address_reason(field.data or "")
        if reason:
            raise StopValidation(reason)


def address_problem(address: str) -> str | None:
    """Why `address` can't be used to write to someone (too long, malformed, unreachable), or None."""
    if len(address) > 254:
        return _("Please keep this under %(limit)s characters.", limit=254)
    if reason := unreachable_address_reason(address):
        return reason
    try:
        validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return _("That email address doesn't look right.")
    return None
