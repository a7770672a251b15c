"""A practitioner for account tests (the owner of a practice of their own), with ids kept outside the app context."""
from types import SimpleNamespace

import pytest

from tests.factories import make_practitioner


@pytest.fixture
def practitioner(app):
    with app.app_context():
        created = make_practitioner()
        return SimpleNamespace(
            id=created.id, email=created.email, slug=created.slug, practice_id=created.practice_id,
            practice_slug=created.practice.slug,
        )


@pytest.fixture
def logged_in(auth, practitioner):
    auth.login(practitioner.email)
    return practitioner
