"""A logged-in practitioner for the services pages, on SQLite and on PostgreSQL, with ids kept outside the app context."""
from types import SimpleNamespace

import pytest

from tests.factories import log_in_as, make_practitioner


@pytest.fixture
def client(any_app):
    """A test client of the app on either database: the services pages must answer alike on both."""
    return any_app.test_client()


@pytest.fixture
def logged_in(any_app, client):
    with any_app.app_context():
        created = make_practitioner()
        log_in_as(client, created)
        return SimpleNamespace(id=created.id, email=created.email, slug=created.slug, practice_slug=created.practice.slug)
