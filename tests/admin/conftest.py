"""A logged-in practice owner for the admin panel's view tests, on SQLite and on PostgreSQL."""
from types import SimpleNamespace

import pytest

from tests.factories import log_in_as, make_practitioner


@pytest.fixture
def client(any_app):
    """A test client of the app on either database: what the admin pages show must not depend on it."""
    return any_app.test_client()


@pytest.fixture
def logged_in(any_app, client):
    """The owner of a practice in Pacific/Kiritimati (UTC+14), where local days split from UTC ones; logged in."""
    with any_app.app_context():
        created = make_practitioner(timezone="Pacific/Kiritimati", name="Rowan Hale")
        log_in_as(client, created)
        return SimpleNamespace(
            id=created.id, email=created.email, practice_id=created.practice_id, timezone=created.practice.timezone,
        )
