"""Client rights: what a practice holds about a client, asking for erasure, and erasing all of it at once."""
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import func, inspect, select

from practice.accounts.models import Practitioner, Role
from practice.booking.models import Booking
from practice.booking.states import BookingStatus
from practice.catalog.models import Service
from practice.clients.models import Client
from practice.extensions import db
from practice.intake import service as intake
from practice.intake.models import ErasureOutcome, ErasureRequest, IntakeResponse
from practice.notifications.models import MessageKind, OutboxMessage, OutboxStatus
from practice.privacy import service
from practice.security.audit import Actor
from practice.security.models import AuditAction, AuditEvent
from tests.factories import make_booking, make_outbox_message, make_practitioner, make_service

NAME = "Marigold Quince"
PREFERRED = "Goldie"
PRONOUNS = "she/her"
EMAIL = "marigold.quince@example.org"
PHONE = "07700 900456"
NOTE = "PRIVATE-NOTE: our son Wren was born still in May"
#: What the client wrote in the grief form; it must survive nowhere once erased.
ANSWER = "CANARY-ANSWER: we planted a rowan tree for him"
SUBJECT = "Your appointment with Stillwater Practice"
#: Well before the test runs, so erasure has no session to wait for.
BOOKED = (datetime.now(timezone.utc) - timedelta(days=10)).replace(hour=10, minute=0, second=0, microsecond=0)
LATER = BOOKED + timedelta(days=2)
ERASED_VALUES = (NAME, PREFERRED, EMAIL, PHONE, NOTE, ANSWER, "Marigold", "rowan tree")


def make_practice_with_client(app, *, starts_at: datetime = BOOKED) -> SimpleNamespace:
    """A grief counselor whose service asks for the grief form; Marigold booked it, answered a page
    of the form, and was emailed a confirmation. Ids of everything."""
    with app.app_context():
        practitioner = make_practitioner(practice_name="Stillwater Practice", timezone="Europe/London")
        offered = make_service(practitioner, name="Grief counseling")
        form = intake.create_form(practitioner, template="grief", now=starts_at - timedelta(days=5))
        intake.set_services_asking(form, [offered.id])
        booking = make_booking(
            offered, starts_at, client_name=NAME, client_email=EMAIL, client_phone=PHONE,
            preferred_name=PREFERRED, pronouns=PRONOUNS, client_note=NOTE,
        )
        saved = intake.save_page(booking, form.id, 0, {"q-loss_kind": ["own_words"], "q-loss_own_words": [ANSWER]}, now=starts_at - timedelta(days=1))
        assert not saved.errors
        message = make_outbox_message(
            practitioner, booking_id=booking.id, recipient=EMAIL, subject=SUBJECT, body_text=f"Dear {NAME}",
            body_html=f"<p>Dear {NAME}</p>", status=OutboxStatus.sent, sent_at=starts_at - timedelta(days=4),
        )
        return SimpleNamespace(
            practitioner_id=practitioner.id, practice_id=practitioner.practice_id, practitioner_email=practitioner.email,
            service_id=offered.id, form_id=form.id, booking_id=booking.id, client_id=booking.client_id, message_id=message.id,
        )


def practitioner_actor(app, practitioner_id: int) -> Actor:
    with app.app_context():
        practitioner = db.session.get(Practitioner, practitioner_id)
        return Actor(practitioner.id, practitioner.practice_id, practitioner.is_owner)


def ask_for_erasure(app, booked: SimpleNamespace, *, now: datetime = LATER) -> None:
    with app.app_context():
        service.request_erasure(
            db.session.get(Booking, booked.booking_id), actor=Actor(practice_id=booked.practice_id), now=now
        )


def erase(app, booked: SimpleNamespace, *, outcome=ErasureOutcome.confirmed, now: datetime = LATER) -> bool:
    with app.app_context():
        return service.erase_client(
            db.session.get(Client, booked.client_id), outcome=outcome,
            actor=practitioner_actor(app, booked.practitioner_id), now=now,
        )


def every_audit_value(app) -> str:
    """Every column of every audit entry, as one text."""
    with app.app_context():
        columns = [column.key for column in inspect(AuditEvent).columns]
        rows = db.session.scalars(select(AuditEvent)).all()
        return "\n".join(str(getattr(row, column)) for row in rows for column in columns)


def test_held_data_holds_the_clients_fields_bookings_answers_and_emails(app):
    booked = make_practice_with_client(app)

    with app.app_context():
        held = service.as_json(service.held_about(db.session.get(Client, booked.client_id)), now=LATER)

    assert held["client"] | {"created_at": None} == {
        "name": NAME, "preferred_name": PREFERRED, "pronouns": PRONOUNS, "email": EMAIL, "phone": PHONE,
        "contact_preference": "Email only", "created_at": None, "erased_at": None,
    }
    [booking] = held["bookings"]
    assert (booking["service"], booking["status"], booking["note"]) == ("Grief counseling", "Confirmed", NOTE)
    assert booking["starts_at"] == BOOKED.isoformat()
    [response] = held["intake_responses"]
    assert (response["form_version"], response["status"]) == (1, "Started")
    answers = {item["question"]: item["answer"] for section in response["sections"] for item in section["answers"]}
    assert ANSWER in answers.values()
    assert held["emails"] == [
        {"kind": "Booking confirmation", "date": (BOOKED - timedelta(days=4)).isoformat(), "status": "Sent", "subject": SUBJECT}
    ]


def test_held_data_is_only_the_clients_own(app):
    booked = make_practice_with_client(app)
    with app.app_context():
        other = make_booking(db.session.get(Service, booked.service_id), BOOKED + timedelta(hours=2),
                             client_name="Someone Else", client_email="else@example.org", client_note="their own note")

        held = service.held_about(other.client)

    assert [b.id for b in held.bookings] == [other.id]
    assert held.intakes == [] and held.emails == []


def test_an_email_whose_content_was_dropped_shows_no_subject(app):
    booked = make_practice_with_client(app)
    with app.app_context():
        db.session.get(OutboxMessage, booked.message_id).subject = ""
        db.session.get(OutboxMessage, booked.message_id).content_dropped_at = BOOKED
        db.session.commit()

        held = service.as_json(service.held_about(db.session.get(Client, booked.client_id)), now=LATER)

    assert held["emails"][0]["subject"] is None


def test_asking_for_erasure_opens_a_request_and_emails_the_practitioner_nothing_of_the_client(any_app):
    booked = make_practice_with_client(any_app)

    ask_for_erasure(any_app, booked)

    with any_app.app_context():
        request = db.session.scalar(select(ErasureRequest))
        assert (request.client_id, request.practitioner_id, request.booking_id) == (booked.client_id, booked.practitioner_id, booked.booking_id)
        assert request.completed_at is None
        notice = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == MessageKind.erasure_requested))
        assert notice.recipient == booked.practitioner_email
        assert "/admin/erasure-requests/" in notice.body_text and "/admin/erasure-requests/" in notice.body_html
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == AuditAction.erasure_requested))
        assert (event.object_type, event.object_id, event.actor_id) == ("client", booked.client_id, None)
        content = " ".join((notice.subject, notice.body_text, notice.body_html))
    assert "a client" in notice.body_text.lower()
    for value in ERASED_VALUES + ("Grief counseling",):
        assert value not in content


def test_asking_twice_keeps_one_request_and_one_email(any_app):
    booked = make_practice_with_client(any_app)
    ask_for_erasure(any_app, booked)

    with pytest.raises(service.AlreadyRequested):
        ask_for_erasure(any_app, booked, now=LATER + timedelta(minutes=5))

    with any_app.app_context():
        assert db.session.scalar(select(func.count(ErasureRequest.id))) == 1
        assert db.session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == MessageKind.erasure_requested)
        ) == 1


def test_erasure_deletes_answers_and_anonymises_the_client_their_notes_and_their_emails(any_app):
    booked = make_practice_with_client(any_app)
    ask_for_erasure(any_app, booked)

    assert erase(any_app, booked) is True

    with any_app.app_context():
        assert db.session.scalar(select(func.count(IntakeResponse.id))) == 0
        client = db.session.get(Client, booked.client_id)
        assert (client.name, client.preferred_name, client.pronouns, client.phone) == ("Erased client", "", "", "")
        assert client.email == f"erased-{booked.client_id}@erased.invalid"
        assert client.erased_at == LATER
        booking = db.session.get(Booking, booked.booking_id)
        assert booking.client_note == "" and booking.starts_at == BOOKED
        message = db.session.get(OutboxMessage, booked.message_id)
        assert (message.recipient, message.subject, message.body_text, message.body_html, message.ics) == ("", "", "", "", None)
        assert message.content_dropped_at == LATER
        request = db.session.scalar(select(ErasureRequest))
        assert (request.completed_at, request.outcome) == (LATER, ErasureOutcome.confirmed)
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == AuditAction.client_erased))
        assert (event.object_type, event.object_id, event.actor_id) == ("client", booked.client_id, booked.practitioner_id)
        assert event.detail == "confirmed by the practitioner"


def test_the_audit_trail_records_erasure_without_the_erased_values(any_app):
    booked = make_practice_with_client(any_app)
    ask_for_erasure(any_app, booked)
    erase(any_app, booked)

    trail = every_audit_value(any_app)

    assert "client_erased" in trail and "erasure_requested" in trail
    for value in ERASED_VALUES:
        assert value not in trail


def test_emails_not_yet_sent_about_an_erased_client_are_never_sent(app):
    booked = make_practice_with_client(app)
    with app.app_context():
        practitioner = db.session.get(Practitioner, booked.practitioner_id)
        waiting = make_outbox_message(practitioner, booking_id=booked.booking_id, recipient=EMAIL, dedupe_key="reminder:x").id

    erase(app, booked)

    with app.app_context():
        message = db.session.get(OutboxMessage, waiting)
        assert (message.status, message.recipient, message.dedupe_key) == (OutboxStatus.superseded, "", None)


def test_erasure_is_refused_while_a_session_is_still_to_come_and_nothing_changes(any_app):
    booked = make_practice_with_client(any_app, starts_at=LATER + timedelta(days=1))

    with pytest.raises(service.StillBooked) as refused:
        erase(any_app, booked)

    assert "cancel it first" in refused.value.message
    with any_app.app_context():
        assert db.session.get(Client, booked.client_id).name == NAME
        assert db.session.scalar(select(func.count(IntakeResponse.id))) == 1
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == AuditAction.client_erased)) == 0


def test_a_cancelled_session_to_come_does_not_hold_erasure_back(app):
    booked = make_practice_with_client(app, starts_at=LATER + timedelta(days=1))
    with app.app_context():
        db.session.get(Booking, booked.booking_id).status = BookingStatus.cancelled
        db.session.commit()

    assert erase(app, booked) is True


def test_erasing_twice_changes_nothing_the_second_time(app):
    booked = make_practice_with_client(app)
    erase(app, booked)

    assert erase(app, booked, now=LATER + timedelta(days=1)) is False

    with app.app_context():
        assert db.session.get(Client, booked.client_id).erased_at == LATER
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == AuditAction.client_erased)) == 1


def test_an_erased_client_cannot_ask_again(app):
    booked = make_practice_with_client(app)
    erase(app, booked)

    with pytest.raises(service.AlreadyErased):
        ask_for_erasure(app, booked)


def test_a_request_is_confirmed_by_the_owner_too(app):
    booked = make_practice_with_client(app)
    ask_for_erasure(app, booked)
    with app.app_context():
        owner = db.session.get(Practitioner, booked.practitioner_id)
        assert owner.membership.role is Role.owner
        request = db.session.scalar(select(ErasureRequest))

        assert service.confirm_erasure(request, actor=Actor(owner.id, owner.practice_id, True), now=LATER) is True
        assert service.confirm_erasure(db.session.scalar(select(ErasureRequest)), actor=Actor(owner.id, owner.practice_id, True), now=LATER) is False
