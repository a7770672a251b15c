"""Bad input on every public form and API route: a clear 4xx, nothing written, nothing leaked; on SQLite and PostgreSQL."""
import logging
from datetime import datetime, time, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from itsdangerous import URLSafeSerializer
from markupsafe import escape
from sqlalchemy import func, select

from practice.booking import service as booking_service
from practice.booking.links import SALT as MANAGE_SALT
from practice.booking.models import Booking, BookingStatus
from practice.catalog.models import Service, ServiceStatus
from practice.extensions import db
from tests.factories import make_practitioner, make_service, make_weekly_hours, service_path

ZONE = "Europe/London"
TEN_KB = "x" * 10_240
NOTE = "Private-note: the loss was in March"


def at(days: int, hour: int, minute: int = 0) -> datetime:
    """An instant `days` after today at hour:minute, London time, in UTC."""
    day = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), ZoneInfo(ZONE)).astimezone(timezone.utc)


def iso(value: datetime) -> str:
    return value.isoformat()


def url_instant(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%MZ")


@pytest.fixture
def client(any_app):
    return any_app.test_client()


@pytest.fixture
def offer(any_app):
    with any_app.app_context():
        practitioner = make_practitioner(timezone=ZONE)
        make_weekly_hours(practitioner)
        chosen = make_service(practitioner)
        draft = make_service(practitioner, name="Draft", status=ServiceStatus.draft)
        archived = make_service(practitioner, name="Archived", status=ServiceStatus.archived)
        return SimpleNamespace(
            id=chosen.id,
            practice=practitioner.practice.slug,
            slug=practitioner.slug,
            draft=draft.id,
            archived=archived.id,
            path=service_path(chosen),
            free=at(2, 10),
        )


@pytest.fixture
def elsewhere(any_app, offer):
    """A colleague in the offer's practice, and another practice's practitioner, each offering a service of their own."""
    with any_app.app_context():
        colleague = make_practitioner(db.session.get(Service, offer.id).practice)
        outsider = make_practitioner(timezone=ZONE)
        for practitioner in (colleague, outsider):
            make_weekly_hours(practitioner)
            make_service(practitioner)
        return SimpleNamespace(
            colleague=colleague.slug, other_practice=outsider.practice.slug, other_slug=outsider.slug
        )


def booking_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Booking))


def good_request(offer, **overrides) -> dict:
    return {
        "service": offer.id,
        "start": iso(offer.free),
        "name": "Jo Rivers",
        "email": "jo@example.org",
        "timezone": ZONE,
        "note": NOTE,
    } | overrides


def good_form(offer, **overrides) -> dict:
    return {
        "start": url_instant(offer.free),
        "timezone": ZONE,
        "name": "Jo Rivers",
        "email": "jo@example.org",
        "phone": "",
        "preferred_name": "",
        "pronouns": "",
        "note": NOTE,
    } | overrides


def assert_json_error(response, status: int, fields: set[str] | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert isinstance(body["error"], str) and len(body["error"]) > 10
    if fields is not None:
        assert set(body.get("fields", {})) == fields
        assert all(len(message) > 10 for message in body["fields"].values())
    assert NOTE not in response.get_data(as_text=True)
    return body


def assert_html_error(response, status: int, *phrases: str) -> str:
    assert response.status_code == status
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    for phrase in phrases:
        assert phrase in html, phrase
    return html


# --- POST /api/v1/bookings ------------------------------------------------------------------

def without(key):
    return lambda request: {k: v for k, v in request.items() if k != key}


def with_(**changes):
    return lambda request: request | changes


INVALID_BOOKING_REQUESTS = {
    "empty object": (lambda request: {}, {"service", "start", "name", "email", "timezone"}),
    "no service": (without("service"), {"service"}),
    "no start": (without("start"), {"start"}),
    "no name": (without("name"), {"name"}),
    "blank name": (with_(name="   "), {"name"}),
    "no email": (without("email"), {"email"}),
    "no timezone": (without("timezone"), {"timezone"}),
    "10 kB name": (with_(name=TEN_KB), {"name"}),
    "10 kB note": (with_(note=TEN_KB), {"note"}),
    "10 kB email": (with_(email=TEN_KB + "@example.org"), {"email"}),
    "10 kB pronouns": (with_(pronouns=TEN_KB), {"pronouns"}),
    "malformed email": (with_(email="jo@@example"), {"email"}),
    "email without a domain": (with_(email="jo"), {"email"}),
    "unknown timezone": (with_(timezone="Mars/Olympus"), {"timezone"}),
    "phone with letters": (with_(phone="call me maybe"), {"phone"}),
    "name as a list": (with_(name=["Jo"]), {"name"}),
    "start without an offset": (lambda r: r | {"start": r["start"][:16]}, {"start"}),
    "start as a number": (with_(start=1_900_000_000), {"start"}),
    "start as words": (with_(start="tomorrow at ten"), {"start"}),
    "start in year 9999": (with_(start="9999-12-31T10:00:00+00:00"), {"start"}),
    "start before year 1 in UTC": (with_(start="0001-01-01T00:30:00+01:00"), {"start"}),
    "service as a string": (lambda r: r | {"service": str(r["service"])}, {"service"}),
    "service as a bool": (with_(service=True), {"service"}),
    "service as a float": (lambda r: r | {"service": float(r["service"])}, {"service"}),
    "service as null": (with_(service=None), {"service"}),
    "service id beyond any row": (with_(service=10**30), {"service"}),
    "service id negative": (with_(service=-1), {"service"}),
}


def test_api_booking_with_invalid_details_is_422_naming_each_field(any_app, client, offer, subtests):
    for case, (change, fields) in INVALID_BOOKING_REQUESTS.items():
        with subtests.test(case):
            response = client.post("/api/v1/bookings", json=change(good_request(offer)))

            assert_json_error(response, 422, fields)
            assert booking_count(any_app) == 0


#: Starts the practice does not offer, with what the client is told (off the hourly grid,
#: outside 09:00–17:00, running past closing, beyond the 60 days the practice books ahead).
NOT_OFFERED = {
    "past": (at(-1, 10), "That time has already passed — please choose another time."),
    "off-grid minute": (at(2, 10, 17), "That time isn't offered — please choose one of the times shown."),
    "outside hours": (at(2, 3), "That time isn't offered — please choose one of the times shown."),
    "runs past closing": (at(2, 16, 30), "That time isn't offered — please choose one of the times shown."),
    "too far ahead": (at(100, 10), "That time isn't offered — please choose one of the times shown."),
}


def test_api_booking_at_a_time_not_offered_is_422(any_app, client, offer, subtests):
    for case, (start, message) in NOT_OFFERED.items():
        with subtests.test(case):
            response = client.post("/api/v1/bookings", json=good_request(offer, start=iso(start)))

            assert assert_json_error(response, 422)["error"] == message
            assert booking_count(any_app) == 0


def test_api_booking_of_a_service_not_published_is_404(any_app, client, offer, subtests):
    for case, service_id in {"unknown": 99_999, "draft": offer.draft, "archived": offer.archived}.items():
        with subtests.test(case):
            response = client.post("/api/v1/bookings", json=good_request(offer, service=service_id))

            assert_json_error(response, 404)
            assert booking_count(any_app) == 0


NOT_A_JSON_OBJECT = {
    "truncated JSON": ('{"service": 1, "name": ', "application/json"),
    "empty array": ("[]", "application/json"),
    "array of objects": ('[{"service": 1}]', "application/json"),
    "string": ('"a string"', "application/json"),
    "null": ("null", "application/json"),
    "empty": ("", "application/json"),
    "not UTF-8": (b"\xff\xfe\x00garbage", "application/json"),
    "text/plain": ('{"service": 1}', "text/plain"),
    "form-encoded": ("service=1&name=Jo", "application/x-www-form-urlencoded"),
    "no content type": ('{"service": 1}', None),
}


def test_api_booking_that_is_not_a_json_object_is_400(any_app, client, subtests):
    for case, (body, content_type) in NOT_A_JSON_OBJECT.items():
        with subtests.test(case):
            response = client.post("/api/v1/bookings", data=body, content_type=content_type)

            assert "JSON object" in assert_json_error(response, 400)["error"]
            assert booking_count(any_app) == 0


def test_api_booking_too_large_to_read_is_413(any_app, client, offer):
    response = client.post("/api/v1/bookings", json=good_request(offer, note="x" * 300_000))

    assert_json_error(response, 413)
    assert booking_count(any_app) == 0


def test_api_bookings_answer_405_in_json_to_a_get(client):
    assert_json_error(client.get("/api/v1/bookings"), 405)


def test_api_booking_of_a_taken_time_is_409_and_writes_nothing_more(any_app, client, offer):
    assert client.post("/api/v1/bookings", json=good_request(offer)).status_code == 201

    response = client.post("/api/v1/bookings", json=good_request(offer, email="sam@example.org"))

    assert "just taken" in assert_json_error(response, 409)["error"]
    assert booking_count(any_app) == 1


# --- GET /api/v1/slots ---------------------------------------------------------------------

def slots_query(offer, **changes) -> dict:
    first = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=1)
    query = {"service": str(offer.id), "start": first.isoformat(), "end": (first + timedelta(days=6)).isoformat(), "tz": ZONE}
    return {key: value for key, value in (query | changes).items() if value is not None}


def days_from_today(days: int) -> str:
    return (datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=days)).isoformat()


INVALID_SLOTS_QUERIES = {
    "no service": ({"service": None}, {"service"}),
    "no start": ({"start": None}, {"start"}),
    "no end": ({"end": None}, {"end"}),
    "no tz": ({"tz": None}, {"tz"}),
    "nothing at all": ({"service": None, "start": None, "end": None, "tz": None}, {"service", "start", "end", "tz"}),
    "service as words": ({"service": "massage"}, {"service"}),
    "service as a superscript digit": ({"service": "²"}, {"service"}),
    "service as a decimal": ({"service": "1.5"}, {"service"}),
    "service negative": ({"service": "-1"}, {"service"}),
    "service zero": ({"service": "0"}, {"service"}),
    "service beyond any row": ({"service": "9" * 40}, {"service"}),
    "service with 5000 digits": ({"service": "9" * 5000}, {"service"}),
    "service as true": ({"service": "true"}, {"service"}),
    "start as words": ({"start": "tomorrow"}, {"start"}),
    "start on 30 February": ({"start": "2031-02-30"}, {"start"}),
    "start with slashes": ({"start": "2031/01/01"}, {"start"}),
    "start day first": ({"start": "01-01-2031"}, {"start"}),
    "start in year 9999": ({"start": "9999-12-30", "end": "9999-12-31"}, {"start", "end"}),
    "end as words": ({"end": "next week"}, {"end"}),
    "end before start": ({"start": days_from_today(5), "end": days_from_today(4)}, {"end"}),
    "window too wide": ({"start": days_from_today(1), "end": days_from_today(63)}, {"end"}),
    "start in the past": ({"start": days_from_today(-3), "end": days_from_today(1)}, {"start"}),
    "start too far ahead": ({"start": days_from_today(400), "end": days_from_today(401)}, {"start"}),
    "unknown tz": ({"tz": "Mars/Olympus"}, {"tz"}),
    "tz as an offset": ({"tz": "+02:00"}, {"tz"}),
    "tz as a path": ({"tz": "../../etc/passwd"}, {"tz"}),
}


def test_api_slots_with_bad_parameters_is_400_naming_each(client, offer, subtests):
    for case, (changes, fields) in INVALID_SLOTS_QUERIES.items():
        with subtests.test(case):
            response = client.get("/api/v1/slots", query_string=slots_query(offer, **changes))

            assert_json_error(response, 400, fields)


def test_api_slots_of_a_service_not_published_is_404(client, offer, subtests):
    for case, service_id in {"unknown": 99_999, "draft": offer.draft, "archived": offer.archived}.items():
        with subtests.test(case):
            response = client.get("/api/v1/slots", query_string=slots_query(offer, service=str(service_id)))

            assert_json_error(response, 404)


def test_api_unknown_route_is_a_json_404(client):
    assert_json_error(client.get("/api/v1/nothing-here"), 404)


# --- the HTML pages ------------------------------------------------------------------------

NOT_FOUND_PAGES = {
    "unknown practice": "/book/nowhere",
    "unknown practitioner": "/book/{practice}/nobody",
    "practitioner of another practice": "/book/{other_practice}/{slug}",
    "service under an unknown practice": "/book/nowhere/{slug}/{id}",
    "service under an unknown practitioner": "/book/{practice}/nobody/{id}",
    "service under a colleague": "/book/{practice}/{colleague}/{id}",
    "service under another practice": "/book/{other_practice}/{slug}/{id}",
    "service under another practice's practitioner": "/book/{other_practice}/{other_slug}/{id}",
    "details under another practice": "/book/{other_practice}/{other_slug}/{id}/details?start=2031-01-01T10:00Z",
    "unknown id": "/book/{practice}/{slug}/99999",
    "draft": "/book/{practice}/{slug}/{draft}",
    "archived": "/book/{practice}/{slug}/{archived}",
    "id beyond any row": "/book/{practice}/{slug}/" + "9" * 40,
    "details of an id beyond any row": "/book/{practice}/{slug}/" + "9" * 40 + "/details?start=2031-01-01T10:00Z",
    "details of a draft": "/book/{practice}/{slug}/{draft}/details?start=2031-01-01T10:00Z",
    "id as words": "/book/{practice}/{slug}/nine",
}


def test_unknown_or_unpublished_service_is_a_404_page(client, offer, elsewhere, subtests):
    for case, path in NOT_FOUND_PAGES.items():
        with subtests.test(case):
            response = client.get(path.format(**vars(offer), **vars(elsewhere)))

            assert_html_error(response, 404, "Page not found", "We couldn&#39;t find that page.", 'href="/"')


NOT_FOUND_CONFIRMS = {
    "draft": "/book/{practice}/{slug}/{draft}/confirm",
    "under a colleague": "/book/{practice}/{colleague}/{id}/confirm",
    "under another practice": "/book/{other_practice}/{other_slug}/{id}/confirm",
}


def test_confirm_for_a_service_not_offered_at_that_address_is_a_404_page(any_app, client, offer, elsewhere, subtests):
    for case, path in NOT_FOUND_CONFIRMS.items():
        with subtests.test(case):
            response = client.post(path.format(**vars(offer), **vars(elsewhere)), data=good_form(offer))

            assert_html_error(response, 404, "Page not found")
            assert booking_count(any_app) == 0


BAD_STARTS = {
    "missing": None,
    "empty": "",
    "garbage": "garbage",
    "no offset": "2031-01-01T10:00",
    "30 February": "2031-02-30T10:00Z",
    "year 9999": "9999-12-31T23:00Z",
    "before year 1 in UTC": "0001-01-01T00:00+01:00",
    "5000 digits": "1" * 5000,
}


def test_details_with_a_bad_start_asks_to_choose_a_time(client, offer, subtests):
    for case, start in BAD_STARTS.items():
        with subtests.test(case):
            response = client.get(f"{offer.path}/details", query_string={} if start is None else {"start": start})

            html = assert_html_error(response, 400, "Please choose a time from the list.", "Choose a day")
            assert 'role="alert"' in html


def test_details_for_a_time_not_offered_says_so(client, offer, subtests):
    for case, (start, message) in NOT_OFFERED.items():
        with subtests.test(case):
            response = client.get(f"{offer.path}/details", query_string={"start": url_instant(start)})

            assert_html_error(response, 422, str(escape(message)))


def test_details_for_a_taken_time_says_it_is_no_longer_free(client, offer):
    client.post("/api/v1/bookings", json=good_request(offer))

    response = client.get(f"{offer.path}/details", query_string={"start": url_instant(offer.free)})

    assert_html_error(response, 409, "That time is no longer free — please choose another time.")


INVALID_DETAILS = {
    "nothing filled in": (
        {"name": "", "email": ""},
        ["Please tell us your name.", "Please give an email address for your confirmation."],
    ),
    "10 kB name": ({"name": TEN_KB}, ["Please keep this under 120 characters."]),
    "10 kB note": ({"note": TEN_KB}, ["Your note is 10,240 characters; the limit is 2,000. Nothing you wrote is lost"]),
    "malformed email": ({"email": "jo@@example"}, ["That email address doesn&#39;t look right — please check it."]),
    "phone with letters": ({"phone": "call me"}, ["Please use only digits, spaces and + - ( ) in a phone number."]),
    "unknown timezone": ({"timezone": "Mars/Olympus"}, ["Please choose a timezone from the list."]),
}


@pytest.mark.parametrize("step", ["details", "confirm"])
def test_invalid_details_rerender_the_form_at_422_with_each_message(any_app, client, offer, subtests, step):
    for case, (changes, messages) in INVALID_DETAILS.items():
        with subtests.test(case):
            response = client.post(f"{offer.path}/{step}", data=good_form(offer, **changes))

            html = assert_html_error(response, 422, "Your details", "Some details need another look.", *messages)
            assert 'aria-invalid="true"' in html or "timezone" in changes
            assert 'name="start"' in html and url_instant(offer.free) in html
            assert booking_count(any_app) == 0


def test_invalid_details_keep_what_the_client_typed(client, offer):
    response = client.post(f"{offer.path}/details", data=good_form(offer, email="jo@@example", pronouns="she/her"))

    html = response.get_data(as_text=True)
    assert 'value="Jo Rivers"' in html and 'value="she/her"' in html and 'value="jo@@example"' in html


def test_invalid_details_show_the_time_in_the_clients_zone(client, offer):
    response = client.post(f"{offer.path}/details", data=good_form(offer, timezone="America/New_York", email="x"))

    html = response.get_data(as_text=True)
    assert f"at {offer.free.astimezone(ZoneInfo('America/New_York')):%H:%M}" in html
    assert "New York time, UTC" in html


def test_posting_without_a_start_asks_to_choose_a_time(any_app, client, offer, subtests):
    for step in ("details", "confirm"):
        with subtests.test(step):
            response = client.post(f"{offer.path}/{step}", data=good_form(offer, start="soon"))

            assert_html_error(response, 400, "Please choose a time from the list.")
            assert booking_count(any_app) == 0


def test_confirm_at_a_time_not_offered_is_422(any_app, client, offer, subtests):
    for case, (start, message) in NOT_OFFERED.items():
        with subtests.test(case):
            response = client.post(f"{offer.path}/confirm", data=good_form(offer, start=url_instant(start)))

            assert_html_error(response, 422, message.replace("'", "&#39;"), "Choose a day")
            assert booking_count(any_app) == 0


def test_confirm_of_a_just_taken_time_is_a_409_page(any_app, client, offer):
    client.post("/api/v1/bookings", json=good_request(offer, email="first@example.org"))

    response = client.post(f"{offer.path}/confirm", data=good_form(offer))

    assert_html_error(response, 409, "just taken — please choose another time", "Choose a day")
    assert booking_count(any_app) == 1


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_confirm_without_a_csrf_token_says_the_form_expired(make_app, backend):
    app = make_app(backend, WTF_CSRF_ENABLED=True)
    with app.app_context():
        practitioner = make_practitioner(timezone=ZONE)
        make_weekly_hours(practitioner)
        path = service_path(make_service(practitioner))

    response = app.test_client().post(f"{path}/confirm", data=good_form(SimpleNamespace(free=at(2, 10))))

    assert_html_error(response, 400, "This form has expired")
    assert NOTE not in response.get_data(as_text=True)
    assert booking_count(app) == 0


# --- manage links --------------------------------------------------------------------------

@pytest.fixture
def booked(any_app, client, offer):
    """A booking made through the API: its public id and its manage token."""
    manage_url = client.post("/api/v1/bookings", json=good_request(offer)).get_json()["manage_url"]
    with any_app.app_context():
        public_id = db.session.scalar(select(Booking.public_id))
    return SimpleNamespace(public_id=public_id, token=manage_url.rsplit("/", 1)[1])


def flip(character: str) -> str:
    return "A" if character != "A" else "B"


def tampered_tokens(booked) -> dict[str, str]:
    # Only leading base64 characters are flipped: the last character of unpadded base64 may
    # carry bits that decoding drops, so changing it can leave the signed bytes alike.
    payload, signature = booked.token.rsplit(".", 1)
    ours = URLSafeSerializer("test-secret", salt=MANAGE_SALT)
    return {
        "payload changed": flip(payload[0]) + payload[1:] + "." + signature,
        "signature changed": payload + "." + flip(signature[0]) + signature[1:],
        "payload of another id": ours.dumps("someone-else").rsplit(".", 1)[0] + "." + signature,
        "signed with another key": URLSafeSerializer("another-key", salt=MANAGE_SALT).dumps(booked.public_id),
        "signed for another purpose": URLSafeSerializer("test-secret", salt="another.salt").dumps(booked.public_id),
        "well signed, no such booking": ours.dumps("nobody-has-this-id"),
        "well signed, not a string": ours.dumps({"id": 1}),
        "a dot": ".",
        "very long": "a" * 5000,
    }


def test_tampered_manage_tokens_are_404_and_cancel_nothing(any_app, client, booked, subtests):
    for case, token in tampered_tokens(booked).items():
        with subtests.test(case):
            shown = client.get(f"/manage/{token}")
            cancelled = client.post(f"/manage/{token}/cancel")

            # Never a bare "Page not found": the practice, how to reach it, and a way to fresh links.
            assert_html_error(shown, 404, "This link doesn't work any more", "/lost-link")
            assert_html_error(cancelled, 404, "This link doesn't work any more")
    with any_app.app_context():
        assert db.session.scalar(select(Booking.status)) is BookingStatus.confirmed
    assert client.get(f"/manage/{booked.token}").status_code == 200


# --- privacy: the client's note stays in the booking ----------------------------------------

@pytest.fixture
def every_log_record(caplog):
    """caplog at DEBUG, as an operator turning logging up would have it.

    The migrations' logging fileConfig switches off every logger that existed when the
    test database was built (practice.errors among them); they are switched back on here
    so that what the app would log is really seen. SQLAlchemy keeps its own WARNING level,
    as in production: SQL echo is a separate, deliberate choice.
    """
    loggers = [logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)]
    silenced = [logger for logger in loggers if logger.disabled]
    for logger in silenced:
        logger.disabled = False
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="practice")
    yield caplog
    for logger in silenced:
        logger.disabled = True


def test_the_note_is_never_in_a_redirect_url(client, offer):
    form_booked = client.post(f"{offer.path}/confirm", data=good_form(offer))
    api_booked = client.post("/api/v1/bookings", json=good_request(offer, start=iso(at(2, 11))))
    manage_token = form_booked.location.removesuffix("/booked").rsplit("/", 1)[1]
    cancelled = client.post(f"/manage/{manage_token}/cancel")

    assert form_booked.status_code == 303 and cancelled.status_code == 303
    assert NOTE not in form_booked.location and "loss" not in form_booked.location
    assert NOTE not in cancelled.location
    assert NOTE not in api_booked.get_json()["manage_url"]


def test_the_note_is_never_on_an_error_page(client, offer):
    client.post(f"{offer.path}/confirm", data=good_form(offer))
    failures = [
        client.post(f"{offer.path}/confirm", data=good_form(offer)),  # taken
        client.post(f"{offer.path}/confirm", data=good_form(offer, start=url_instant(at(2, 3)))),  # not offered
        client.post(f"{offer.path}/confirm", data=good_form(offer, start="garbage")),
        client.post(f"/book/{offer.practice}/{offer.slug}/99999/confirm", data=good_form(offer)),
        client.post("/api/v1/bookings", json=good_request(offer)),
        client.post("/api/v1/bookings", json=good_request(offer, start="garbage")),
        client.post("/api/v1/bookings", json=good_request(offer, service=99_999)),
    ]

    assert [f.status_code for f in failures] == [409, 422, 400, 404, 409, 422, 404]
    for failure in failures:
        assert NOTE not in failure.get_data(as_text=True)


def test_an_unexpected_failure_is_a_calm_500_that_quotes_nothing(client, offer, monkeypatch, every_log_record):
    def broken_book(**kwargs):
        raise RuntimeError(f"boom while booking {kwargs['client'].note}")

    monkeypatch.setattr(booking_service, "book", broken_book)

    page = client.post(f"{offer.path}/confirm", data=good_form(offer))
    api = client.post("/api/v1/bookings", json=good_request(offer))

    assert_html_error(page, 500, "Nothing was booked")
    assert_json_error(api, 500)
    assert NOTE not in page.get_data(as_text=True)
    assert any("RuntimeError" in record.getMessage() for record in every_log_record.records)
    assert not [r for r in every_log_record.records if NOTE in r.getMessage() or NOTE in every_log_record.text]


def test_the_note_never_reaches_the_logs(any_app, client, offer, every_log_record):
    client.post(f"{offer.path}/details", data=good_form(offer))
    client.post(f"{offer.path}/confirm", data=good_form(offer))
    client.post(f"{offer.path}/confirm", data=good_form(offer))  # taken
    client.post("/api/v1/bookings", json=good_request(offer, start=iso(at(2, 11))))
    client.post("/api/v1/bookings", json=good_request(offer, start=iso(at(2, 11))))  # taken
    client.post("/api/v1/bookings", json=good_request(offer, email="not an email"))

    assert booking_count(any_app) == 2
    assert NOTE not in every_log_record.text
    assert not [r for r in every_log_record.records if NOTE in r.getMessage()]
