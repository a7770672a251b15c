"""A logged-in practitioner for the services pages, with ids kept outside the app context."""
from types import SimpleNamespace

import pytest

from tests.factories import make_practitioner


@pytest.fixture
def logged_in(app, auth):
    with app.app_context():
        created = make_practitioner()
        practitioner = SimpleNamespace(id=created.id, email=created.email, slug=created.slug, practice_slug=created.practice.slug)
    auth.login(practitioner.email)
    return practitioner
