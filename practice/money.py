"""Money as integer cents with an ISO currency, and how people read it."""
from decimal import Decimal

CURRENCY_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "CAD": "CA$", "AUD": "A$", "NZD": "NZ$"}


def format_money(cents: int, currency: str) -> str:
    if cents == 0:
        return "Free"
    amount = Decimal(cents) / 100
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{amount:,.2f}" if symbol else f"{amount:,.2f} {currency}"


FILTERS = {"money": format_money}
