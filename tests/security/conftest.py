"""A published service with free times, and its practitioner logged in, for the security tests."""
import pytest

from tests.security.samples import make_offer


@pytest.fixture
def offer(app):
    return make_offer(app)


@pytest.fixture
def logged_in(auth, offer):
    auth.login(offer.email)
    return offer
