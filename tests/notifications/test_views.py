"""The Emails page: the practitioner's own messages, each readable as sent, failed ones sent again."""
from datetime import timedelta
from html import unescape
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from practice.extensions import db
from practice.notifications import service
from practice.notifications.models import MessageKind, OutboxMessage, OutboxStatus
from tests.notifications.email_samples import NOW, make_booked, make_stillwater


@pytest.fixture
def owner(app):
    """A practitioner with a confirmed booking's two emails, the notice failed."""
    with app.app_context():
        booking = make_booked()
        service.owe_booking_confirmed(booking, now=NOW)
        notice = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == MessageKind.practitioner_new_booking))
        notice.status, notice.attempts, notice.last_error = OutboxStatus.failed, 8, "SMTPRecipientsRefused 550"
        db.session.commit()
        confirmation = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == MessageKind.booking_confirmed))
        return SimpleNamespace(
            email=booking.practitioner.email,
            booking_id=booking.id,
            confirmation_id=confirmation.id,
            notice_id=notice.id,
            subject=confirmation.subject,
        )


@pytest.fixture
def stranger(app, auth):
    """Another practitioner, logged in, with a message of their own."""
    with app.app_context():
        practitioner = make_stillwater(practice_name="Elsewhere Counselling")
        service.owe_password_reset(practitioner, reset_url="http://localhost/reset/x", now=NOW)
        db.session.commit()
        email = practitioner.email
    auth.login(email)


def message(app, message_id: int) -> OutboxMessage:
    with app.app_context():
        found = db.session.get(OutboxMessage, message_id)
        db.session.expunge(found)
        return found


def test_the_nav_links_to_the_emails_page(client, auth, owner):
    auth.login(owner.email)

    assert b'href="/admin/emails/"' in client.get("/admin/").data


def test_the_list_shows_each_message_with_its_recipient_and_status(client, auth, owner):
    auth.login(owner.email)

    page = client.get("/admin/emails/").data.decode()

    assert "Booking confirmation, to the client" in page
    assert "New booking, to you" in page
    assert "hannah@example.org" in page
    assert "Waiting to send" in page
    assert "Couldn&#39;t send" in page
    assert "Tried 8 attempts." in page and "SMTPRecipientsRefused 550" in page


def test_a_superseded_message_says_a_newer_email_replaced_it(app, client, auth, owner):
    with app.app_context():
        db.session.get(OutboxMessage, owner.confirmation_id).status = OutboxStatus.superseded
        db.session.commit()
    auth.login(owner.email)

    page = unescape(client.get("/admin/emails/").data.decode())

    assert "Superseded — a newer email replaced it" in page


def test_the_list_puts_the_newest_first(app, client, auth, owner):
    with app.app_context():
        practitioner = db.session.scalar(select(OutboxMessage).where(OutboxMessage.id == owner.notice_id)).practitioner
        service.owe_password_reset(practitioner, reset_url="http://localhost/reset/y", now=NOW + timedelta(hours=1))
        db.session.commit()
    auth.login(owner.email)

    page = client.get("/admin/emails/").data.decode()

    assert page.index("Password reset link") < page.index("Booking confirmation")


def test_the_list_says_how_many_failed(client, auth, owner):
    auth.login(owner.email)

    assert "1 email couldn't be sent" in unescape(client.get("/admin/emails/").data.decode())


def test_the_list_offers_send_again_only_on_failed_messages(client, auth, owner):
    auth.login(owner.email)

    page = client.get("/admin/emails/").data.decode()

    assert f"/admin/emails/{owner.notice_id}/send-again" in page
    assert f"/admin/emails/{owner.confirmation_id}/send-again" not in page


@pytest.mark.parametrize("page", ["0", "-3", "abc", "99999999999999999999"])
def test_an_odd_page_number_is_no_error(client, auth, owner, page):
    auth.login(owner.email)

    assert client.get(f"/admin/emails/?page={page}").status_code == 200


def test_a_message_is_shown_as_sent_with_its_text_and_calendar(app, client, auth, owner):
    auth.login(owner.email)
    sent = message(app, owner.confirmation_id)

    response = client.get(f"/admin/emails/{owner.confirmation_id}")
    page = response.data.decode()

    assert response.status_code == 200
    assert f'<iframe sandbox src="/admin/emails/{owner.confirmation_id}/html"' in page
    assert client.get(f"/admin/emails/{owner.confirmation_id}/html").get_data(as_text=True) == sent.body_html
    assert "Hello Hannah," in page
    assert "BEGIN:VCALENDAR" in page
    assert owner.subject in page
    assert response.headers["Cache-Control"] == "no-store"


def test_a_failed_message_shows_why_and_offers_send_again(client, auth, owner):
    auth.login(owner.email)

    page = client.get(f"/admin/emails/{owner.notice_id}").data.decode()

    assert "couldn't be sent after 8 attempts" in unescape(page)
    assert "SMTPRecipientsRefused 550" in page
    assert f'action="/admin/emails/{owner.notice_id}/send-again"' in page


def test_send_again_queues_the_message_and_says_so(app, client, auth, owner):
    auth.login(owner.email)

    response = client.post(f"/admin/emails/{owner.notice_id}/send-again")

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/admin/emails/{owner.notice_id}")
    retried = message(app, owner.notice_id)
    assert (retried.status, retried.attempts, retried.last_error) == (OutboxStatus.pending, 0, "")
    assert "back in the queue" in client.get(response.headers["Location"]).data.decode()


def test_send_again_on_a_message_that_has_not_failed_changes_nothing(app, client, auth, owner):
    auth.login(owner.email)

    response = client.post(f"/admin/emails/{owner.confirmation_id}/send-again", follow_redirects=True)

    assert "nothing changed" in response.data.decode()
    assert message(app, owner.confirmation_id).status is OutboxStatus.pending


def test_send_again_needs_a_post(client, auth, owner):
    auth.login(owner.email)

    assert client.get(f"/admin/emails/{owner.notice_id}/send-again").status_code == 405


def test_another_practitioners_message_is_not_found(client, owner, stranger):
    assert client.get(f"/admin/emails/{owner.confirmation_id}").status_code == 404


def test_another_practitioners_message_cannot_be_sent_again(app, client, owner, stranger):
    assert client.post(f"/admin/emails/{owner.notice_id}/send-again").status_code == 404
    assert message(app, owner.notice_id).status is OutboxStatus.failed


def test_the_list_never_shows_another_practitioners_messages(client, owner, stranger):
    page = client.get("/admin/emails/").data.decode()

    assert "hannah@example.org" not in page
    assert "Password reset link" in page


@pytest.mark.parametrize("path", ["/admin/emails/{id}", "/admin/emails/{big}"])
def test_an_unknown_or_huge_id_is_not_found(client, auth, owner, path):
    auth.login(owner.email)

    assert client.get(path.format(id=owner.notice_id + 100, big=10**30)).status_code == 404


@pytest.mark.parametrize(("method", "path"), [("GET", "/admin/emails/"), ("GET", "/admin/emails/{id}"), ("POST", "/admin/emails/{id}/send-again")])
def test_a_visitor_is_sent_to_log_in(app, client, owner, method, path):
    response = client.open(path.format(id=owner.notice_id), method=method)

    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]
    assert message(app, owner.notice_id).status is OutboxStatus.failed


def test_an_empty_outbox_says_what_will_appear(client, auth, app):
    with app.app_context():
        email = make_stillwater().email
    auth.login(email)

    assert "No emails yet" in client.get("/admin/emails/").data.decode()
