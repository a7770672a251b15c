"""Account operations called directly, as the CLI would."""
from datetime import datetime, timezone

import pytest

from practice.accounts import service
from tests.factories import PASSWORD, make_practitioner

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
PROFILE = service.PracticeProfile(name="Rowan", practice_name="Stillwater", slug="stillwater", timezone="Europe/London")


def test_sign_up_hashes_the_password_with_scrypt(app):
    with app.app_context():
        created = service.sign_up(email="rowan@example.org", password="long enough!", profile=PROFILE, now=NOW)

        assert created.password_hash.startswith("scrypt:")
        assert created.created_at == NOW


def test_sign_up_names_every_field_in_the_way(app):
    with app.app_context():
        taken = make_practitioner()
        profile = service.PracticeProfile(name="R", practice_name="S", slug=taken.slug, timezone="Nowhere/Special")

        with pytest.raises(service.AccountError) as refused:
            service.sign_up(email=taken.email, password="short", profile=profile, now=NOW)

        assert set(refused.value.field_errors) == {"email", "password", "slug", "timezone"}


def test_authenticate_finds_the_practitioner_with_the_right_password(app):
    with app.app_context():
        practitioner = make_practitioner()

        assert service.authenticate(practitioner.email, PASSWORD) is practitioner


@pytest.mark.parametrize("email, password", [("practitioner@example.org", "wrong"), ("nobody@example.org", PASSWORD)])
def test_authenticate_returns_none_for_wrong_credentials(app, email, password):
    with app.app_context():
        make_practitioner(email="practitioner@example.org")

        assert service.authenticate(email, password) is None
