"""A practitioner for account tests, with ids kept outside the app context."""
from types import SimpleNamespace

import pytest

from tests.factories import make_practitioner


@pytest.fixture
def practitioner(app):
    with app.app_context():
        created = make_practitioner()
        return SimpleNamespace(id=created.id, email=created.email, slug=created.slug)


@pytest.fixture
def logged_in(auth, practitioner):
    auth.login(practitioner.email)
    return practitioner
