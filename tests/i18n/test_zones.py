"""Timezones named as places with their offset, and the selector that offers only real places."""
import re
from datetime import UTC, date, datetime
from html import unescape

import pytest
from markupsafe import escape

from practice.i18n import in_locale
from practice.zones import both_times, canonical_zones, zone_label, zone_menu

PRACTICE_ZONE = "Europe/London"


@pytest.mark.parametrize(
    "zone, day, label",
    [
        ("America/New_York", date(2026, 1, 15), "New York time, UTC\u22125"),
        ("America/New_York", date(2026, 7, 15), "New York time, UTC\u22124"),
        ("Asia/Kolkata", date(2026, 1, 15), "Kolkata time, UTC+5:30"),
        ("Europe/London", date(2026, 1, 15), "London time, UTC"),
        ("Europe/London", date(2026, 7, 15), "London time, UTC+1"),
        ("America/Argentina/Buenos_Aires", date(2026, 1, 15), "Buenos Aires time, UTC\u22123"),
        ("Etc/GMT+5", date(2026, 1, 15), "UTC\u22125"),
    ],
)
def test_a_zone_reads_as_a_place_and_its_offset_that_day(zone, day, label):
    assert zone_label(zone, day) == label


def test_a_zones_place_is_named_in_the_clients_language(app):
    with app.app_context(), in_locale("es_MX"):
        assert zone_label("America/New_York", date(2026, 1, 15)) == "hora de Nueva York, UTC\u22125"


def test_the_practices_time_follows_only_when_its_clock_differs():
    start = datetime(2026, 1, 15, 15, 0, tzinfo=UTC)

    assert both_times(start, "America/New_York", PRACTICE_ZONE, "en_US") == "10:00\u202fAM · 3:00\u202fPM in London"
    assert both_times(start, "Europe/Lisbon", PRACTICE_ZONE) == "15:00"
    late = datetime(2026, 1, 16, 3, 0, tzinfo=UTC)
    assert both_times(late, "America/New_York", PRACTICE_ZONE) == "22:00 · Fri 16 Jan, 03:00 in London"


def test_the_selector_offers_places_not_aliases_grouped_by_region():
    menu = zone_menu(PRACTICE_ZONE, PRACTICE_ZONE, now=datetime(2026, 1, 15, tzinfo=UTC))

    offered = {choice.zone for group in menu.groups for choice in group.choices}
    assert {"America/New_York", "Asia/Kolkata", "Europe/Oslo", "Pacific/Auckland"} <= offered
    assert not offered & {"Factory", "localtime", "UTC", "Etc/UTC", "Etc/GMT+5", "US/Eastern", "GB", "Asia/Calcutta"}
    assert [str(group.label) for group in menu.groups][:2] == ["Africa", "Americas"]
    assert set(offered) == set(canonical_zones())
    assert [choice.zone for choice in menu.suggested] == [PRACTICE_ZONE]
    assert menu.suggested[0].label == "London (UTC), the practice's time"


def test_the_groups_are_rendered_once_a_day_as_they_would_be_one_by_one():
    menu = zone_menu(PRACTICE_ZONE, PRACTICE_ZONE, now=datetime(2026, 1, 15, tzinfo=UTC))

    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', str(menu.groups_html))
    assert [unescape(label) for label, _ in groups] == [str(group.label) for group in menu.groups]
    assert [re.findall(r'<option value="([^"]+)">([^<]+)</option>', choices) for _, choices in groups] == [
        [(escape(c.zone), escape(c.label)) for c in group.choices] for group in menu.groups
    ]
    assert zone_menu(PRACTICE_ZONE, "America/New_York", now=datetime(2026, 1, 15, 23, tzinfo=UTC)).groups_html is menu.groups_html


def test_the_zone_shown_comes_first_then_the_practices():
    menu = zone_menu("US/Eastern", PRACTICE_ZONE, now=datetime(2026, 7, 15, tzinfo=UTC))

    assert [(c.zone, c.label) for c in menu.suggested] == [
        ("US/Eastern", "New York (UTC\u22124)"),
        (PRACTICE_ZONE, "London (UTC+1), the practice's time"),
    ]


def options(html: str) -> list[tuple[str, bool]]:
    select = html[html.index('<select id="tz"'):html.index("</select>")]
    return [(unescape(value), bool(selected)) for value, selected in re.findall(r'<option value="([^"]+)"( selected)?', select)]


def test_the_service_page_offers_the_practice_zone_first_and_selected(client, offer):
    html = client.get(offer.path).get_data(as_text=True)

    offered = options(html)
    assert offered[0] == (PRACTICE_ZONE, True)
    assert [value for value, selected in offered if selected] == [PRACTICE_ZONE]
    assert "<optgroup" in html
    assert not {value for value, _ in offered} & {"Factory", "localtime", "Etc/UTC", "US/Eastern"}


def test_an_alias_still_works_in_the_page_and_the_api(client, offer):
    page = client.get(offer.path, query_string={"tz": "US/Eastern", "day": offer.day.isoformat()}).get_data(as_text=True)

    assert options(page)[0] == ("US/Eastern", True)
    assert "Shown in New York time, UTC" in page and "in London" in page
    service_id = int(offer.path.rsplit("/", 1)[1])
    api = client.get("/api/v1/slots", query_string={"service": service_id, "start": offer.day.isoformat(),
                                                   "end": offer.day.isoformat(), "tz": "US/Eastern"})
    assert api.status_code == 200 and api.get_json()["slots"]
