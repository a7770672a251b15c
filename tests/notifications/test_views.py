"""The Emails page: a practitioner's own messages, the owner's whole practice, each readable as sent and its reading recorded."""
from datetime import datetime, timedelta, timezone
from html import unescape
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from practice.accounts import invitations
from practice.accounts.models import Practitioner, Role
from practice.extensions import db
from practice.notifications import service
from practice.notifications.models import MessageKind, OutboxMessage, OutboxStatus
from practice.security.audit import Actor
from practice.security.models import AuditAction, AuditEvent
from tests.factories import log_in_as, make_practitioner
from tests.notifications.email_samples import NOW, make_booked, make_stillwater


@pytest.fixture
def client(any_app):
    """These pages run on SQLite and on PostgreSQL."""
    return any_app.test_client()


@pytest.fixture
def owner(any_app):
    """A practice's owner with a confirmed booking's two emails, the notice failed."""
    with any_app.app_context():
        booking = make_booked()
        service.owe_booking_confirmed(booking, now=NOW)
        notice = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == MessageKind.practitioner_new_booking))
        notice.status, notice.attempts, notice.last_error = OutboxStatus.failed, 8, "SMTPRecipientsRefused 550"
        db.session.commit()
        confirmation = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == MessageKind.booking_confirmed))
        return SimpleNamespace(
            id=booking.practitioner_id,
            practice_id=booking.practice_id,
            booking_id=booking.id,
            confirmation_id=confirmation.id,
            notice_id=notice.id,
            subject=confirmation.subject,
        )


@pytest.fixture
def colleague(any_app, owner):
    """A practitioner (not the owner) in the owner's practice, with a booking and a confirmation of their own."""
    with any_app.app_context():
        practitioner = make_practitioner(
            db.session.get(Practitioner, owner.id).practice, role=Role.practitioner, name="Rowan Hale"
        )
        booking = make_booked(practitioner, client_name="Priya Shah", preferred_name="", client_email="priya@example.org")
        service.owe_booking_confirmed(booking, now=NOW + timedelta(minutes=1))
        db.session.commit()
        confirmation = db.session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.booking_id == booking.id, OutboxMessage.kind == MessageKind.booking_confirmed
            )
        )
        return SimpleNamespace(id=practitioner.id, confirmation_id=confirmation.id)


@pytest.fixture
def stranger(any_app, client):
    """The owner of another practice, logged in, with a message of their own."""
    with any_app.app_context():
        practitioner = make_stillwater(practice_name="Elsewhere Counselling")
        service.owe_password_reset(practitioner, reset_url="http://localhost/reset/x", now=NOW)
        db.session.commit()
        log_in_as(client, practitioner)


def log_in(app, client, practitioner_id: int) -> None:
    with app.app_context():
        log_in_as(client, db.session.get(Practitioner, practitioner_id))


def message(app, message_id: int) -> OutboxMessage:
    with app.app_context():
        found = db.session.get(OutboxMessage, message_id)
        db.session.expunge(found)
        return found


def sealed_reads(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            select(AuditEvent.actor_id, AuditEvent.practice_id, AuditEvent.object_type, AuditEvent.object_id)
            .where(AuditEvent.action == AuditAction.sealed_read)
            .order_by(AuditEvent.id)
        ).all()


def test_the_nav_links_to_the_emails_page(any_app, client, owner):
    log_in(any_app, client, owner.id)

    assert b'href="/admin/emails/"' in client.get("/admin/").data


def test_the_list_shows_each_message_with_its_recipient_and_status(any_app, client, owner):
    log_in(any_app, client, owner.id)

    page = client.get("/admin/emails/").data.decode()

    assert "Booking confirmation, to the client" in page
    assert "New booking notice, to you" in page
    assert "hannah@example.org" in page
    assert "Waiting to send" in page
    assert "Couldn&#39;t send" in page
    assert "Tried 8 attempts." in page and "SMTPRecipientsRefused 550" in page


def test_a_superseded_message_says_a_newer_email_replaced_it(any_app, client, owner):
    with any_app.app_context():
        db.session.get(OutboxMessage, owner.confirmation_id).status = OutboxStatus.superseded
        db.session.commit()
    log_in(any_app, client, owner.id)

    page = unescape(client.get("/admin/emails/").data.decode())

    assert "Superseded — a newer email replaced it" in page


def test_the_list_puts_the_newest_first(any_app, client, owner):
    with any_app.app_context():
        service.owe_password_reset(
            db.session.get(Practitioner, owner.id), reset_url="http://localhost/reset/y", now=NOW + timedelta(hours=1)
        )
        db.session.commit()
    log_in(any_app, client, owner.id)

    page = client.get("/admin/emails/").data.decode()

    assert page.index("Password reset link") < page.index("Booking confirmation")


def test_the_list_says_how_many_failed(any_app, client, owner):
    log_in(any_app, client, owner.id)

    assert "1 email couldn't be sent" in unescape(client.get("/admin/emails/").data.decode())


def test_the_list_offers_send_again_only_on_failed_messages(any_app, client, owner):
    log_in(any_app, client, owner.id)

    page = client.get("/admin/emails/").data.decode()

    assert f"/admin/emails/{owner.notice_id}/send-again" in page
    assert f"/admin/emails/{owner.confirmation_id}/send-again" not in page


@pytest.mark.parametrize("page", ["0", "-3", "abc", "99999999999999999999"])
def test_an_odd_page_number_is_no_error(any_app, client, owner, page):
    log_in(any_app, client, owner.id)

    assert client.get(f"/admin/emails/?page={page}").status_code == 200


def test_a_message_is_shown_as_sent_with_its_text_and_calendar(any_app, client, owner):
    log_in(any_app, client, owner.id)
    sent = message(any_app, owner.confirmation_id)

    response = client.get(f"/admin/emails/{owner.confirmation_id}")
    page = response.data.decode()

    assert response.status_code == 200
    assert f'<iframe sandbox src="/admin/emails/{owner.confirmation_id}/html"' in page
    assert client.get(f"/admin/emails/{owner.confirmation_id}/html").get_data(as_text=True) == sent.body_html
    assert "Hello Hannah," in page
    assert "BEGIN:VCALENDAR" in page
    assert owner.subject in page
    assert response.headers["Cache-Control"] == "no-store"


def test_opening_a_message_is_recorded_in_the_audit_trail(any_app, client, owner):
    log_in(any_app, client, owner.id)

    client.get(f"/admin/emails/{owner.confirmation_id}")

    assert sealed_reads(any_app) == [(owner.id, owner.practice_id, "outbox_message", owner.confirmation_id)]


def test_the_list_alone_records_no_reading(any_app, client, owner):
    log_in(any_app, client, owner.id)

    client.get("/admin/emails/")

    assert sealed_reads(any_app) == []


def test_a_message_whose_content_was_dropped_opens_without_a_reading_recorded(any_app, client, owner):
    with any_app.app_context():
        db.session.get(OutboxMessage, owner.confirmation_id).status = OutboxStatus.sent
        db.session.commit()
        service.drop_sent_content(now=NOW + service.SENT_CONTENT_KEPT + timedelta(days=1))
    log_in(any_app, client, owner.id)

    response = client.get(f"/admin/emails/{owner.confirmation_id}")

    assert response.status_code == 200
    assert "hannah@example.org" not in response.data.decode()
    assert sealed_reads(any_app) == []


def test_a_failed_message_shows_why_and_offers_send_again(any_app, client, owner):
    log_in(any_app, client, owner.id)

    page = client.get(f"/admin/emails/{owner.notice_id}").data.decode()

    assert "couldn't be sent after 8 attempts" in unescape(page)
    assert "SMTPRecipientsRefused 550" in page
    assert f'action="/admin/emails/{owner.notice_id}/send-again"' in page


def test_send_again_queues_the_message_and_says_so(any_app, client, owner):
    log_in(any_app, client, owner.id)

    response = client.post(f"/admin/emails/{owner.notice_id}/send-again")

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/admin/emails/{owner.notice_id}")
    retried = message(any_app, owner.notice_id)
    assert (retried.status, retried.attempts, retried.last_error) == (OutboxStatus.pending, 0, "")
    assert "back in the queue" in client.get(response.headers["Location"]).data.decode()


def test_send_again_on_a_message_that_has_not_failed_changes_nothing(any_app, client, owner):
    log_in(any_app, client, owner.id)

    response = client.post(f"/admin/emails/{owner.confirmation_id}/send-again", follow_redirects=True)

    assert "nothing changed" in response.data.decode()
    assert message(any_app, owner.confirmation_id).status is OutboxStatus.pending


def test_send_again_needs_a_post(any_app, client, owner):
    log_in(any_app, client, owner.id)

    assert client.get(f"/admin/emails/{owner.notice_id}/send-again").status_code == 405


def test_the_owner_sees_every_message_of_the_practice(any_app, client, owner, colleague):
    log_in(any_app, client, owner.id)

    page = client.get("/admin/emails/").data.decode()

    assert "hannah@example.org" in page and "priya@example.org" in page
    assert client.get(f"/admin/emails/{colleague.confirmation_id}").status_code == 200


def test_a_practitioner_sees_only_their_own_messages(any_app, client, owner, colleague):
    log_in(any_app, client, colleague.id)

    page = client.get("/admin/emails/").data.decode()

    assert "priya@example.org" in page
    assert "hannah@example.org" not in page
    assert "couldn't be sent" not in unescape(page)


def test_a_practitioner_cannot_open_or_send_again_a_colleagues_message(any_app, client, owner, colleague):
    log_in(any_app, client, colleague.id)

    assert client.get(f"/admin/emails/{owner.confirmation_id}").status_code == 404
    assert client.get(f"/admin/emails/{owner.confirmation_id}/html").status_code == 404
    assert client.post(f"/admin/emails/{owner.notice_id}/send-again").status_code == 404
    assert message(any_app, owner.notice_id).status is OutboxStatus.failed
    assert sealed_reads(any_app) == []


def test_another_practices_message_is_not_found(any_app, client, owner, stranger):
    assert client.get(f"/admin/emails/{owner.confirmation_id}").status_code == 404
    assert sealed_reads(any_app) == []


def test_another_practices_message_cannot_be_sent_again(any_app, client, owner, stranger):
    assert client.post(f"/admin/emails/{owner.notice_id}/send-again").status_code == 404
    assert message(any_app, owner.notice_id).status is OutboxStatus.failed


def test_the_list_never_shows_another_practices_messages(client, owner, stranger):
    page = client.get("/admin/emails/").data.decode()

    assert "hannah@example.org" not in page
    assert "Password reset link" in page


def test_an_invitation_shows_on_the_inviting_owners_emails_page(any_app, client, owner):
    with any_app.app_context():
        invitations.invite(
            owner.practice_id, "imogen@example.org", actor=Actor(owner.id, owner.practice_id, True),
            secret_key=any_app.config["SECRET_KEY"], now=NOW,
        )
        invitation_id = db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.kind == MessageKind.invitation))
    log_in(any_app, client, owner.id)

    page = client.get("/admin/emails/").data.decode()

    assert f'href="/admin/emails/{invitation_id}"' in page
    assert "imogen@example.org" in page


@pytest.mark.parametrize("path", ["/admin/emails/{id}", "/admin/emails/{big}"])
def test_an_unknown_or_huge_id_is_not_found(any_app, client, owner, path):
    log_in(any_app, client, owner.id)

    assert client.get(path.format(id=owner.notice_id + 100, big=10**30)).status_code == 404


@pytest.mark.parametrize(("method", "path"), [("GET", "/admin/emails/"), ("GET", "/admin/emails/{id}"), ("POST", "/admin/emails/{id}/send-again")])
def test_a_visitor_is_sent_to_log_in(any_app, client, owner, method, path):
    response = client.open(path.format(id=owner.notice_id), method=method)

    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]
    assert message(any_app, owner.notice_id).status is OutboxStatus.failed
    assert sealed_reads(any_app) == []


def test_an_empty_outbox_says_what_will_appear(any_app, client):
    with any_app.app_context():
        log_in_as(client, make_stillwater())

    assert "No emails yet" in client.get("/admin/emails/").data.decode()


def test_a_message_whose_content_was_dropped_says_so_and_cannot_be_sent_again(any_app, client, owner):
    with any_app.app_context():
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.failed))
        message_id = message.id
        message.recipient, message.body_text, message.body_html = "", "", ""
        message.content_dropped_at = datetime.now(timezone.utc)
        db.session.commit()
    log_in(any_app, client, owner.id)

    page = client.get(f"/admin/emails/{message_id}").get_data(as_text=True)
    again = client.post(f"/admin/emails/{message_id}/send-again")

    assert "were removed" in page and "Send again" not in page
    assert again.status_code == 303
    with any_app.app_context():
        assert db.session.get(OutboxMessage, message_id).status is OutboxStatus.failed
