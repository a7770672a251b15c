"""A client changes their own details by their manage link until the session starts; bad input changes nothing."""
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from flask import render_template

from practice.booking.details_change import HIDDEN_CHARACTER_MESSAGE, details_change_from
from practice.booking.models import Booking, BookingStatus
from practice.booking.service import InvalidDetails, manage_token
from practice.booking.states import ChangePolicy, ChangeWindow
from practice.catalog.models import Service
from practice.clients.models import ContactPreference
from practice.extensions import db
from tests.booking.test_bad_input import every_log_record  # noqa: F401  (a fixture)
from tests.booking.test_forms_help import KIND_NOTE_MESSAGE, controls
from tests.factories import make_booking, make_practitioner, make_service

CHANGES = {
    "preferred_name": "Jojo",
    "pronouns": "they/them",
    "phone": "+44 7700 900123",
    "contact_preference": "no_voicemail",
    "note": "Please don't mention the baby's name.\nThank you.",
}


@pytest.fixture
def practice(app):
    with app.app_context():
        practitioner = make_practitioner(practice_name="Stillwater Practice", contact_email="hello@stillwater.example")
        return SimpleNamespace(service_id=make_service(practitioner).id)


@pytest.fixture
def booking_at(app, practice):
    """booking_at(starts_at, **overrides) → a booking of Jo's, with its manage link's details page."""

    def build(starts_at: datetime, email: str = "jo@example.org", **overrides) -> SimpleNamespace:
        with app.app_context():
            service = db.session.get(Service, practice.service_id)
            booking = make_booking(
                service, starts_at, client_name="Jo Rivers", client_email=email, client_phone="01632 960001",
                preferred_name="Jo", pronouns="she/her", client_note="Hello.", **overrides,
            )
            token = manage_token(booking, app.config["SECRET_KEY"])
            return SimpleNamespace(id=booking.id, token=token, path=f"/manage/{token}/details")

    return build


def soon(**delta) -> datetime:
    return datetime.now(timezone.utc) + timedelta(**(delta or {"days": 3}))


def held(app, booking_id: int) -> dict:
    """What the practice holds for the booking and its client."""
    with app.app_context():
        booking = db.session.get(Booking, booking_id)
        client = booking.client
        return {
            "preferred_name": client.preferred_name,
            "pronouns": client.pronouns,
            "phone": client.phone,
            "contact_preference": client.contact_preference.value,
            "note": booking.client_note,
            "name": client.name,
            "email": client.email,
        }


def flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _, message in session.get("_flashes", [])]


def test_the_form_opens_with_what_the_practice_holds(client, booking_at):
    booking = booking_at(soon())

    response = client.get(booking.path)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = controls(response)
    assert page.title == "Your details · Stillwater Practice"
    assert page.controls["preferred_name"]["value"] == "Jo"
    assert "checked" in page.controls["contact_preference-0"]  # email only, the default
    assert page.textarea("note") == "Hello."
    assert "name" not in page.controls and "email" not in page.controls
    html = response.get_data(as_text=True)
    assert "<legend>How may we contact you?</legend>" in html
    assert "To change your name or email address, please contact Stillwater Practice" in html


def test_a_client_changes_every_field_and_is_sent_back_to_their_booking(app, client, booking_at):
    booking = booking_at(soon())

    response = client.post(booking.path, data=CHANGES)

    assert response.status_code == 303
    assert response.headers["Location"] == f"/manage/{booking.token}"
    assert flashes(client) == ["Your details are updated."]
    assert held(app, booking.id) == CHANGES | {"name": "Jo Rivers", "email": "jo@example.org"}


def test_a_client_may_clear_what_they_shared(app, client, booking_at):
    booking = booking_at(soon())
    cleared = {"preferred_name": "", "pronouns": "", "phone": "", "contact_preference": "email_only", "note": ""}

    response = client.post(booking.path, data=cleared)

    assert response.status_code == 303
    assert held(app, booking.id) == cleared | {"name": "Jo Rivers", "email": "jo@example.org"}


def test_inside_the_cancellation_window_details_can_still_change(app, client, booking_at):
    booking = booking_at(soon(hours=2))

    assert client.post(booking.path, data=CHANGES).status_code == 303
    assert held(app, booking.id)["phone"] == CHANGES["phone"]


@pytest.mark.parametrize(
    "starts_in, overrides, reason",
    [
        (timedelta(minutes=-10), {}, "already started"),
        (timedelta(days=3), {"status": BookingStatus.cancelled}, "cancelled"),
        (timedelta(days=3), {"status": BookingStatus.held, "hold_expires_at": soon(minutes=-1)}, "can no longer"),
    ],
    ids=["started", "cancelled", "lapsed hold"],
)
def test_once_started_or_cancelled_nothing_changes(app, client, booking_at, starts_in, overrides, reason):
    booking = booking_at(datetime.now(timezone.utc) + starts_in, **overrides)
    before = held(app, booking.id)

    for response in (client.get(booking.path), client.post(booking.path, data=CHANGES)):
        assert response.status_code == 403
        html = response.get_data(as_text=True)
        assert reason in html and 'role="alert"' in html
        assert f'href="/manage/{booking.token}"' in html
        assert "<form" not in html.split("<main", 1)[1].split("</main>", 1)[0]
    assert held(app, booking.id) == before


def test_one_bookings_link_changes_only_its_own_client_and_note(app, client, booking_at):
    mine = booking_at(soon())
    theirs = booking_at(soon(days=4), email="sam@example.org")
    before = held(app, theirs.id)

    client.post(mine.path, data=CHANGES)

    assert held(app, theirs.id) == before
    assert held(app, mine.id)["note"] == CHANGES["note"]


def test_an_unknown_link_is_not_found(client):
    assert client.post("/manage/not-a-token/details", data=CHANGES).status_code == 404


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("pronouns", "she/\x07her", str(HIDDEN_CHARACTER_MESSAGE)),
        ("note", "x" * 10_000, KIND_NOTE_MESSAGE),
        ("phone", "call me", "Please use only digits, spaces and + - ( ) in a phone number."),
        ("preferred_name", "J" * 121, "Please keep this to 120 characters or fewer."),
        ("contact_preference", "carrier pigeon", "Please choose how we may contact you."),
    ],
    ids=["control character", "note over the limit", "letters in a phone", "long name", "unknown preference"],
)
def test_bad_input_is_explained_at_422_and_nothing_is_written(app, client, booking_at, field, value, message):
    booking = booking_at(soon())
    before = held(app, booking.id)

    response = client.post(booking.path, data=CHANGES | {field: value})

    assert response.status_code == 422
    page = controls(response)
    assert page.title.startswith("Error: Your details")
    assert page.summary_links == [f"#{field}-0" if field == "contact_preference" else f"#{field}"]
    assert message in response.get_data(as_text=True).replace("&#39;", "'").replace("&#34;", '"')
    assert held(app, booking.id) == before


def test_a_long_note_sent_back_is_kept_whole_in_the_box(client, booking_at):
    booking = booking_at(soon())
    note = "We lost our son at 20 weeks. " * 400

    page = controls(client.post(booking.path, data=CHANGES | {"note": note}))

    assert page.textarea("note") == note


def test_a_nul_character_is_refused_before_anything_is_written(app, client, booking_at):
    booking = booking_at(soon())
    before = held(app, booking.id)

    # The app refuses a NUL anywhere in a request (practice.security.input_checks) before this view runs.
    assert client.post(booking.path, data=CHANGES | {"note": "a\x00b"}).status_code == 400
    assert held(app, booking.id) == before


def test_the_rules_refuse_a_nul_character_themselves():
    with pytest.raises(InvalidDetails) as invalid:
        details_change_from(CHANGES | {"preferred_name": "Jo\x00"})

    assert invalid.value.field_errors == {"preferred_name": HIDDEN_CHARACTER_MESSAGE}


def test_phone_contact_needs_a_phone_number():
    with pytest.raises(InvalidDetails) as invalid:
        details_change_from(CHANGES | {"phone": "", "contact_preference": "phone_ok"})

    assert "phone" in invalid.value.field_errors


def test_line_breaks_in_the_note_count_once():
    note = "a\r\n" * 1000

    assert details_change_from(CHANGES | {"note": note}).note == ("a\n" * 1000).strip()


def test_the_note_and_phone_stay_out_of_the_url_and_the_log(client, booking_at, every_log_record):
    booking = booking_at(soon())

    response = client.post(booking.path, data=CHANGES)
    refused = client.post(booking.path, data=CHANGES | {"phone": "call me"})

    for secret in (CHANGES["note"], CHANGES["phone"], "call me"):
        assert secret not in response.headers["Location"] and secret not in every_log_record.text
        assert not [record for record in every_log_record.records if secret in record.getMessage()]
    assert refused.status_code == 422 and "call me" not in refused.headers.get("Location", "")


def test_the_contact_preferences_are_the_practices_labels(client, booking_at):
    html = client.get(booking_at(soon()).path).get_data(as_text=True)

    for label in ("Email only", "Phone is fine", "Phone, but no voicemail"):
        assert label in html
    assert ContactPreference.no_voicemail.value in html


@pytest.mark.parametrize(
    "window, offered",
    [(ChangeWindow.open, True), (ChangeWindow.closing, True), (ChangeWindow.started, False), (ChangeWindow.inactive, False)],
)
def test_the_manage_page_link_is_offered_until_the_session_starts(app, window, offered):
    policy = ChangePolicy(window=window, deadline=soon(), window_hours=24)

    with app.test_request_context():
        html = render_template("booking/_change_details_link.html", token="the-token", policy=policy)

    assert ('href="/manage/the-token/details"' in html and "Change your details" in html) is offered
