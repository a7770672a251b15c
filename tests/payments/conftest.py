"""A practice taking payments through the Stripe test server (see tests/conftest.py for the server itself)."""
import pytest

from practice.payments.service import HANDLED_EVENTS
from tests.live_server import serving
from tests.payments.support import Paying

WEBHOOK_SECRET = "whsec_tend_test_secret"


@pytest.fixture
def paying(make_app, stripe_server, request):
    """An app taking payments through the Stripe test server, served over HTTP so webhooks reach it.

    On SQLite unless a test asks for PostgreSQL with `@pytest.mark.parametrize("paying", [...], indirect=True)`.
    """
    app = make_app(
        backend=getattr(request, "param", "sqlite"),
        STRIPE_SECRET_KEY=stripe_server.api_key,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=stripe_server.url,
        STRIPE_CHECKOUT_ORIGIN=stripe_server.url,
    )
    with serving(app) as base_url:
        stripe_server.register_webhook(f"{base_url}/stripe/webhook", WEBHOOK_SECRET, sorted(HANDLED_EVENTS))
        yield Paying(app=app, base_url=base_url, stripe=stripe_server, webhook_secret=WEBHOOK_SECRET)
