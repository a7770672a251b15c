"""Sealed fields: encrypted at rest under PRACTICE_DATA_KEYS, read back in the app, re-encrypted by rotate-data-key."""
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text

from practice import create_app
from practice.booking.models import Booking
from practice.clients.models import Client
from practice.extensions import db
from practice.notifications.models import OutboxMessage
from practice.security.models import AuditAction, AuditEvent
from practice.security.sealing import DataKeyError, parse_keys
from tests.conftest import BASE_TEST_CONFIG
from tests.factories import make_booking, make_outbox_message, make_practitioner, make_service

NOTE = "We lost our daughter at 20 weeks."
PHONE = "07700 900123"
OLD_KEY = BASE_TEST_CONFIG["PRACTICE_DATA_KEYS"]


def _booking_with_secrets(app) -> int:
    with app.app_context():
        practitioner = make_practitioner()
        booking = make_booking(
            make_service(practitioner), datetime.now(timezone.utc) + timedelta(days=3), client_phone=PHONE, client_note=NOTE
        )
        make_outbox_message(practitioner, booking_id=booking.id, body_text=f"Call {PHONE}")
        return booking.id


def _raw(app, sql: str) -> list[str]:
    with app.app_context():
        return [value for value in db.session.execute(text(sql)).scalars()]


def test_the_note_and_phone_are_stored_as_tokens_and_read_back_as_text(any_app):
    booking_id = _booking_with_secrets(any_app)

    assert all(value.startswith("gAAAA") for value in _raw(any_app, "SELECT client_note FROM booking"))
    assert all(value.startswith("gAAAA") for value in _raw(any_app, "SELECT phone FROM client"))
    assert NOTE not in "".join(_raw(any_app, "SELECT client_note FROM booking"))
    with any_app.app_context():
        booking = db.session.get(Booking, booking_id)
        assert (booking.client_note, booking.client.phone) == (NOTE, PHONE)


def test_an_empty_note_stays_empty(app):
    with app.app_context():
        booking = make_booking(make_service(make_practitioner()), datetime.now(timezone.utc) + timedelta(days=1))
        assert booking.client_note == ""

    assert _raw(app, "SELECT client_note FROM booking") == [""]


def test_the_note_is_not_in_the_sqlite_file(app):
    _booking_with_secrets(app)
    with app.app_context():
        path = db.engine.url.database
        db.engine.dispose()

    stored = b"".join(file.read_bytes() for file in Path(path).parent.glob(f"{Path(path).name}*"))
    assert NOTE.encode() not in stored and PHONE.encode() not in stored


def test_the_app_refuses_to_start_without_a_data_key():
    with pytest.raises(RuntimeError, match="PRACTICE_DATA_KEYS"):
        create_app({"SECRET_KEY": "x", "PRACTICE_DATA_KEYS": "", "TESTING": False})


def test_a_malformed_data_key_is_refused():
    with pytest.raises(DataKeyError):
        create_app({**BASE_TEST_CONFIG, "PRACTICE_DATA_KEYS": "not-a-fernet-key"})


def test_keys_are_read_newest_first_from_a_comma_separated_list():
    assert parse_keys(" one , two,, three ") == ["one", "two", "three"]


def _reopened(app, keys: str):
    """The same database, opened by an app that knows only `keys`."""
    return create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "PRACTICE_DATA_KEYS": keys})


def test_a_value_sealed_with_a_key_no_longer_listed_cannot_be_read(app):
    booking_id = _booking_with_secrets(app)

    with _reopened(app, Fernet.generate_key().decode()).app_context(), pytest.raises(DataKeyError):
        db.session.get(Booking, booking_id).client_note


def test_rotate_data_key_with_a_keys_file_reseals_everything_under_a_new_key(make_app, tmp_path):
    keys_file = tmp_path / "data_keys"
    keys_file.write_text(OLD_KEY + "\n")
    app = make_app(DATA_KEYS_FILE=str(keys_file))
    booking_id = _booking_with_secrets(app)

    result = app.test_cli_runner().invoke(args=["rotate-data-key", "--drop-old-keys"])

    assert result.exit_code == 0, result.output
    new_keys = parse_keys(keys_file.read_text())
    assert len(new_keys) == 1 and new_keys[0] != OLD_KEY
    assert keys_file.stat().st_mode & 0o777 == 0o600
    rotated = _reopened(app, new_keys[0])
    with rotated.app_context():
        booking = db.session.get(Booking, booking_id)
        assert (booking.client_note, booking.client.phone) == (NOTE, PHONE)
        assert PHONE in db.session.scalar(select(OutboxMessage.body_text))
        assert db.session.scalar(select(AuditEvent.action)) is AuditAction.data_key_rotated
        db.engine.dispose()
    with _reopened(app, OLD_KEY).app_context(), pytest.raises(DataKeyError):
        db.session.scalar(select(Client.phone).where(Client.phone != ""))


def test_rotate_data_key_from_the_environment_reseals_under_the_first_key(make_app):
    app = make_app()
    booking_id = _booking_with_secrets(app)
    new_key = Fernet.generate_key().decode()
    rotating = _reopened(app, f"{new_key},{OLD_KEY}")

    result = rotating.test_cli_runner().invoke(args=["rotate-data-key"])

    assert result.exit_code == 0, result.output
    assert "first key in PRACTICE_DATA_KEYS" in result.output
    with _reopened(app, new_key).app_context():
        assert db.session.get(Booking, booking_id).client_note == NOTE
        db.engine.dispose()
