"""Owing emails: rows added in the caller's transaction, reminders at most once, failed ones sent again."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from practice.accounts import invitations
from practice.booking import service as booking_service
from practice.booking.models import Booking, BookingStatus
from practice.extensions import db
from practice.notifications import service
from practice.notifications.models import MessageKind, OutboxMessage, OutboxStatus
from practice.security.audit import Actor
from practice.security.authz import visible_to
from practice.booking.states import ChangedBy
from tests.factories import make_client, make_outbox_message
from tests.notifications.email_samples import NOW, STARTS_AT, make_booked, make_stillwater, move
from tests.notifications.support import ICS


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def count(**filters) -> int:
    query = select(func.count(OutboxMessage.id)).filter_by(**filters)
    return db.session.scalar(query)


def seen_by(practitioner) -> Actor:
    return Actor(practitioner.id, practitioner.practice_id, practitioner.is_owner)


def failed_message(practitioner, **overrides) -> OutboxMessage:
    service.owe_password_reset(practitioner, reset_url="http://localhost/reset/x", now=NOW)
    message = outbox()[-1]
    message.status = OutboxStatus.failed
    message.attempts = 8
    message.last_error = "SMTPServerDisconnected"
    for name, value in overrides.items():
        setattr(message, name, value)
    db.session.commit()
    return message


def test_a_confirmation_owes_the_client_and_the_practitioner_one_email_each(app):
    with app.app_context():
        booking = make_booked()

        service.owe_booking_confirmed(booking, now=NOW)

        client, practitioner = outbox()
        assert (client.kind, client.recipient) == (MessageKind.booking_confirmed, "hannah@example.org")
        assert (practitioner.kind, practitioner.recipient) == (MessageKind.practitioner_new_booking, booking.practitioner.email)


def test_owed_messages_wait_to_be_sent_now(app):
    with app.app_context():
        booking = make_booked()

        service.owe_booking_confirmed(booking, now=NOW)

        for message in outbox():
            assert message.status is OutboxStatus.pending
            assert message.attempts == 0
            assert message.next_attempt_at == message.created_at == NOW
            assert (message.booking_id, message.practitioner_id) == (booking.id, booking.practitioner_id)
            assert message.last_error == "" and message.sent_at is None and message.dedupe_key is None


@pytest.mark.parametrize(
    "owe",
    [
        lambda booking: service.owe_booking_confirmed(booking, now=NOW),
        lambda booking: service.owe_booking_cancelled(booking, now=NOW, by=ChangedBy.client),
        lambda booking: service.owe_booking_rescheduled(booking, previous_start=STARTS_AT, now=NOW, by=ChangedBy.client),
        lambda booking: service.owe_reminder(booking, now=NOW),
        lambda booking: service.owe_password_reset(booking.practitioner, reset_url="http://localhost/r", now=NOW),
        lambda booking: service.owe_invitation(
            booking.practice, invited_by=booking.practitioner, recipient="imogen@example.org",
            invitation_url="http://localhost/join/t", expires_at=NOW + timedelta(days=7), now=NOW,
        ),
    ],
    ids=["confirmed", "cancelled", "rescheduled", "reminder", "password-reset", "invitation"],
)
def test_owing_never_commits_so_a_rolled_back_change_owes_nothing(app, owe):
    with app.app_context():
        booking = make_booked()

        owe(booking)
        assert count() > 0
        db.session.rollback()

        assert count() == 0


def test_owed_messages_are_saved_by_the_callers_commit(app):
    with app.app_context():
        booking = make_booked()
        booking_id = booking.id
        booking.status = BookingStatus.cancelled
        service.owe_booking_cancelled(booking, now=NOW, by=ChangedBy.client)
        db.session.commit()
        db.session.close()

        assert db.session.get(Booking, booking_id).status is BookingStatus.cancelled
        assert count(kind=MessageKind.booking_cancelled) == 1


def test_a_booking_not_yet_flushed_gets_its_ids_before_its_links_are_made(app):
    with app.app_context():
        saved = make_booked()
        later = timedelta(days=2)
        # Built by hand, not with make_booking (which commits): the point is a row the session has not flushed.
        fresh = Booking(
            practice_id=saved.practice_id, practitioner_id=saved.practitioner_id, service_id=saved.service_id,
            client=make_client(saved.practice_id, name="Priya", email="priya@example.org"),
            starts_at=saved.starts_at + later, ends_at=saved.ends_at + later,
            blocked_start=saved.blocked_start + later, blocked_end=saved.blocked_end + later,
            client_timezone="Europe/London",
        )
        db.session.add(fresh)

        service.owe_booking_confirmed(fresh, now=NOW)

        assert fresh.id is not None
        assert all(message.booking_id == fresh.id for message in outbox())
        assert fresh.public_id in outbox()[0].ics


def test_a_reminder_is_owed_once_per_booking_and_start(app):
    with app.app_context():
        booking = make_booked()

        first = service.owe_reminder(booking, now=NOW)
        again_in_the_same_transaction = service.owe_reminder(booking, now=NOW)
        db.session.commit()
        again_after_commit = service.owe_reminder(booking, now=NOW)

        assert (first, again_in_the_same_transaction, again_after_commit) == (True, False, False)
        assert count(kind=MessageKind.booking_reminder) == 1
        assert outbox()[0].dedupe_key == f"reminder:{booking.id}:20260303T1000Z"


def test_a_rescheduled_booking_is_owed_a_reminder_for_its_new_time(app):
    with app.app_context():
        booking = make_booked()
        service.owe_reminder(booking, now=NOW)
        db.session.commit()

        move(booking, timedelta(hours=3))

        assert service.owe_reminder(booking, now=NOW) is True
        assert outbox()[-1].dedupe_key == f"reminder:{booking.id}:20260303T1300Z"


def test_a_cancelled_booking_is_never_reminded(app):
    with app.app_context():
        booking = make_booked(status=BookingStatus.cancelled)

        assert service.owe_reminder(booking, now=NOW) is False
        assert count() == 0


def test_losing_a_reminder_race_keeps_the_rest_of_the_callers_transaction(any_app, monkeypatch):
    with any_app.app_context():
        booking = make_booked()
        make_outbox_message(
            booking.practitioner, kind=MessageKind.booking_reminder, booking_id=booking.id,
            recipient=booking.client.email, dedupe_key=service.reminder_key(booking), next_attempt_at=NOW, created_at=NOW,
        )
        service.owe_password_reset(booking.practitioner, reset_url="http://localhost/r", now=NOW)
        # Another worker added the reminder after this one looked.
        monkeypatch.setattr(service, "_already_owed", lambda key: False)

        owed = service.owe_reminder(booking, now=NOW)
        db.session.commit()

        assert owed is False
        assert count(kind=MessageKind.booking_reminder) == 1
        assert count(kind=MessageKind.password_reset) == 1


def test_cancelling_supersedes_a_reminder_not_yet_sent(app):
    with app.app_context():
        booking = make_booked()
        service.owe_reminder(booking, now=NOW)
        db.session.commit()

        service.owe_booking_cancelled(booking, now=NOW, by=ChangedBy.client)
        db.session.commit()

        assert count(kind=MessageKind.booking_reminder, status=OutboxStatus.superseded) == 1
        assert count(kind=MessageKind.booking_reminder, status=OutboxStatus.pending) == 0


def test_cancelling_keeps_the_record_of_a_reminder_already_sent(app):
    with app.app_context():
        booking = make_booked()
        service.owe_reminder(booking, now=NOW)
        outbox()[0].status = OutboxStatus.sent
        db.session.commit()

        service.owe_booking_cancelled(booking, now=NOW, by=ChangedBy.client)

        assert count(kind=MessageKind.booking_reminder) == 1


def test_rescheduling_supersedes_the_reminder_for_the_old_time(app):
    with app.app_context():
        booking = make_booked()
        service.owe_reminder(booking, now=NOW)
        db.session.commit()

        previous_start = move(booking, timedelta(days=1))
        service.owe_booking_rescheduled(booking, previous_start=previous_start, now=NOW, by=ChangedBy.practitioner)
        db.session.commit()

        assert count(kind=MessageKind.booking_reminder, status=OutboxStatus.superseded) == 1
        assert count(kind=MessageKind.booking_reminder, status=OutboxStatus.pending) == 0
        assert service.owe_reminder(booking, now=NOW) is True


def test_a_booking_moved_back_to_its_first_time_is_owed_that_reminder_again(app):
    with app.app_context():
        booking = make_booked()
        service.owe_reminder(booking, now=NOW)
        db.session.commit()

        previous_start = move(booking, timedelta(days=1))
        service.owe_booking_rescheduled(booking, previous_start=previous_start, now=NOW, by=ChangedBy.practitioner)
        previous_start = move(booking, timedelta(days=-1))
        service.owe_booking_rescheduled(booking, previous_start=previous_start, now=NOW, by=ChangedBy.practitioner)
        db.session.commit()

        assert service.owe_reminder(booking, now=NOW) is True


@pytest.mark.parametrize("status", [OutboxStatus.pending, OutboxStatus.failed])
def test_rescheduling_supersedes_a_confirmation_not_yet_sent(app, status):
    with app.app_context():
        booking = make_booked()
        service.owe_booking_confirmed(booking, now=NOW)
        outbox()[0].status = status
        db.session.commit()

        previous_start = move(booking, timedelta(days=1))
        service.owe_booking_rescheduled(booking, previous_start=previous_start, now=NOW, by=ChangedBy.client)
        db.session.commit()

        statuses = {(m.kind, m.status) for m in outbox()}
        assert (MessageKind.booking_confirmed, OutboxStatus.superseded) in statuses
        assert (MessageKind.booking_rescheduled, OutboxStatus.pending) in statuses
        # The practitioner's own notices are not the client's: both still go.
        assert (MessageKind.practitioner_new_booking, OutboxStatus.pending) in statuses


def test_a_sent_confirmation_stays_sent_after_a_reschedule(app):
    with app.app_context():
        booking = make_booked()
        service.owe_booking_confirmed(booking, now=NOW)
        outbox()[0].status = OutboxStatus.sent
        db.session.commit()

        previous_start = move(booking, timedelta(days=1))
        service.owe_booking_rescheduled(booking, previous_start=previous_start, now=NOW, by=ChangedBy.client)

        assert outbox()[0].status is OutboxStatus.sent


def test_a_failed_confirmation_cannot_be_sent_again_after_a_cancel(app):
    with app.app_context():
        booking = make_booked()
        service.owe_booking_confirmed(booking, now=NOW)
        confirmation = outbox()[0]
        confirmation.status, confirmation.attempts = OutboxStatus.failed, 8
        db.session.commit()

        service.owe_booking_cancelled(booking, now=NOW, by=ChangedBy.practitioner)
        db.session.commit()

        assert service.retry_message(confirmation.id, now=NOW) is False
        db.session.refresh(confirmation)
        assert confirmation.status is OutboxStatus.superseded


def test_a_password_reset_goes_to_the_account_address_with_no_booking(app):
    with app.app_context():
        practitioner = make_stillwater(contact_email="public@stillwater.example")

        service.owe_password_reset(practitioner, reset_url="http://localhost/reset/t", now=NOW)

        (message,) = outbox()
        assert (message.kind, message.recipient, message.booking_id) == (MessageKind.password_reset, practitioner.email, None)


def test_an_invitation_owes_the_invited_address_the_join_link_in_its_body_only(app):
    with app.app_context():
        owner = make_stillwater()

        invitations.invite(
            owner.practice_id, "Imogen@Example.org", actor=seen_by(owner), secret_key=app.config["SECRET_KEY"], now=NOW,
        )

        (message,) = outbox()
        assert (message.kind, message.recipient, message.booking_id) == (MessageKind.invitation, "imogen@example.org", None)
        assert (message.practice_id, message.practitioner_id, message.status) == (owner.practice_id, owner.id, OutboxStatus.pending)
        assert "/join/" in message.body_text and "/join/" in message.body_html
        assert "/join/" not in message.subject
        assert "Stillwater Practice" in message.subject


def test_send_again_puts_a_failed_message_back_in_the_queue(app):
    with app.app_context():
        practitioner = make_stillwater()
        message = failed_message(practitioner)
        later = NOW + timedelta(hours=2)

        assert service.retry_message(message.id, now=later) is True

        db.session.refresh(message)
        assert (message.status, message.attempts, message.next_attempt_at, message.last_error) == (OutboxStatus.pending, 0, later, "")


@pytest.mark.parametrize(
    "status", [OutboxStatus.pending, OutboxStatus.sending, OutboxStatus.sent, OutboxStatus.superseded]
)
def test_send_again_leaves_a_message_that_has_not_failed_alone(app, status):
    with app.app_context():
        practitioner = make_stillwater()
        message = failed_message(practitioner, status=status, attempts=1)

        assert service.retry_message(message.id, now=NOW) is False

        db.session.refresh(message)
        assert (message.status, message.attempts) == (status, 1)


def test_messages_for_lists_the_practices_own_newest_first(app):
    with app.app_context():
        booking = make_booked()
        service.owe_booking_confirmed(booking, now=NOW)
        service.owe_password_reset(booking.practitioner, reset_url="http://localhost/r", now=NOW + timedelta(minutes=5))
        service.owe_password_reset(make_stillwater(), reset_url="http://localhost/r", now=NOW)
        db.session.commit()

        messages, more = service.messages_for(visible_to(seen_by(booking.practitioner), OutboxMessage))

        assert [m.kind for m in messages] == [
            MessageKind.password_reset, MessageKind.practitioner_new_booking, MessageKind.booking_confirmed,
        ]
        assert more is False


def test_messages_for_pages_through_a_long_outbox(app, monkeypatch):
    monkeypatch.setattr(service, "PAGE_SIZE", 2)
    with app.app_context():
        practitioner = make_stillwater()
        for minutes in range(5):
            service.owe_password_reset(practitioner, reset_url="http://localhost/r", now=NOW + timedelta(minutes=minutes))
        db.session.commit()

        visible = visible_to(seen_by(practitioner), OutboxMessage)
        pages = [service.messages_for(visible, page=page) for page in (1, 2, 3)]

        assert [(len(messages), more) for messages, more in pages] == [(2, True), (2, True), (1, False)]
        assert pages[0][0][0].created_at == NOW + timedelta(minutes=4)


def test_the_manage_link_is_one_the_booking_pages_can_read(app):
    with app.app_context():
        booking = make_booked()

        token = service.manage_url_for(booking).rsplit("/", 1)[1]

        assert token == booking_service.manage_token(booking, app.config["SECRET_KEY"])
        assert booking_service.booking_for_manage_token(token, app.config["SECRET_KEY"]) is booking


def test_links_made_outside_a_request_start_with_base_url(make_app):
    app = make_app(SERVER_NAME=None, BASE_URL="https://tend.example/care")
    with app.app_context():
        booking = make_booked()

        assert service.manage_url_for(booking).startswith("https://tend.example/care/manage/")
        assert service.admin_url_for(booking) == f"https://tend.example/care/admin/bookings/{booking.id}"


def test_links_made_in_a_request_ignore_the_host_it_was_sent_to(make_app):
    app = make_app(SERVER_NAME=None, BASE_URL="https://tend.example")
    with app.app_context():
        booking = make_booked()
        with app.test_request_context("/", base_url="http://attacker.example"):
            url = service.manage_url_for(booking)

        assert url.startswith("https://tend.example/manage/")


@pytest.mark.parametrize("owe", [service.owe_booking_cancelled, service.owe_booking_rescheduled])
def test_a_change_by_anyone_but_the_client_or_practitioner_is_a_programming_error(app, owe):
    with app.app_context():
        booking = make_booked()

        with pytest.raises(ValueError):
            owe(booking, now=NOW, by=ChangedBy.expiry, **({"previous_start": STARTS_AT} if owe is service.owe_booking_rescheduled else {}))

        assert count() == 0


#: Written (and sent or given up) just over a fortnight before NOW.
DONE_WITH_A_FORTNIGHT_AGO = NOW - service.SENT_CONTENT_KEPT - timedelta(minutes=1)


def written_at(practitioner, created_at, *, status: OutboxStatus) -> int:
    """A client's confirmation with every content column filled, written at `created_at`."""
    return make_outbox_message(
        practitioner, status=status, created_at=created_at, next_attempt_at=created_at,
        recipient="hannah@example.org", subject="Your appointment with Stillwater Practice", ics=ICS,
    ).id


def content_of(message_id: int) -> tuple:
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message_id)
    return message.recipient, message.subject, message.body_text, message.body_html, message.ics, message.content_dropped_at


@pytest.mark.parametrize("status", [OutboxStatus.sent, OutboxStatus.superseded, OutboxStatus.failed])
def test_a_message_done_with_a_fortnight_ago_loses_its_content_but_keeps_its_row(app, status):
    with app.app_context():
        message_id = written_at(make_stillwater(), DONE_WITH_A_FORTNIGHT_AGO, status=status)

        dropped = service.drop_sent_content(now=NOW)

        assert dropped == 1
        assert content_of(message_id) == ("", "", "", "", None, NOW)
        assert db.session.get(OutboxMessage, message_id).status is status


@pytest.mark.parametrize("status", [OutboxStatus.pending, OutboxStatus.sending])
def test_a_message_still_to_be_sent_keeps_its_content_however_old(app, status):
    with app.app_context():
        message_id = written_at(make_stillwater(), DONE_WITH_A_FORTNIGHT_AGO, status=status)

        dropped = service.drop_sent_content(now=NOW)

        assert dropped == 0
        assert content_of(message_id) == (
            "hannah@example.org", "Your appointment with Stillwater Practice", "See you soon.", "<p>See you soon.</p>", ICS, None,
        )


def test_a_message_sent_within_the_fortnight_keeps_its_content(app):
    with app.app_context():
        recent = written_at(make_stillwater(), NOW - service.SENT_CONTENT_KEPT + timedelta(minutes=1), status=OutboxStatus.sent)

        dropped = service.drop_sent_content(now=NOW)

        assert dropped == 0
        assert content_of(recent)[0] == "hannah@example.org"
        assert content_of(recent)[-1] is None


def test_content_is_dropped_once_and_the_first_drop_time_stays(app):
    with app.app_context():
        message_id = written_at(make_stillwater(), DONE_WITH_A_FORTNIGHT_AGO, status=OutboxStatus.sent)
        service.drop_sent_content(now=NOW)

        again = service.drop_sent_content(now=NOW + timedelta(hours=1))

        assert again == 0
        assert content_of(message_id)[-1] == NOW
