"""The booked page: when, where and with whom, calendars that never name the service or carry the link, and bad links."""
from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from practice.booking.models import Booking, BookingStatus
from practice.booking.service import manage_token, manage_url
from practice.booking.states import ChangedBy
from practice.catalog.models import LocationKind, Service
from practice.extensions import db
from practice.intake import service as intake
from practice.privacy import service as privacy
from practice.security.audit import Actor
from tests.booking.test_bad_input import tampered_tokens
from tests.booking.test_manage import text_of
from tests.booking.test_views import page
from tests.factories import make_booking, make_practice, make_practitioner, make_service

PRACTICE_ZONE = "Europe/London"
CLIENT_ZONE = "America/New_York"
SERVICE_NAME = "Pregnancy-loss recovery massage"
ADDRESS = "14 Alder Lane, Bristol"
EXPECT = "Wear something soft.\nWe begin with a short, gentle conversation."


def london(days: int, hour: int) -> datetime:
    day = datetime.now(ZoneInfo(PRACTICE_ZONE)).date() + timedelta(days=days)
    return datetime.combine(day, time(hour), ZoneInfo(PRACTICE_ZONE)).astimezone(UTC)


@pytest.fixture
def booked(app):
    """booked(**overrides) → Jo's session at 10:00 London time, ten days ahead, seen from New York."""

    def build(*, discreet: bool = True, starts_at: datetime | None = None, **overrides) -> SimpleNamespace:
        with app.app_context():
            practitioner = make_practitioner(
                timezone=PRACTICE_ZONE, practice_name="Stillwater Practice", contact_email="hello@stillwater.example",
                address="2 Quay Street, Bristol", discreet_emails=discreet, name="Ada Moss", profession="Massage therapist",
            )
            service = make_service(practitioner, name=SERVICE_NAME, location_detail=ADDRESS, what_to_expect=EXPECT)
            values = dict(client_name="Jo Rivers", client_email="jo@example.org", client_timezone=CLIENT_ZONE)
            booking = make_booking(service, starts_at or london(10, 10), **values | overrides)
            token = manage_token(booking, app.config["SECRET_KEY"])
            return SimpleNamespace(
                id=booking.id, public_id=booking.public_id, token=token, path=f"/manage/{token}/booked",
                ics=f"/manage/{token}/calendar.ics", starts_at=booking.starts_at, ends_at=booking.ends_at,
                practitioner_id=practitioner.id, service_id=service.id, url=manage_url(booking),
            )

    return build


def calendar_links(response) -> dict[str, str]:
    found = page(response)
    return {
        "google": found.link("Google Calendar"),
        "outlook": found.link("Outlook"),
        "ics": found.link("calendar file"),
    }


def test_the_booked_page_says_when_where_with_whom_and_what_comes_next(client, booked):
    booking = booked()

    response = client.get(booking.path)

    assert response.status_code == 200
    words = text_of(response)
    new_york, there = booking.starts_at.astimezone(ZoneInfo(CLIENT_ZONE)), booking.starts_at.astimezone(ZoneInfo(PRACTICE_ZONE))
    in_order = [
        "You're booked",
        f"{new_york:%H:%M}",
        f"{there:%H:%M}",
        ADDRESS,
        "Ada Moss, Massage therapist",
        "We've emailed the details to jo@example.org",
        "Wrong address? Change it",
        "Add to your calendar",
        "What to expect",
        "Wear something soft.",
        "Payment",
        "Your private link",
    ]
    positions = [words.find(phrase) for phrase in in_order]
    assert -1 not in positions, [phrase for phrase, at in zip(in_order, positions) if at == -1]
    assert positions == sorted(positions)
    assert f"{new_york.day} {new_york:%B %Y}" in words
    assert page(response).link("See it on a map") == "https://www.openstreetmap.org/search?query=14%20Alder%20Lane%2C%20Bristol"
    assert page(response).link("Wrong address").startswith(f"/manage/{booking.token}")
    assert f'value="{booking.url}" readonly' in response.get_data(as_text=True)
    assert page(response).link("See, move or cancel") == f"/manage/{booking.token}"
    # Without JavaScript there is no button that could not work: copy-link.js adds it (its words are on the input).
    assert "Copy link</button>" not in response.get_data(as_text=True)
    assert "/static/copy-link.js" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize(
    ("kind", "detail", "says"),
    [
        (LocationKind.video, "https://meet.example.org/stillwater", "A video call: https://meet.example.org/stillwater"),
        (LocationKind.phone, "Ada calls you.", "We'll call you on 07700 900123. Ada calls you."),
    ],
    ids=["video", "phone"],
)
def test_the_page_says_how_to_join_a_video_or_phone_session(app, client, booked, kind, detail, says):
    booking = booked(client_phone="07700 900123")
    with app.app_context():
        offered = db.session.get(Service, booking.service_id)
        offered.location_kind, offered.location_detail = kind, detail
        db.session.commit()

    response = client.get(booking.path)

    assert says in text_of(response)
    assert "See it on a map" not in text_of(response)


def test_the_page_lists_the_forms_still_to_fill(app, client, booked):
    booking = booked()
    with app.app_context():
        form = intake.create_form(db.session.get(Service, booking.service_id).practitioner, template="massage", now=datetime.now(UTC))
        intake.set_services_asking(form, [booking.service_id])

    response = client.get(booking.path)

    assert "Before your session" in text_of(response)
    assert "/intake/" in page(response).link("Fill in")


def test_discreet_practices_name_neither_the_service_in_the_title_nor_in_any_calendar(client, booked):
    booking = booked(discreet=True)

    response = client.get(booking.path)
    links = calendar_links(response)
    ics = client.get(links["ics"]).get_data(as_text=True)

    assert "<title>You're booked · Stillwater Practice</title>" in response.get_data(as_text=True)
    assert SERVICE_NAME not in response.get_data(as_text=True).split("</title>")[0]
    assert parse_qs(urlsplit(links["google"]).query)["text"] == ["Appointment with Stillwater Practice"]
    assert parse_qs(urlsplit(links["outlook"]).query)["subject"] == ["Appointment with Stillwater Practice"]
    for text in (links["google"], links["outlook"], ics):
        assert SERVICE_NAME not in text and "massage" not in text.lower()


def test_no_calendar_carries_the_private_link_or_its_token(client, booked):
    booking = booked(discreet=False)

    links = calendar_links(client.get(booking.path))
    ics = client.get(links["ics"]).get_data(as_text=True).replace("\r\n ", "")

    for text in (links["google"], links["outlook"], ics):
        assert booking.token not in text
        assert "/manage/" not in text
    for link in (links["google"], links["outlook"]):
        assert "use the link in your confirmation email" in " ".join(sum(parse_qs(urlsplit(link).query).values(), []))
    assert parse_qs(urlsplit(links["google"]).query)["text"] == [f"{SERVICE_NAME} with Stillwater Practice"]


def test_the_web_calendars_get_the_sessions_times_in_utc_and_its_address(client, booked):
    booking = booked()

    links = calendar_links(client.get(booking.path))
    google, outlook = parse_qs(urlsplit(links["google"]).query), parse_qs(urlsplit(links["outlook"]).query)

    assert links["google"].startswith("https://calendar.google.com/calendar/render?action=TEMPLATE&")
    assert google["dates"] == [f"{booking.starts_at:%Y%m%dT%H%M%SZ}/{booking.ends_at:%Y%m%dT%H%M%SZ}"]
    assert google["location"] == [ADDRESS]
    assert links["outlook"].startswith("https://outlook.live.com/calendar/0/deeplink/compose?path=/calendar/action/compose&rru=addevent&")
    assert outlook["startdt"] == [f"{booking.starts_at:%Y-%m-%dT%H:%M:%SZ}"]
    assert outlook["enddt"] == [f"{booking.ends_at:%Y-%m-%dT%H:%M:%SZ}"]
    assert outlook["location"] == [ADDRESS]


def test_the_calendar_file_parses_with_the_bookings_times_uid_and_sequence(client, booked):
    booking = booked(sequence=2)

    response = client.get(booking.ics)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="appointment.ics"'
    assert response.headers["Cache-Control"] == "no-store"
    calendar = Calendar.from_ical(response.get_data())
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == booking.starts_at
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert event.decoded("DTEND") == booking.ends_at
    assert str(event["UID"]) == f"{booking.public_id}@tend"
    assert int(event["SEQUENCE"]) == 2
    assert str(event["SUMMARY"]) == "Appointment with Stillwater Practice"
    assert str(calendar["METHOD"]) == "PUBLISH"
    # Nothing to answer, so no attendee: the file is for the client's own calendar.
    assert "ATTENDEE" not in event


@pytest.mark.parametrize("route", ["booked", "calendar.ics"])
def test_a_tampered_link_shows_the_link_not_valid_page_naming_the_practice(client, booked, route, subtests):
    booking = booked()

    for case, token in tampered_tokens(booking).items():
        with subtests.test(case):
            response = client.get(f"/manage/{token}/{route}")

            assert response.status_code == 404
            words = text_of(response)
            assert "This link doesn't work any more" in words
            assert "Stillwater Practice" in words and "hello@stillwater.example" in words
            assert page(response).form("/lost-link$")["method"] == "post"
            assert response.headers["Cache-Control"] == "no-store"


def test_an_erased_clients_link_names_its_practice_among_several(app, client, booked):
    booking = booked(starts_at=london(-30, 10))
    with app.app_context():
        make_practice(name="Another Practice")
        erased = db.session.get(Booking, booking.id).client
        privacy.erase_client(erased, outcome=privacy.ErasureOutcome.retention, actor=Actor(), now=datetime.now(UTC))

    response = client.get(booking.path)

    assert response.status_code == 404
    assert "Stillwater Practice" in text_of(response)
    assert "Another Practice" not in text_of(response)
    assert page(response).form("/lost-link$")


def test_a_bad_link_among_several_practices_lists_them_to_choose_from(app, client, booked):
    booked()
    with app.app_context():
        make_practice(name="Another Practice", slug="another")

    response = client.get("/manage/not-a-token/booked")

    assert response.status_code == 404
    assert page(response).link("Another Practice") == "/book/another/lost-link"
    assert page(response).link("Stillwater Practice").endswith("/lost-link")


def test_a_held_booking_is_sent_to_its_manage_page(client, booked):
    booking = booked(status=BookingStatus.held, hold_expires_at=datetime.now(UTC) + timedelta(minutes=20))

    response = client.get(booking.path)

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/manage/{booking.token}"


def test_a_cancelled_booking_says_so_and_links_to_its_manage_page(client, booked):
    booking = booked(status=BookingStatus.cancelled, cancelled_at=datetime.now(UTC), cancelled_by=ChangedBy.client)

    response = client.get(booking.path)

    assert response.status_code == 200
    assert "This booking is cancelled" in text_of(response)
    assert "You're booked" not in text_of(response)
    assert page(response).link("See your booking") == f"/manage/{booking.token}"
    assert client.get(booking.ics).status_code == 302
