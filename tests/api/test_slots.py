"""GET /api/v1/slots: the free times of a service, the same ones the booking page shows; on SQLite and PostgreSQL."""
import re
from datetime import datetime, time, timedelta, timezone
from html import unescape
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from practice.accounts.models import Practice
from practice.api import views
from practice.extensions import db
from practice.timeformats import parse_instant
from tests.factories import make_practitioner, make_service, make_weekly_hours, service_path

PRACTICE_ZONE = "Europe/London"
OPEN_HOURS = range(9, 17)  # make_weekly_hours: 09:00–17:00, hour-long sessions on the hour


@pytest.fixture
def client(any_app):
    return any_app.test_client()


@pytest.fixture
def offer(any_app):
    with any_app.app_context():
        practitioner = make_practitioner(timezone=PRACTICE_ZONE)
        make_weekly_hours(practitioner)
        chosen = make_service(practitioner, duration_minutes=60, slot_step_minutes=60)
        circle = make_service(practitioner, name="Support circle", capacity=3)
        return SimpleNamespace(slug=practitioner.slug, id=chosen.id, circle=circle.id, path=service_path(chosen))


def soon(zone: str, days: int = 2):
    """A local day far enough ahead that no slot on it has passed."""
    return datetime.now(ZoneInfo(zone)).date() + timedelta(days=days)


def expected_starts(day, zone: str) -> set[datetime]:
    """Every opening hour of the practice that falls on `day` in `zone`, in UTC."""
    starts = set()
    for shift in (-1, 0, 1):
        for hour in OPEN_HOURS:
            start = datetime.combine(day + timedelta(days=shift), time(hour), ZoneInfo(PRACTICE_ZONE))
            if start.astimezone(ZoneInfo(zone)).date() == day:
                starts.add(start.astimezone(timezone.utc))
    return starts


def api_slots(client, service_id, first, last, zone):
    response = client.get(
        "/api/v1/slots",
        query_string={"service": service_id, "start": first.isoformat(), "end": last.isoformat(), "tz": zone},
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["slots"]


def page_starts(client, offer, day, zone) -> set[datetime]:
    """The start instants of the time links the HTML service page offers on `day`."""
    query = {"day": day.isoformat()} | ({"tz": zone} if zone else {})
    response = client.get(offer.path, query_string=query)
    assert response.status_code == 200
    hrefs = re.findall(r'href="([^"]*/details\?[^"]*)"', response.get_data(as_text=True))
    return {parse_instant(parse_qs(urlsplit(unescape(href)).query)["start"][0]) for href in hrefs}


def test_slots_carry_the_offset_of_the_requested_zone(client, offer):
    zone = "America/New_York"
    day = soon(zone)

    slots = api_slots(client, offer.id, day, day, zone)

    assert slots
    for slot in slots:
        start, end = datetime.fromisoformat(slot["start"]), datetime.fromisoformat(slot["end"])
        assert start.utcoffset() == start.astimezone(ZoneInfo(zone)).utcoffset()
        assert start.astimezone(ZoneInfo(zone)).date() == day
        assert end - start == timedelta(minutes=60)
        assert slot["remaining"] == 1


def test_slots_are_the_practice_hours_seen_from_the_client_zone(client, offer):
    zone = "Pacific/Auckland"  # London's working day straddles two Auckland dates
    day = soon(zone)

    slots = api_slots(client, offer.id, day, day, zone)

    assert {parse_instant(s["start"]) for s in slots} == expected_starts(day, zone)


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "Pacific/Auckland", "Asia/Kolkata"])
def test_slots_are_the_times_the_service_page_shows(client, offer, zone):
    day = soon(zone)

    api = {parse_instant(s["start"]) for s in api_slots(client, offer.id, day, day, zone)}

    assert api
    assert api == page_starts(client, offer, day, zone)


def test_service_page_without_a_zone_shows_the_practice_zone_like_the_api(client, offer):
    day = soon(PRACTICE_ZONE)

    api = {parse_instant(s["start"]) for s in api_slots(client, offer.id, day, day, PRACTICE_ZONE)}

    assert api == page_starts(client, offer, day, zone=None) == expected_starts(day, PRACTICE_ZONE)


def test_window_covers_every_day_from_start_to_end(client, offer):
    first = soon(PRACTICE_ZONE)
    last = first + timedelta(days=2)

    slots = api_slots(client, offer.id, first, last, PRACTICE_ZONE)

    days = [datetime.fromisoformat(s["start"]).date() for s in slots]
    assert sorted(set(days)) == [first, first + timedelta(days=1), last]
    assert len(slots) == 3 * len(OPEN_HOURS)
    assert [s["start"] for s in slots] == sorted(s["start"] for s in slots)


def test_a_booked_time_is_no_longer_listed(client, offer):
    day = soon(PRACTICE_ZONE)
    taken = api_slots(client, offer.id, day, day, PRACTICE_ZONE)[0]["start"]
    client.post(
        "/api/v1/bookings",
        json={"service": offer.id, "start": taken, "name": "Jo", "email": "jo@example.org", "timezone": PRACTICE_ZONE},
    )

    starts = [s["start"] for s in api_slots(client, offer.id, day, day, PRACTICE_ZONE)]

    assert taken not in starts
    assert len(starts) == len(OPEN_HOURS) - 1


def _book_circle(client, offer, start, email):
    client.post(
        "/api/v1/bookings",
        json={"service": offer.circle, "start": start, "name": "Jo", "email": email, "timezone": PRACTICE_ZONE},
    )


def test_group_slot_tells_places_in_words_so_attendance_cannot_be_watched(client, offer):
    day = soon(PRACTICE_ZONE)
    first = api_slots(client, offer.circle, day, day, PRACTICE_ZONE)[0]
    assert (first["remaining"], first["places"]) == (None, "available")
    _book_circle(client, offer, first["start"], "jo@example.org")
    assert api_slots(client, offer.circle, day, day, PRACTICE_ZONE)[0]["places"] == "available"
    _book_circle(client, offer, first["start"], "sam@example.org")

    again = api_slots(client, offer.circle, day, day, PRACTICE_ZONE)[0]

    assert again["start"] == first["start"]
    assert (again["remaining"], again["places"]) == (None, "few")


def test_group_slot_counts_the_places_left_when_the_practice_chose_exact_counts(any_app, client, offer):
    from practice.accounts.models import Practice
    from practice.extensions import db

    with any_app.app_context():
        for practice in db.session.scalars(db.select(Practice)):
            practice.exact_group_places = True
        db.session.commit()
    day = soon(PRACTICE_ZONE)
    first = api_slots(client, offer.circle, day, day, PRACTICE_ZONE)[0]
    assert first["remaining"] == 3
    _book_circle(client, offer, first["start"], "jo@example.org")

    again = api_slots(client, offer.circle, day, day, PRACTICE_ZONE)[0]

    assert again["start"] == first["start"]
    assert again["remaining"] == 2


def test_slots_set_no_cookie(client, offer):
    day = soon(PRACTICE_ZONE)

    response = client.get(
        "/api/v1/slots",
        query_string={"service": offer.id, "start": day.isoformat(), "end": day.isoformat(), "tz": PRACTICE_ZONE},
    )

    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def _slots_response(client, offer, day, **headers):
    query = {"service": offer.id, "start": day.isoformat(), "end": day.isoformat(), "tz": PRACTICE_ZONE}
    return client.get("/api/v1/slots", query_string=query, headers=headers)


@pytest.mark.parametrize("read", ["api", "page"])
def test_an_unchanged_answer_is_confirmed_with_304_and_a_changed_one_sent_again(client, offer, read):
    day = soon(PRACTICE_ZONE)

    def fetch(**headers):
        if read == "api":
            return _slots_response(client, offer, day, **headers)
        return client.get(offer.path, query_string={"day": day.isoformat()}, headers=headers)

    first = fetch()
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"

    again = fetch(**{"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""

    taken = api_slots(client, offer.id, day, day, PRACTICE_ZONE)[0]["start"]
    booked = client.post(
        "/api/v1/bookings",
        json={"service": offer.id, "start": taken, "name": "Jo", "email": "jo@example.org", "timezone": PRACTICE_ZONE},
    )
    assert booked.status_code == 201

    after = fetch(**{"If-None-Match": etag})
    assert after.status_code == 200
    assert after.headers["ETag"] != etag


def test_a_refusal_carries_no_etag(client, offer):
    response = client.get("/api/v1/slots", query_string={"service": offer.id, "start": "soon", "end": "", "tz": "Mars"})

    assert response.status_code == 400
    assert "ETag" not in response.headers


def test_a_kept_answer_drops_a_time_once_it_comes_within_the_notice(any_app, client, offer, monkeypatch):
    day = soon(PRACTICE_ZONE)
    first_start = datetime.combine(day, time(OPEN_HOURS[0]), ZoneInfo(PRACTICE_ZONE)).astimezone(timezone.utc)
    notice = timedelta(hours=2)
    with any_app.app_context():
        db.session.execute(update(Practice).values(min_notice_minutes=120))
        db.session.commit()
    monkeypatch.setattr(views, "_now", lambda: first_start - notice)
    assert len(api_slots(client, offer.id, day, day, PRACTICE_ZONE)) == len(OPEN_HOURS)

    monkeypatch.setattr(views, "_now", lambda: first_start - notice + timedelta(microseconds=1))
    later = api_slots(client, offer.id, day, day, PRACTICE_ZONE)

    assert len(later) == len(OPEN_HOURS) - 1
