"""The outbox row at rest: who a message goes to and what it says are sealed, and read back as written."""
from sqlalchemy import select, text

from practice.extensions import db
from practice.notifications import service
from practice.notifications.models import MessageKind, OutboxMessage
from tests.notifications.email_samples import NOW, make_booked

#: How every Fernet token begins once base64-encoded: its version byte and the start of its timestamp.
FERNET_TOKEN_START = "gAAAA"


def stored_as(message_id: int) -> dict:
    """The outbox row as the database holds it, read past the ORM."""
    row = db.session.execute(
        text("SELECT recipient, subject, body_text, body_html, ics FROM outbox_message WHERE id = :id"), {"id": message_id}
    ).mappings().one()
    return dict(row)


def owed_confirmation() -> OutboxMessage:
    booking = make_booked()
    service.owe_booking_confirmed(booking, now=NOW)
    db.session.commit()
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == MessageKind.booking_confirmed)).one()


def test_an_outbox_rows_recipient_and_content_are_stored_sealed(any_app):
    with any_app.app_context():
        message = owed_confirmation()

        stored = stored_as(message.id)

        for column, value in stored.items():
            assert value.startswith(FERNET_TOKEN_START), column
        assert "hannah@example.org" not in stored["recipient"]
        assert "Hannah" not in stored["body_text"] and "Hannah" not in stored["body_html"]
        assert "Stillwater" not in stored["subject"]
        assert "BEGIN:VCALENDAR" not in stored["ics"]


def test_the_orm_reads_a_sealed_row_back_as_it_was_written(any_app):
    with any_app.app_context():
        booking = make_booked()
        service.owe_booking_confirmed(booking, now=NOW)
        # Before the commit: the session's own object, holding what the code wrote.
        written = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == MessageKind.booking_confirmed)).one()
        as_written = (written.recipient, written.subject, written.body_text, written.body_html, written.ics)
        db.session.commit()
        message_id = written.id
        db.session.expunge_all()

        message = db.session.get(OutboxMessage, message_id)

        assert (message.recipient, message.subject, message.body_text, message.body_html, message.ics) == as_written
        assert message.recipient == "hannah@example.org"
        assert message.body_text.startswith("Hello Hannah,")
        assert message.ics.startswith("BEGIN:VCALENDAR")
