"""What a service costs and how it is paid: at the visit, a deposit, in full, or on a sliding scale.

Pure: amounts are integers in the currency's minor unit; no database. Its words are in the
reader's language through Flask-Babel (English outside a request), as format_money's are.
"""
import enum
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext

from practice.money import format_money


class PaymentMode(enum.Enum):
    """How a service is paid for."""

    #: Nothing online: the client pays at the session.
    at_visit = "at_visit"
    #: A fixed amount online when booking; the rest at the session.
    deposit = "deposit"
    #: The whole price online when booking.
    full = "full"
    #: The client chooses what they can pay, online, between the practice's minimum and maximum.
    sliding = "sliding"


PAYMENT_MODE_LABELS = {
    PaymentMode.at_visit: lazy_gettext("Paid at the visit"),
    PaymentMode.deposit: lazy_gettext("A deposit online, the rest at the visit"),
    PaymentMode.full: lazy_gettext("Paid in full online when booking"),
    PaymentMode.sliding: lazy_gettext("Sliding scale: the client chooses what they can pay"),
}

#: Stripe's smallest charge per currency, in minor units (its "minimum charge amounts" table);
#: other currencies are held to the equivalent of 50 US cents, which this approximates as 50.
STRIPE_MINIMUM_CHARGE = {
    "USD": 50, "AUD": 50, "BRL": 50, "CAD": 50, "CHF": 50, "DKK": 250, "EUR": 50, "GBP": 30,
    "HKD": 400, "JPY": 50, "MXN": 1000, "NOK": 300, "NZD": 50, "PLN": 200, "SEK": 300, "SGD": 50,
}
DEFAULT_MINIMUM_CHARGE = 50


class AmountNotAccepted(ValueError):
    """A sliding-scale amount outside the practice's range; the message says what is accepted."""


@dataclass(frozen=True)
class Pricing:
    mode: PaymentMode
    #: The full price; on a sliding scale, the suggested amount.
    price: int
    deposit: int | None = None
    low: int | None = None
    high: int | None = None

    @property
    def paid_online(self) -> bool:
        return self.mode is not PaymentMode.at_visit and self.price > 0

    @property
    def is_sliding(self) -> bool:
        return self.mode is PaymentMode.sliding

    def amount_online(self, chosen: int | None = None) -> int:
        """What is charged when booking; on a sliding scale `chosen` (or the suggestion), checked against the range."""
        if not self.paid_online:
            return 0
        if self.mode is PaymentMode.deposit:
            return self.deposit or 0
        if self.mode is PaymentMode.sliding:
            amount = self.price if chosen is None else chosen
            if not (self.low or 0) <= amount <= (self.high or self.price):
                raise AmountNotAccepted(_("Please choose an amount within the range shown."))
            return amount
        return self.price

    def due_at_visit(self, paid_online: int) -> int:
        if self.mode is PaymentMode.deposit:
            return max(self.price - paid_online, 0)
        if self.mode is PaymentMode.at_visit:
            return self.price
        return 0


def minimum_charge(currency: str) -> int:
    return STRIPE_MINIMUM_CHARGE.get(currency, DEFAULT_MINIMUM_CHARGE)


def describe(pricing: Pricing, currency: str, *, online: bool = True) -> str:
    """The price as a client reads it on the booking pages.

    `online` is False when the practice takes no online payments: every service is then paid at the visit.
    """
    def money(minor: int) -> str:
        return format_money(minor, currency)

    if pricing.price == 0:
        return _("Free")
    if not online or pricing.mode is PaymentMode.at_visit:
        return _("%(price)s, paid at your visit", price=money(pricing.price))
    if pricing.mode is PaymentMode.deposit:
        rest = pricing.price - (pricing.deposit or 0)
        if rest:
            return _(
                "%(price)s: a %(deposit)s deposit when you book, then %(rest)s at your visit",
                price=money(pricing.price), deposit=money(pricing.deposit or 0), rest=money(rest),
            )
        return _(
            "%(price)s: a %(deposit)s deposit when you book",
            price=money(pricing.price), deposit=money(pricing.deposit or 0),
        )
    if pricing.mode is PaymentMode.sliding:
        return _(
            "Sliding scale, %(low)s to %(high)s (suggested %(price)s): pay what you can when you book",
            low=money(pricing.low or 0), high=money(pricing.high or pricing.price), price=money(pricing.price),
        )
    return _("%(price)s, paid when you book", price=money(pricing.price))
