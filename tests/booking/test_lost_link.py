"""A link that can't be lost: one email with a fresh link for each upcoming booking, the same answer for any address."""
import re
from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from flask import render_template_string
from sqlalchemy import select

from practice.booking.models import BookingStatus
from practice.booking.service import manage_token, practice_by_slug
from practice.catalog.models import Service
from practice.extensions import db
from practice.notifications import delivery
from practice.notifications.delivery import Outcome
from practice.notifications.models import MessageKind, OutboxMessage
from tests.booking.test_manage import text_of
from tests.booking.test_views import page
from tests.factories import make_booking, make_practitioner, make_service

ZONE = "Europe/London"
CLIENT_ZONE = "America/New_York"
SERVICE_NAME = "Pregnancy-loss recovery massage"
MANAGE_LINK = re.compile(r"https?://\S+/manage/[^\s<\"]+")


def london(days: int, hour: int) -> datetime:
    day = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=days)
    return datetime.combine(day, time(hour), ZoneInfo(ZONE)).astimezone(UTC)


@pytest.fixture
def app(mail_app):
    """An app that sends to the test's own SMTP server."""
    return mail_app


def offer(app, **practice) -> SimpleNamespace:
    """A practice with one service; its slug and the ids to book with."""
    values = dict(timezone=ZONE, practice_name="Stillwater Practice", contact_email="hello@stillwater.example", name="Ada Moss")
    with app.app_context():
        practitioner = make_practitioner(**values | practice)
        service = make_service(practitioner, name=SERVICE_NAME)
        return SimpleNamespace(
            slug=practitioner.practice.slug, service_id=service.id, path=f"/book/{practitioner.practice.slug}/lost-link"
        )


def book(app, offered: SimpleNamespace, starts_at: datetime, email: str = "jo@example.org", **overrides) -> SimpleNamespace:
    with app.app_context():
        booking = make_booking(
            db.session.get(Service, offered.service_id), starts_at,
            client_name="Jo Rivers", client_email=email, client_timezone=CLIENT_ZONE, **overrides,
        )
        return SimpleNamespace(id=booking.id, token=manage_token(booking, app.config["SECRET_KEY"]), starts_at=starts_at)


def lost_link_messages(app) -> list[SimpleNamespace]:
    with app.app_context():
        return [
            SimpleNamespace(id=m.id, recipient=m.recipient, booking_id=m.booking_id)
            for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == MessageKind.lost_link))
        ]


def answer_of(response, address: str) -> str:
    """The page's words with the address typed taken out, to compare two answers."""
    return text_of(response).replace(address, "<address>")


def test_an_address_with_upcoming_bookings_is_sent_one_email_with_a_working_link_for_each(app, client, smtp_server):
    offered = offer(app)
    soon, later = book(app, offered, london(3, 10)), book(app, offered, london(9, 14))
    book(app, offered, london(-5, 10))
    book(app, offered, london(5, 10), status=BookingStatus.held, hold_expires_at=datetime.now(UTC) - timedelta(minutes=1))

    response = client.post(offered.path, data={"email": "  Jo@Example.ORG "})

    assert response.status_code == 200
    assert "If Jo@Example.ORG has upcoming bookings with Stillwater Practice, we've sent it a list with links." in text_of(response)
    (message,) = lost_link_messages(app)
    assert message.recipient == "jo@example.org"
    with app.app_context():
        assert delivery.deliver(message.id, now=datetime.now(UTC) + timedelta(minutes=1)) is Outcome.sent
    (received,) = smtp_server.received
    email = received.message
    assert received.rcpt_tos == ["jo@example.org"]
    assert email["Subject"] == "Your bookings with Stillwater Practice"
    assert email["From"].addresses[0].display_name == "Stillwater Practice"
    text, html = email.get_body(("plain",)).get_content(), email.get_body(("html",)).get_content()
    links = MANAGE_LINK.findall(text)
    assert [urlsplit(link).path for link in links] == [f"/manage/{soon.token}", f"/manage/{later.token}"]
    assert all(link in html for link in links)
    assert "Ada Moss" in text
    for booking in (soon, later):
        local = booking.starts_at.astimezone(ZoneInfo(CLIENT_ZONE))
        assert f"{local:%H:%M}" in text and "New York time" in text
    # The practice keeps emails discreet: the session is never named.
    assert SERVICE_NAME not in text + html + email["Subject"]
    for link in links:
        opened = client.get(urlsplit(link).path)
        assert opened.status_code == 200
        assert "Your booking" in text_of(opened)


def test_the_email_names_the_service_when_the_practice_allows(app, client):
    offered = offer(app, discreet_emails=False)
    book(app, offered, london(3, 10))

    client.post(offered.path, data={"email": "jo@example.org"})

    with app.app_context():
        body = db.session.scalar(select(OutboxMessage.body_text).where(OutboxMessage.kind == MessageKind.lost_link))
    assert SERVICE_NAME in body


def test_an_unknown_address_gets_the_same_answer_and_no_email(app, client):
    offered = offer(app)
    book(app, offered, london(3, 10))

    known = client.post(offered.path, data={"email": "jo@example.org"})
    unknown = client.post(offered.path, data={"email": "sam@example.org"})

    assert unknown.status_code == known.status_code == 200
    assert answer_of(unknown, "sam@example.org") == answer_of(known, "jo@example.org")
    assert [m.recipient for m in lost_link_messages(app)] == ["jo@example.org"]


def test_another_practices_client_is_sent_nothing(app, client):
    ours, theirs = offer(app), offer(app, practice_name="Harbour Bodywork")
    book(app, theirs, london(3, 10))

    response = client.post(ours.path, data={"email": "jo@example.org"})

    assert response.status_code == 200
    assert lost_link_messages(app) == []


def test_a_malformed_address_is_422_with_the_reason_by_the_field_and_what_was_typed_kept(app, client):
    offered = offer(app)

    response = client.post(offered.path, data={"email": "jo at example"})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="lost-link-email-error"' in html and "doesn&#39;t look right" in html
    assert page(response).form("/lost-link$")["fields"]["email"] == "jo at example"
    assert lost_link_messages(app) == []


def test_the_form_asks_for_one_address_with_the_attributes_browsers_need(app, client):
    offered = offer(app)

    html = client.get(offered.path).get_data(as_text=True)

    field = re.search(r"<input[^>]*name=\"email\"[^>]*>", html).group(0)
    assert 'type="email"' in field and 'autocomplete="email"' in field and "required" in field
    assert 'maxlength="254"' in field
    assert '<label for="lost-link-email">Your email address</label>' in html


def test_asking_too_often_about_one_address_gets_a_kind_429_page(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOST_LINK_RATE_LIMIT_ADDRESS="2 per hour")
    client = app.test_client()
    offered = offer(app)

    answers = [client.post(offered.path, data={"email": typed}).status_code for typed in ("jo@example.org", "JO@example.org ")]
    limited = client.post(offered.path, data={"email": "Jo@Example.org"})
    another = client.post(offered.path, data={"email": "sam@example.org"})

    assert answers == [200, 200]
    assert limited.status_code == 429
    assert "Please wait a little before asking again" in text_of(limited)
    assert "jo@example.org" not in limited.get_data(as_text=True).lower()
    assert another.status_code == 200


def test_the_practice_page_prompt_leads_to_the_form(app):
    offered = offer(app)
    with app.test_request_context():
        html = render_template_string('{% include "booking/_lost_link_prompt.html" %}', practice=practice_by_slug(offered.slug))
    assert f'href="{offered.path}"' in html
