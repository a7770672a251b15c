"""Client rights in the browser: the manage link's data page and download, asking for erasure,
and the practitioner's page of requests to confirm."""
import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from practice.accounts.models import Practice, Practitioner, Role
from practice.booking.models import Booking
from practice.booking.service import manage_token
from practice.catalog.models import Service
from practice.clients.models import Client
from practice.extensions import db
from practice.intake.models import ErasureRequest, IntakeResponse
from practice.notifications.models import MessageKind, OutboxMessage
from practice.security.models import AuditAction, AuditEvent
from tests.booking.test_bad_input import tampered_tokens
from tests.booking.test_manage import text_of
from tests.booking.test_views import page
from tests.factories import log_in_as, make_booking, make_practitioner
from tests.privacy.test_service import (
    ANSWER,
    BOOKED,
    EMAIL,
    NAME,
    NOTE,
    PHONE,
    PREFERRED,
    PRONOUNS,
    SUBJECT,
    make_practice_with_client,
)

CLIENT_PAGES = ("your-data", "your-data.json", "erasure")


@pytest.fixture
def booked(app) -> SimpleNamespace:
    """Marigold's past booking, intake and email (see make_practice_with_client), and her manage path."""
    found = make_practice_with_client(app)
    with app.app_context():
        booking = db.session.get(Booking, found.booking_id)
        found.public_id = booking.public_id
        found.token = manage_token(booking, app.config["SECRET_KEY"])
    found.path = f"/manage/{found.token}"
    return found


def downloads(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            select(AuditEvent.practice_id, AuditEvent.actor_id, AuditEvent.object_type, AuditEvent.object_id, AuditEvent.detail)
            .where(AuditEvent.action == AuditAction.client_data_downloaded)
            .order_by(AuditEvent.id)
        ).all()


def colleague_of(app, booked) -> int:
    """A practitioner of the same practice who is not its owner."""
    with app.app_context():
        return make_practitioner(practice=db.session.get(Practice, booked.practice_id), role=Role.practitioner).id


def logged_in(app, practitioner_id: int):
    browser = app.test_client()
    with app.app_context():
        log_in_as(browser, db.session.get(Practitioner, practitioner_id))
    return browser


def request_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(ErasureRequest.id))


# --- seeing and downloading -------------------------------------------------------------------


def test_the_manage_page_links_to_the_clients_data_its_download_and_erasure(client, booked):
    links = page(client.get(booked.path))

    assert links.link("See what we keep about you") == f"{booked.path}/your-data"
    assert links.link("Download a copy") == f"{booked.path}/your-data.json"
    assert links.link("Ask for your information to be erased") == f"{booked.path}/erasure"


def test_the_data_page_shows_the_clients_fields_bookings_answers_and_emails_and_is_audited(app, client, booked):
    response = client.get(f"{booked.path}/your-data")

    assert response.status_code == 200
    words = text_of(response)
    for value in (NAME, PREFERRED, PRONOUNS, EMAIL, PHONE, "Email only", NOTE, ANSWER, "Grief counseling", SUBJECT, "Booking confirmation"):
        assert value in words, value
    assert downloads(app) == [(booked.practice_id, None, "client", booked.client_id, "readable page")]


def test_the_download_is_a_json_attachment_of_the_same_and_is_audited(app, client, booked):
    response = client.get(f"{booked.path}/your-data.json")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    held = json.loads(response.get_data(as_text=True))
    assert (held["client"]["name"], held["client"]["email"], held["client"]["phone"]) == (NAME, EMAIL, PHONE)
    assert [booking["note"] for booking in held["bookings"]] == [NOTE]
    assert ANSWER in response.get_data(as_text=True)
    assert downloads(app) == [(booked.practice_id, None, "client", booked.client_id, "JSON file")]


def test_each_download_is_audited_without_client_data(app, client, booked):
    client.get(f"{booked.path}/your-data")
    client.get(f"{booked.path}/your-data.json")
    client.get(f"{booked.path}/your-data")

    assert [detail for *_, detail in downloads(app)] == ["readable page", "JSON file", "readable page"]


def test_another_bookings_link_shows_only_its_own_clients_data(app, client, booked):
    with app.app_context():
        other = make_booking(
            db.session.get(Service, booked.service_id), BOOKED + timedelta(hours=3),
            client_name="Ottilie Fern", client_email="ottilie@example.org", client_note="Ottilie's own words",
        )
        path = f"/manage/{manage_token(other, app.config['SECRET_KEY'])}"

    shown = text_of(client.get(f"{path}/your-data")) + client.get(f"{path}/your-data.json").get_data(as_text=True)

    assert "Ottilie Fern" in shown and "Ottilie's own words" in shown
    for value in (NAME, EMAIL, PHONE, NOTE, ANSWER, SUBJECT):
        assert value not in shown


@pytest.mark.parametrize("where", CLIENT_PAGES)
def test_a_tampered_link_is_not_found_and_kept_private(app, client, booked, where):
    for name, token in tampered_tokens(booked).items():
        response = client.get(f"/manage/{token}/{where}")

        assert response.status_code == 404, name
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"
    assert client.post(f"/manage/{tampered_tokens(booked)['signature changed']}/erasure").status_code == 404
    assert downloads(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count(ErasureRequest.id))) == 0


@pytest.mark.parametrize("where", CLIENT_PAGES)
def test_the_clients_pages_are_kept_out_of_caches_and_referer_headers(client, booked, where):
    response = client.get(f"{booked.path}/{where}")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


# --- asking for erasure -----------------------------------------------------------------------


def test_the_erasure_page_says_calmly_what_is_erased_kept_and_next(client, booked):
    words = text_of(client.get(f"{booked.path}/erasure"))

    assert "answers to intake forms are deleted" in words
    assert "name, email address and phone number are removed" in words
    assert "bookings stay only as times in the calendar" in words
    assert "an erasure took place, never what was erased" in words
    assert "Your practitioner is told of your request and confirms it" in words
    assert "7 years after your last session" in words


def test_asking_opens_one_request_and_emails_the_practitioner_and_asking_again_adds_nothing(app, client, booked):
    form = page(client.get(f"{booked.path}/erasure")).form("/erasure$")

    first = client.post(form["action"], data=form["fields"])
    assert first.status_code == 303
    assert "passed your request on" in text_of(client.get(first.location))
    second = client.post(form["action"], data=form["fields"])

    assert second.status_code == 303
    assert "already asked" in text_of(client.get(second.location))
    with app.app_context():
        assert db.session.scalar(select(func.count(ErasureRequest.id))) == 1
        [notice] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == MessageKind.erasure_requested)).all()
        assert notice.recipient == booked.practitioner_email
        content = " ".join((notice.subject, notice.body_text, notice.body_html))
    for value in (NAME, PREFERRED, EMAIL, PHONE, NOTE, ANSWER, "Grief counseling"):
        assert value not in content
    assert "You asked on" in text_of(client.get(f"{booked.path}/erasure"))


# --- the practitioner confirms ----------------------------------------------------------------


def ask(client, booked) -> None:
    assert client.post(f"{booked.path}/erasure").status_code == 303


def assert_erased(app, booked) -> None:
    with app.app_context():
        client = db.session.get(Client, booked.client_id)
        assert client.erased_at is not None and client.name == "Erased client" and client.email.endswith("@erased.invalid")
        assert db.session.scalar(select(func.count(IntakeResponse.id)).where(IntakeResponse.client_id == booked.client_id)) == 0
        assert db.session.get(Booking, booked.booking_id).client_note == ""
        assert db.session.get(OutboxMessage, booked.message_id).content_dropped_at is not None


def assert_not_erased(app, booked) -> None:
    with app.app_context():
        assert db.session.get(Client, booked.client_id).name == NAME
        assert db.session.scalar(select(func.count(IntakeResponse.id))) == 1


def test_the_practitioner_sees_the_request_and_confirming_erases_the_client(app, client, booked):
    ask(client, booked)
    practitioner = logged_in(app, booked.practitioner_id)

    listed = practitioner.get("/admin/erasure-requests/")
    assert listed.status_code == 200 and NAME in text_of(listed)
    confirm = page(listed).form("/confirm$")
    response = practitioner.post(confirm["action"], data=confirm["fields"])

    assert response.status_code == 303
    assert "information is erased" in text_of(practitioner.get(response.location))
    assert_erased(app, booked)
    assert "No requests are waiting" in text_of(practitioner.get("/admin/erasure-requests/"))
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == AuditAction.client_erased))
        assert (event.actor_id, event.object_id, event.detail) == (booked.practitioner_id, booked.client_id, "confirmed by the practitioner")


def test_the_client_page_says_once_it_is_erased(client, booked, app):
    ask(client, booked)
    logged_in(app, booked.practitioner_id).post(f"/admin/erasure-requests/{request_id(app)}/confirm")

    words = text_of(client.get(f"{booked.path}/erasure"))
    data = text_of(client.get(f"{booked.path}/your-data"))

    assert "Your information was erased" in words
    assert "Erased client" in data and NAME not in data and ANSWER not in data and NOTE not in data


def test_the_owner_sees_and_confirms_a_practitioners_request(app, client, booked):
    with app.app_context():
        # The booking's practitioner is a member; the practice's first practitioner stays its owner.
        db.session.get(Booking, booked.booking_id).practitioner_id = colleague_of(app, booked)
        db.session.commit()
    ask(client, booked)
    owner = logged_in(app, booked.practitioner_id)

    assert NAME in text_of(owner.get("/admin/erasure-requests/"))
    response = owner.post(f"/admin/erasure-requests/{request_id(app)}/confirm")

    assert response.status_code == 303
    assert_erased(app, booked)


def test_a_colleague_neither_sees_nor_confirms_another_practitioners_request(app, client, booked):
    ask(client, booked)
    colleague = logged_in(app, colleague_of(app, booked))

    assert NAME not in text_of(colleague.get("/admin/erasure-requests/"))
    assert colleague.post(f"/admin/erasure-requests/{request_id(app)}/confirm").status_code == 404
    assert_not_erased(app, booked)


def test_another_practices_owner_gets_not_found(app, client, booked):
    ask(client, booked)
    with app.app_context():
        stranger = make_practitioner().id
    browser = logged_in(app, stranger)

    assert NAME not in text_of(browser.get("/admin/erasure-requests/"))
    assert browser.post(f"/admin/erasure-requests/{request_id(app)}/confirm").status_code == 404
    assert browser.post(f"/admin/erasure-requests/{10**30}/confirm").status_code == 404
    assert_not_erased(app, booked)


def test_a_visitor_is_sent_to_log_in(app, client, booked):
    ask(client, booked)

    response = client.post(f"/admin/erasure-requests/{request_id(app)}/confirm")

    assert response.status_code == 302 and "/login" in response.location
    assert_not_erased(app, booked)


def test_confirming_is_refused_kindly_while_a_session_is_still_to_come(app, client, booked):
    ask(client, booked)
    with app.app_context():
        make_booking(
            db.session.get(Service, booked.service_id), BOOKED + timedelta(days=400),
            client=db.session.get(Client, booked.client_id),
        )
    practitioner = logged_in(app, booked.practitioner_id)
    assert "still have a session" in text_of(practitioner.get("/admin/erasure-requests/"))

    response = practitioner.post(f"/admin/erasure-requests/{request_id(app)}/confirm")

    assert response.status_code == 409
    assert "cancel it first" in text_of(response)
    assert_not_erased(app, booked)
