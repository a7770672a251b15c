"""Which locale a visitor gets: the switcher's cookie, else the browser's languages, keeping their region."""
import re

import pytest
from babel.dates import format_date

from practice.i18n import COOKIE, negotiate, supported_locale


@pytest.mark.parametrize(
    "cookie, accepted, expected",
    [
        (None, [], "en_GB"),
        (None, ["en-US", "en"], "en_US"),
        (None, ["en-GB"], "en_GB"),
        (None, ["es-MX", "es"], "es_MX"),
        (None, ["es"], "es"),
        (None, ["en-Latn-US"], "en_US"),
        (None, ["fr-FR", "de"], "en_FR"),
        (None, ["de"], "en_GB"),
        (None, ["en"], "en_GB"),
        (None, ["*"], "en_GB"),
        ("es", ["en-US"], "es_US"),
        ("es", ["en-GB", "es-AR"], "es_AR"),
        ("en", ["es-MX"], "en_GB"),
        ("xx", ["en-US"], "en_US"),
    ],
)
def test_the_chosen_language_wins_and_the_browsers_region_is_kept(cookie, accepted, expected):
    assert negotiate(cookie, accepted) == expected


@pytest.mark.parametrize(
    "name, expected",
    [("es_MX", "es_MX"), ("es-mx", "es_MX"), ("en", "en_GB"), ("es", "es"), ("fr_FR", "en_GB"),
     ("klingon", "en_GB"), ("../../etc/passwd", "en_GB"), ("x" * 100, "en_GB"), ("", "en_GB"), (None, "en_GB")],
)
def test_only_english_or_spanish_locales_are_ever_stored_or_forced(name, expected):
    assert supported_locale(name) == expected


def times_page(client, offer, **headers):
    response = client.get(offer.path, query_string={"day": offer.day.isoformat()}, headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def html_lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


def test_an_american_browser_reads_a_12_hour_clock(client, offer):
    html = times_page(client, offer, **{"Accept-Language": "en-US,en;q=0.9"})

    assert html_lang(html) == "en-US"
    assert "9:00\u202fAM" in html and "4:00\u202fPM" in html


def test_a_british_browser_reads_a_24_hour_clock(client, offer):
    html = times_page(client, offer, **{"Accept-Language": "en-GB,en;q=0.9"})

    assert html_lang(html) == "en-GB"
    assert ">09:00" in html and ">16:00" in html and "AM" not in html


def test_without_accept_language_pages_read_as_en_gb(client, offer):
    html = times_page(client, offer)

    assert html_lang(html) == "en-GB"
    assert ">16:00" in html


def test_a_spanish_browser_reads_spanish_day_names(client, offer):
    html = times_page(client, offer, **{"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})

    assert html_lang(html) == "es-MX"
    weekday, month = format_date(offer.day, "EEEE", locale="es"), format_date(offer.day, "MMMM", locale="es")
    assert f"{weekday}, {offer.day.day} de {month}" in html
    assert "Se muestran en hora de Londres" in html


def test_the_cookie_wins_over_the_browser(client, offer):
    client.set_cookie(COOKIE, "es")

    html = times_page(client, offer, **{"Accept-Language": "en-GB"})

    assert html_lang(html) == "es"
    assert format_date(offer.day, "EEEE", locale="es") in html


@pytest.mark.parametrize("cookie", ["fr", "../es", "es; Path=/", "x" * 300])
def test_a_cookie_naming_no_language_of_ours_is_ignored(client, offer, cookie):
    client.set_cookie(COOKIE, cookie)

    html = times_page(client, offer, **{"Accept-Language": "en-US"})

    assert html_lang(html) == "en-US"
