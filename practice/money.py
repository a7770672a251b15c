"""Money as an integer count of a currency's minor unit, and how people type and read it."""
import copy
import re
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import get_currency_symbol
from flask_babel import gettext

from practice.timeformats import formatting_locale

#: The currencies a practice may choose, with their English symbols. What an amount shows is
#: Babel's (CLDR's) symbol in the reader's locale: "$65.00" in en_US, "US$65.00" in en_GB.
CURRENCY_SYMBOLS = {
    "GBP": "£", "EUR": "€", "USD": "$", "CAD": "CA$", "AUD": "A$", "NZD": "NZ$", "JPY": "¥",
}

# Decimal places of the minor unit: ISO 4217, with Stripe's zero-decimal currencies at 0
# (MGA too, which ISO gives two), so a stored amount is what Stripe's `amount` means.
# Every currency not named here has two. Stripe's special cases, for whoever sends amounts:
# - BHD, JOD, KWD, OMR and TND are three-decimal, but Stripe wants the last digit 0
#   (round 5.124 KWD to 5120 or 5130).
# - ISK is zero-decimal here (ISO) but two-decimal in Stripe's API: send 100 per króna,
#   always a multiple of 100.
# - HUF and TWD are two-decimal for charges, but payouts must be whole units (multiples of 100).
# - UGX is zero-decimal in Stripe's list and also among its special cases: check the
#   currencies page before charging it.
ZERO_DECIMAL = frozenset({
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "UYI",
    "VND", "VUV", "XAF", "XOF", "XPF",
})
THREE_DECIMAL = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})
FOUR_DECIMAL = frozenset({"CLF", "UYW"})

#: Digits before the decimal point: far above any price, and it keeps Decimal's arithmetic
#: (28 significant digits) exact.
MAX_WHOLE_DIGITS = 12
AMOUNT_PATTERN = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?")
#: What a person might type, by decimal places: shown in the messages.
EXAMPLES = {0: "6500", 2: "65.50", 3: "6.525", 4: "6.5255"}
DECIMAL_PLACES_IN_WORDS = {2: "two", 3: "three", 4: "four"}


class AmountError(ValueError):
    """An amount that is not a plain non-negative number in its currency; the message says why."""


def decimal_places(currency: str) -> int:
    """How many digits the currency's minor unit adds after the point: JPY 0, GBP 2, KWD 3."""
    if currency in ZERO_DECIMAL:
        return 0
    if currency in THREE_DECIMAL:
        return 3
    if currency in FOUR_DECIMAL:
        return 4
    return 2


def parse_amount(text: str, currency: str) -> int:
    """The amount typed as "65" or "65.50" in minor units (6550), exactly; AmountError if not."""
    places = decimal_places(currency)
    example = EXAMPLES[places]
    text = text.strip()
    if not text:
        raise AmountError(f"Please enter an amount, like {example}.")
    found = AMOUNT_PATTERN.fullmatch(text)
    if not found:
        raise AmountError(f"Please enter the amount as a number, like {example}.")
    minus, whole, fraction = found.groups()
    if minus and Decimal(text) != 0:
        raise AmountError("An amount can't be negative.")
    # Trailing zeros are exact ("65.500" is 65.50), so only the digits that count are counted.
    if len((fraction or "").rstrip("0")) > places:
        raise AmountError(_too_many_decimals(places))
    if len(whole.lstrip("0")) > MAX_WHOLE_DIGITS:
        raise AmountError("That amount is too large. Please check it.")
    return int(Decimal(text).scaleb(places))


def _too_many_decimals(places: int) -> str:
    if places == 0:
        return f"Please enter a whole amount, like {EXAMPLES[0]}."
    return f"Please use at most {DECIMAL_PLACES_IN_WORDS[places]} decimal places, like {EXAMPLES[places]}."


def amount_text(minor: int, currency: str) -> str:
    """The amount as a form shows it, for parse_amount to read back: "65.00", or "6500" for JPY."""
    places = decimal_places(currency)
    return f"{_major(minor, places):.{places}f}"


def format_money(minor: int, currency: str, locale: Locale | str | None = None) -> str:
    """The amount as people read it in `locale` (the request's by default): "£65.00", "JP¥6,500",
    "KWD 6.525" in en_GB, "65,00 €" in es; nothing to pay is "Free"."""
    if minor == 0:
        return gettext("Free")
    chosen = formatting_locale(locale)
    places = decimal_places(currency)
    text = _currency_pattern(chosen, places).apply(_major(minor, places), chosen, currency=currency, currency_digits=False)
    return _spaced(text, get_currency_symbol(currency, chosen))


@lru_cache(maxsize=64)
def _currency_pattern(locale: Locale, places: int):
    # The stored amount's places are ours (Stripe's zero-decimal list), not CLDR's: MGA has none.
    pattern = copy.copy(locale.currency_formats["standard"])
    pattern.frac_prec = (places, places)
    return pattern


def _spaced(text: str, symbol: str) -> str:
    """CLDR's currency spacing, which Babel leaves out: a code beside a digit gets a no-break space
    ("KWD 6.525", "6.525 KWD"); a symbol such as "£" or "CA$" stays close."""
    if symbol[-1:].isalpha():
        text = re.sub(f"({re.escape(symbol)})(?=[0-9])", "\\1\u00a0", text, count=1)
    if symbol[:1].isalpha():
        text = re.sub(f"(?<=[0-9])({re.escape(symbol)})", "\u00a0\\1", text, count=1)
    return text


def _major(minor: int, places: int) -> Decimal:
    return Decimal(minor).scaleb(-places)


FILTERS = {"money": format_money, "amount_text": amount_text}
