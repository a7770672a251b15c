"""POST /api/v1/bookings: book a free time without a session, and get a private manage link; on SQLite and PostgreSQL."""
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from practice.booking.models import Booking, BookingStatus
from practice.extensions import db
from tests.factories import make_practitioner, make_service, make_weekly_hours

ZONE = "Europe/London"


def setup_offer(app):
    with app.app_context():
        practitioner = make_practitioner(timezone=ZONE)
        make_weekly_hours(practitioner)
        chosen = make_service(practitioner, name="Grief counseling")
        return SimpleNamespace(id=chosen.id, slug=practitioner.slug)


@pytest.fixture
def client(any_app):
    return any_app.test_client()


@pytest.fixture
def offer(any_app):
    return setup_offer(any_app)


def free_starts(client, service_id) -> list[str]:
    day = (datetime.now(ZoneInfo(ZONE)) + timedelta(days=2)).date().isoformat()
    response = client.get("/api/v1/slots", query_string={"service": service_id, "start": day, "end": day, "tz": ZONE})
    return [slot["start"] for slot in response.get_json()["slots"]]


def booking_request(service_id: int, start: str, **overrides) -> dict:
    return {
        "service": service_id,
        "start": start,
        "name": "Jo Rivers",
        "email": "jo@example.org",
        "timezone": "America/New_York",
        "note": "It has been a hard month.",
    } | overrides


def booking_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Booking))


def test_booking_answers_201_with_id_status_and_manage_url(client, offer):
    response = client.post("/api/v1/bookings", json=booking_request(offer.id, free_starts(client, offer.id)[0]))

    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"id", "status", "awaiting", "manage_url"}
    assert body["awaiting"] is None
    assert body["status"] == "confirmed"
    assert body["manage_url"].startswith("http://localhost/manage/")


def test_booking_stores_the_client_and_the_chosen_time(any_app, client, offer):
    start = free_starts(client, offer.id)[0]

    body = client.post("/api/v1/bookings", json=booking_request(offer.id, start, pronouns="they/them")).get_json()

    with any_app.app_context():
        booking = db.session.scalar(select(Booking).where(Booking.public_id == body["id"]))
        assert booking.status is BookingStatus.confirmed
        assert booking.starts_at == datetime.fromisoformat(start)
        assert booking.service_id == offer.id
        assert (booking.client.name, booking.client.email, booking.client.pronouns) == ("Jo Rivers", "jo@example.org", "they/them")
        assert booking.client_timezone == "America/New_York"


def test_manage_url_starts_at_base_url_whatever_host_the_request_named(make_app):
    """A manage link built from the Host header would hand the booking to whoever sent the request."""
    app = make_app(SERVER_NAME=None, BASE_URL="https://tend.example")
    offer = setup_offer(app)
    client = app.test_client()
    start = free_starts(client, offer.id)[0]

    response = client.post(
        "/api/v1/bookings", json=booking_request(offer.id, start), base_url="http://attacker.example"
    )

    assert response.status_code == 201
    assert response.get_json()["manage_url"].startswith("https://tend.example/manage/")


def test_manage_url_opens_the_booking(client, offer):
    start = free_starts(client, offer.id)[0]
    manage_url = client.post("/api/v1/bookings", json=booking_request(offer.id, start)).get_json()["manage_url"]

    page = client.get(manage_url)

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Your booking" in html
    assert "Jo Rivers" in html
    assert "Grief counseling" in html


def test_taken_time_is_409_with_a_message(any_app, client, offer):
    start = free_starts(client, offer.id)[0]
    client.post("/api/v1/bookings", json=booking_request(offer.id, start))

    response = client.post("/api/v1/bookings", json=booking_request(offer.id, start, email="sam@example.org"))

    assert response.status_code == 409
    assert response.get_json() == {"error": "That time was just taken — please choose another time."}
    assert booking_count(any_app) == 1


def test_booking_needs_no_session_cookie_and_sets_none(client, offer):
    starts = free_starts(client, offer.id)
    assert client.get_cookie("session") is None

    booked = client.post("/api/v1/bookings", json=booking_request(offer.id, starts[0]))
    taken = client.post("/api/v1/bookings", json=booking_request(offer.id, starts[0]))
    refused = client.post("/api/v1/bookings", json=booking_request(offer.id, starts[1], email="nope"))

    assert [r.status_code for r in (booked, taken, refused)] == [201, 409, 422]
    assert all("Set-Cookie" not in r.headers for r in (booked, taken, refused))


def test_third_booking_in_a_minute_is_refused_with_429(make_app):
    app = make_app(RATELIMIT_ENABLED=True, BOOKING_RATE_LIMIT="2 per minute")
    offer = setup_offer(app)
    client = app.test_client()
    starts = free_starts(client, offer.id)

    answers = [client.post("/api/v1/bookings", json=booking_request(offer.id, start)) for start in starts[:3]]

    assert [a.status_code for a in answers] == [201, 201, 429]
    assert answers[2].is_json
    assert "wait a minute" in answers[2].get_json()["error"]
    assert "Set-Cookie" not in answers[2].headers
    assert booking_count(app) == 2
