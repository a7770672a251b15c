"""Browser fixtures: the demo practice served on a loopback port, opened in phone-sized pages."""
import re
import shutil
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.engine import make_url

from practice.accounts import invitations
from practice.accounts.models import Practitioner
from practice.booking.service import manage_token
from practice.catalog.models import Service
from practice.demo import DEMO_PASSWORD, ZONE
from practice.extensions import db
from practice.security.audit import Actor
from tests.chromium import PHONE
from tests.factories import make_booking
from tests.factories import service_path as path_of
from tests.live_server import serving

#: The demo practice's owner.
ROWAN = "rowan@stillwater.example"


@pytest.fixture
def demo_app(make_demo_app):
    """A SQLite app of this test's own holding the demo practice."""
    return make_demo_app()


@pytest.fixture(scope="session")
def demo_seed(tmp_path_factory) -> Path:
    """Where the session's first make_demo_app() keeps the seeded demo database for the others to copy."""
    return tmp_path_factory.mktemp("demo-seed") / "tend.sqlite3"


@pytest.fixture
def make_demo_app(make_app, demo_seed):
    """make_demo_app(**config): as demo_app, with `config`, on a copy of the demo seeded once per session.

    Seeding hashes the demo passwords and books a few sessions: most of a second, where copying
    the file takes milliseconds. The demo's own bookings are then as old as the session, which
    suits every test that books times of its own days ahead.
    """

    def database_of(app) -> Path:
        # No connection may be open while the file is copied: closing the last one also folds
        # SQLite's write-ahead log into the file.
        with app.app_context():
            db.engine.dispose()
        return Path(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)

    def build(**config):
        if not demo_seed.exists():
            # Whatever `config` says: a test's mail server never sees the demo's emails. No SERVER_NAME,
            # so redirects and manage links carry the live server's host and port.
            seeding = make_app(SERVER_NAME=None)
            result = seeding.test_cli_runner().invoke(args=["seed-demo"])
            assert result.exit_code == 0, result.output
            shutil.copy(database_of(seeding), demo_seed)
        app = make_app(SERVER_NAME=None, **config)
        shutil.copy(demo_seed, database_of(app))
        return app

    return build


@pytest.fixture
def base_url(demo_app):
    with serving(demo_app) as url:
        yield url


@pytest.fixture
def open_page_in(browser, base_url):
    """open_page_in(locale, timezone_id="Europe/London", **context_options): open_page for a browser set to
    `locale` ("es-ES", "en-US"), which it sends as Accept-Language and formats its own dates in."""
    contexts = []

    def open_(locale: str, timezone_id: str = "Europe/London", **options):
        context = browser.new_context(
            base_url=base_url, viewport=PHONE, timezone_id=timezone_id, locale=locale, **options
        )
        context.set_default_timeout(5_000)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def open_page(open_page_in):
    """open_page(timezone_id="Europe/London", **context_options): a phone-sized page on the served app, in en-GB."""
    return lambda timezone_id="Europe/London", **options: open_page_in("en-GB", timezone_id, **options)


@pytest.fixture
def service_path(demo_app):
    """service_path("Couples session") → "/book/stillwater/imogen-reyes/4": where a demo service is booked."""

    def path(name: str) -> str:
        with demo_app.app_context():
            return path_of(db.session.scalars(select(Service).where(Service.name == name)).one())

    return path


@pytest.fixture
def demo_booking(demo_app):
    """demo_booking(service_name, days_ahead=5) → SimpleNamespace(id, manage): Jo Rivers's booking of a demo service
    at 11:00 London, entered as the practice would (a day ago, no email), and the path its manage link opens."""

    def book(service_name: str, days_ahead: int = 5) -> SimpleNamespace:
        with demo_app.app_context():
            service = db.session.scalars(select(Service).where(Service.name == service_name)).one()
            day = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=days_ahead)
            starts_at = datetime.combine(day, time(11), ZoneInfo(ZONE)).astimezone(timezone.utc)
            booking = make_booking(service, starts_at, client_name="Jo Rivers", client_email="jo@example.org")
            return SimpleNamespace(id=booking.id, manage=f"/manage/{manage_token(booking, demo_app.config['SECRET_KEY'])}")

    return book


@pytest.fixture
def invitation_path(demo_app):
    """invitation_path(email) → "/join/<token>": Rowan invites `email` to the demo practice, as from the Team page."""

    def path(email: str) -> str:
        with demo_app.app_context():
            rowan = db.session.scalars(select(Practitioner).where(Practitioner.email == ROWAN)).one()
            secret_key = demo_app.config["SECRET_KEY"]
            invitation = invitations.invite(
                rowan.practice_id, email, actor=Actor(rowan.id, rowan.practice_id, is_owner=True),
                secret_key=secret_key, now=datetime.now(timezone.utc),
            )
            return f"/join/{invitations.invitation_token(invitation, secret_key)}"

    return path


@pytest.fixture
def log_in():
    """log_in(page, email=ROWAN): a demo practitioner logs in through the login page, found by its labels."""

    def log_in_(page: Page, email: str = ROWAN) -> None:
        page.goto("/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(re.compile(r"/admin/$"))

    return log_in_
