"""The audit trail: sign-ins, reads of private details and setting changes are recorded; nothing can change or remove an entry."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from practice.extensions import db
from practice.security import audit
from practice.security.audit import Actor
from practice.security.models import AuditAction, AuditEvent
from tests.factories import PASSWORD, log_in_as, make_practitioner

NOW = datetime(2026, 11, 27, 12, tzinfo=timezone.utc)


@pytest.fixture
def recorded(any_app):
    with any_app.app_context():
        owner = make_practitioner()
        audit.record_now(AuditAction.signed_in, actor=Actor(owner.id, owner.practice_id, True, "192.0.2.1"), now=NOW)
        return db.session.scalar(select(AuditEvent.id))


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_event SET detail = 'rewritten'", "DELETE FROM audit_event"],
    ids=["update", "delete"],
)
def test_the_database_refuses_to_change_or_delete_an_entry(any_app, recorded, statement):
    with any_app.app_context():
        with pytest.raises(DatabaseError, match="never changed or deleted"):
            db.session.execute(text(statement))
        db.session.rollback()
        assert db.session.scalar(select(func.count(AuditEvent.id))) == 1


def test_postgresql_refuses_to_empty_the_trail(make_app):
    app = make_app("postgresql")
    with app.app_context():
        owner = make_practitioner()
        audit.record_now(AuditAction.signed_in, actor=Actor(owner.id, owner.practice_id, True), now=NOW)
        with pytest.raises(DatabaseError, match="never changed or deleted"):
            db.session.execute(text("TRUNCATE audit_event"))
        db.session.rollback()


def test_the_owner_reads_the_trail_newest_first(any_app):
    with any_app.app_context():
        owner = make_practitioner(name="Rowan Hale")
        actor = Actor(owner.id, owner.practice_id, True, "192.0.2.1")
        audit.record_now(AuditAction.signed_in, actor=actor, now=NOW)
        audit.record_now(AuditAction.settings_changed, actor=actor, now=NOW, object_type="practice", detail="reminder_hours")
        other = make_practitioner(name="Someone Else")
        audit.record_now(AuditAction.signed_in, actor=Actor(other.id, other.practice_id, True), now=NOW)
        client = any_app.test_client()
        log_in_as(client, owner)

    page = client.get("/admin/audit/").get_data(as_text=True)

    assert page.index("Changed practice settings") < page.index("Logged in")
    assert "reminder_hours" in page and "192.0.2.1" in page and "Rowan Hale" in page
    assert "Someone Else" not in page


def test_logging_in_and_a_failed_attempt_are_recorded_with_the_address(any_app):
    with any_app.app_context():
        email = make_practitioner().email
    client = any_app.test_client()

    client.post("/login", data={"email": email, "password": "wrong password"}, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    client.post("/login", data={"email": email, "password": PASSWORD}, environ_base={"REMOTE_ADDR": "198.51.100.7"})

    with any_app.app_context():
        events = db.session.execute(select(AuditEvent.action, AuditEvent.ip_address).order_by(AuditEvent.id)).all()
    assert events == [(AuditAction.sign_in_failed, "198.51.100.7"), (AuditAction.signed_in, "198.51.100.7")]
