"""Money in minor units: each currency's decimal places, parsing what people type, showing it back."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from practice.money import (
    CURRENCY_SYMBOLS,
    MAX_WHOLE_DIGITS,
    AmountError,
    amount_text,
    decimal_places,
    format_money,
    parse_amount,
)

# One of each kind: two decimals, zero (ISO and Stripe), Stripe-only zero (MGA), three, four.
CURRENCIES = ["GBP", "USD", "EUR", "JPY", "KRW", "ISK", "MGA", "KWD", "BHD", "CLF", "CHF"]


@pytest.mark.parametrize(
    "currency, places",
    [
        ("GBP", 2), ("EUR", 2), ("USD", 2), ("HUF", 2), ("TWD", 2), ("CHF", 2),
        ("JPY", 0), ("KRW", 0), ("VND", 0), ("CLP", 0), ("XOF", 0), ("UGX", 0), ("ISK", 0),
        ("MGA", 0),
        ("BHD", 3), ("JOD", 3), ("KWD", 3), ("OMR", 3), ("TND", 3), ("IQD", 3), ("LYD", 3),
        ("CLF", 4), ("UYW", 4),
    ],
)
def test_each_currency_has_its_iso_decimal_places_with_stripes_zero_decimal_ones_at_none(currency, places):
    assert decimal_places(currency) == places


@pytest.mark.parametrize(
    "text, currency, minor",
    [
        ("65", "GBP", 6500),
        ("65.5", "GBP", 6550),
        ("65.50", "GBP", 6550),
        ("0.05", "USD", 5),
        ("  65.00 ", "EUR", 6500),
        ("65.500", "GBP", 6550),
        ("0", "GBP", 0),
        ("-0", "GBP", 0),
        ("007", "GBP", 700),
        ("6500", "JPY", 6500),
        ("6500.00", "JPY", 6500),
        ("6.525", "KWD", 6525),
        ("6.5", "KWD", 6500),
        ("1.2345", "CLF", 12345),
        ("999999999999.99", "GBP", 99999999999999),
    ],
)
def test_an_amount_is_parsed_exactly_into_minor_units(text, currency, minor):
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    "text, currency, message",
    [
        ("", "GBP", "Please enter an amount, like 65.50."),
        ("   ", "JPY", "Please enter an amount, like 6500."),
        ("sixty", "GBP", "Please enter the amount as a number, like 65.50."),
        ("65,00", "EUR", "Please enter the amount as a number, like 65.50."),
        ("1,000", "USD", "Please enter the amount as a number, like 65.50."),
        ("£65", "GBP", "Please enter the amount as a number, like 65.50."),
        ("6.5e3", "GBP", "Please enter the amount as a number, like 65.50."),
        ("NaN", "GBP", "Please enter the amount as a number, like 65.50."),
        (".5", "GBP", "Please enter the amount as a number, like 65.50."),
        ("65.", "GBP", "Please enter the amount as a number, like 65.50."),
        ("+65", "GBP", "Please enter the amount as a number, like 65.50."),
        ("٦٥", "GBP", "Please enter the amount as a number, like 65.50."),
        ("-5", "GBP", "An amount can't be negative."),
        ("-0.01", "GBP", "An amount can't be negative."),
        ("65.505", "GBP", "Please use at most two decimal places, like 65.50."),
        ("6500.5", "JPY", "Please enter a whole amount, like 6500."),
        ("6.5255", "KWD", "Please use at most three decimal places, like 6.525."),
        ("1" * (MAX_WHOLE_DIGITS + 1), "GBP", "That amount is too large. Please check it."),
    ],
)
def test_an_amount_that_cannot_be_read_exactly_is_refused_with_a_message_for_people(text, currency, message):
    with pytest.raises(AmountError) as refused:
        parse_amount(text, currency)
    assert str(refused.value) == message


def test_an_amount_error_is_a_value_error():
    with pytest.raises(ValueError):
        parse_amount("sixty", "GBP")


@pytest.mark.parametrize(
    "minor, currency, text",
    [
        (6500, "GBP", "65.00"),
        (6550, "GBP", "65.50"),
        (5, "USD", "0.05"),
        (0, "GBP", "0.00"),
        (123456789, "EUR", "1234567.89"),
        (6500, "JPY", "6500"),
        (0, "JPY", "0"),
        (6525, "KWD", "6.525"),
        (12345, "CLF", "1.2345"),
    ],
)
def test_a_form_shows_the_amount_with_the_currencys_decimal_places_and_no_grouping(minor, currency, text):
    assert amount_text(minor, currency) == text


@pytest.mark.parametrize(
    "minor, currency, shown",
    [
        # Outside a request, amounts read as in en_GB (CLDR's symbols; a code is spaced from its digits).
        (6500, "GBP", "£65.00"),
        (6550, "EUR", "€65.50"),
        (123456789, "USD", "US$1,234,567.89"),
        (7000, "CAD", "CA$70.00"),
        (6500, "JPY", "JP¥6,500"),
        (6500, "KRW", "₩6,500"),
        (6525, "KWD", "KWD\u00a06.525"),
        (6500, "CHF", "CHF\u00a065.00"),
        (0, "GBP", "Free"),
        (0, "JPY", "Free"),
    ],
)
def test_people_read_the_amount_with_its_symbol_or_code_and_nothing_to_pay_as_free(minor, currency, shown):
    assert format_money(minor, currency) == shown


@given(
    st.integers(min_value=0, max_value=10**MAX_WHOLE_DIGITS - 1),
    st.sampled_from(CURRENCIES + list(CURRENCY_SYMBOLS)),
)
def test_what_a_form_shows_reads_back_as_the_same_amount(minor, currency):
    assert parse_amount(amount_text(minor, currency), currency) == minor
