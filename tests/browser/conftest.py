"""Browser fixtures: the demo practice served on a loopback port, opened in phone-sized pages."""
import pytest
from sqlalchemy import select

from practice.accounts.models import Practitioner
from practice.catalog.models import Service
from practice.extensions import db
from tests.chromium import PHONE
from tests.live_server import serving


@pytest.fixture
def demo_app(make_app):
    """A fresh SQLite app holding the demo practice."""
    # No SERVER_NAME, so redirects and manage links carry the live server's host and port.
    app = make_app(SERVER_NAME=None)
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return app


@pytest.fixture
def base_url(demo_app):
    with serving(demo_app) as url:
        yield url


@pytest.fixture
def open_page(browser, base_url):
    """open_page(timezone_id="Europe/London", **context_options): a phone-sized page on the served app."""
    contexts = []

    def open_(timezone_id: str = "Europe/London", **options):
        context = browser.new_context(
            base_url=base_url, viewport=PHONE, timezone_id=timezone_id, locale="en-GB", **options
        )
        # Local pages answer in milliseconds; fail fast rather than wait half a minute.
        context.set_default_timeout(5_000)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def service_path(demo_app):
    """service_path("Couples session") → "/book/imogen-reyes/4": where a demo service is booked."""

    def path(name: str) -> str:
        with demo_app.app_context():
            slug, service_id = db.session.execute(
                select(Practitioner.slug, Service.id).join(Service.practitioner).where(Service.name == name)
            ).one()
        return f"/book/{slug}/{service_id}"

    return path
