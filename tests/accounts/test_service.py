"""Account operations called directly, as the CLI would."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from practice.accounts import service
from practice.accounts.models import Practice, Role
from practice.extensions import db
from practice.security.audit import VISITOR
from practice.security.models import AuditAction, AuditEvent
from tests.factories import PASSWORD, make_practitioner

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
ROWAN = service.PersonProfile(name="Rowan Hale", profession="Massage therapist")
STILLWATER = service.NewPractice(name="Stillwater", slug="stillwater", timezone="Europe/London")


def create(**overrides):
    values = dict(email="rowan@example.org", password="long enough!", person=ROWAN, practice=STILLWATER, actor=VISITOR, now=NOW)
    values.update(overrides)
    return service.create_practice(**values)


def test_creating_a_practice_makes_its_first_practitioner_the_owner(app):
    with app.app_context():
        created = create()

        assert created.password_hash.startswith("scrypt:")
        assert created.created_at == NOW
        assert created.is_owner and created.membership.role is Role.owner
        assert (created.practice.name, created.practice.slug, created.practice.timezone) == ("Stillwater", "stillwater", "Europe/London")
        assert created.slug == "rowan-hale"
        assert created.profession == "Massage therapist"


def test_creating_a_practice_is_in_the_audit_trail(app):
    with app.app_context():
        created = create()

        event = db.session.scalar(select(AuditEvent))
        assert (event.action, event.actor_id, event.practice_id) == (AuditAction.practice_created, created.id, created.practice_id)


def test_creating_a_practice_names_every_field_in_the_way(app):
    with app.app_context():
        taken = make_practitioner()
        practice = service.NewPractice(name="", slug=taken.practice.slug, timezone="Nowhere/Special")

        with pytest.raises(service.AccountError) as refused:
            create(email=taken.email, password="short", practice=practice)

        assert set(refused.value.field_errors) >= {"password", "practice_name", "timezone"}
        with pytest.raises(service.AccountError) as refused:
            create(email=taken.email, practice=service.NewPractice(name="S", slug=taken.practice.slug, timezone="Europe/London"))
        assert set(refused.value.field_errors) == {"email", "practice_slug"}


def test_a_practitioner_slug_is_made_unique(app):
    with app.app_context():
        make_practitioner(slug="rowan-hale")

        assert create().slug == "rowan-hale-2"


def test_signup_is_open_only_until_the_first_practice_unless_allowed(app):
    with app.app_context():
        assert service.signup_open(allow_signup=False)
        create()
        assert not service.signup_open(allow_signup=False)
        assert service.signup_open(allow_signup=True)


def test_authenticate_finds_the_practitioner_with_the_right_password(app):
    with app.app_context():
        practitioner = make_practitioner()

        assert service.authenticate(practitioner.email, PASSWORD, ip_address="192.0.2.7", now=NOW).id == practitioner.id
        event = db.session.scalar(select(AuditEvent))
        assert (event.action, event.actor_id, event.ip_address) == (AuditAction.signed_in, practitioner.id, "192.0.2.7")


@pytest.mark.parametrize("email, password", [("practitioner@example.org", "wrong"), ("nobody@example.org", PASSWORD)])
def test_authenticate_returns_none_for_wrong_credentials_and_records_the_failure(app, email, password):
    with app.app_context():
        make_practitioner(email="practitioner@example.org")

        assert service.authenticate(email, password, ip_address="192.0.2.7", now=NOW) is None
        event = db.session.scalar(select(AuditEvent))
        assert event.action is AuditAction.sign_in_failed
        # The address typed is never kept: people type passwords into the wrong box.
        assert "nobody" not in event.detail


def test_signing_out_ends_every_session_of_the_account(app):
    with app.app_context():
        practitioner = make_practitioner()
        before = practitioner.get_id()

        service.sign_out(practitioner.id, actor=VISITOR, now=NOW)

        assert practitioner.get_id() != before


def test_a_practice_has_calm_defaults(app):
    with app.app_context():
        practice = create().practice
        db.session.expire_all()
        practice = db.session.get(Practice, practice.id)

        assert (practice.reminder_hours, practice.cancellation_window_hours, practice.discreet_emails) == (24, 24, True)
        assert (practice.accent_colour, practice.currency, practice.retention_years) == ("#2f6b5a", "GBP", 7)
        assert "emergency" in practice.crisis_text


def test_a_second_first_practice_is_refused_under_the_lock(app):
    with app.app_context():
        create()

        with pytest.raises(service.SignupClosed):
            create(email="late@example.org", practice=service.NewPractice("Late", "late", "Europe/London"), allow_signup=False)

        assert db.session.scalar(select(func.count(Practice.id))) == 1
