"""An email's HTML is served on its own admin address, under a policy of its own, to its practice only."""
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from practice.accounts.models import Practitioner
from practice.extensions import db
from practice.notifications import service
from practice.notifications.models import MessageKind, OutboxMessage
from practice.security.headers import EMAIL_PREVIEW_POLICY
from tests.factories import log_in_as
from tests.notifications.email_samples import NOW, make_booked, make_stillwater


@pytest.fixture
def client(any_app):
    """These pages run on SQLite and on PostgreSQL."""
    return any_app.test_client()


@pytest.fixture
def confirmation(any_app):
    """A booking's confirmation email, with its practitioner's id."""
    with any_app.app_context():
        booking = make_booked()
        service.owe_booking_confirmed(booking, now=NOW)
        db.session.commit()
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == MessageKind.booking_confirmed))
        return SimpleNamespace(id=message.id, html=message.body_html, practitioner_id=booking.practitioner_id)


@pytest.fixture
def logged_in(any_app, client, confirmation):
    """The confirmation's practitioner, logged in."""
    with any_app.app_context():
        log_in_as(client, db.session.get(Practitioner, confirmation.practitioner_id))


def test_the_email_page_frames_the_email_from_its_own_address(client, confirmation, logged_in):
    page = client.get(f"/admin/emails/{confirmation.id}").get_data(as_text=True)

    assert f'<iframe sandbox src="/admin/emails/{confirmation.id}/html"' in page
    assert "srcdoc" not in page


def test_the_email_html_is_served_as_sent_with_inline_styles_allowed_and_nothing_else(client, confirmation, logged_in):
    response = client.get(f"/admin/emails/{confirmation.id}/html")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.get_data(as_text=True) == confirmation.html
    assert 'style="' in confirmation.html
    assert response.headers["Content-Security-Policy"] == EMAIL_PREVIEW_POLICY
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_email_policy_allows_inline_styles_and_data_images_only():
    policy = dict(part.strip().partition(" ")[::2] for part in EMAIL_PREVIEW_POLICY.split(";"))

    assert policy["default-src"] == "'none'"
    assert policy["style-src"] == "'unsafe-inline'"
    assert policy["img-src"] == "data:"
    assert policy["frame-ancestors"] == "'self'"
    assert "sandbox" in policy and "script-src" not in policy


def test_another_practices_email_html_is_not_found(any_app, client, confirmation):
    with any_app.app_context():
        log_in_as(client, make_stillwater(practice_name="Elsewhere Counselling"))

    response = client.get(f"/admin/emails/{confirmation.id}/html")

    assert response.status_code == 404
    assert confirmation.html not in response.get_data(as_text=True)


def test_the_email_html_needs_a_login(client, confirmation):
    response = client.get(f"/admin/emails/{confirmation.id}/html")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
