"""Browser fixtures: the demo practice served on a loopback port, opened in phone-sized pages."""
import re
from datetime import datetime, timezone

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from practice.accounts import invitations
from practice.accounts.models import Practitioner
from practice.catalog.models import Service
from practice.demo import DEMO_PASSWORD
from practice.extensions import db
from practice.security.audit import Actor
from tests.chromium import PHONE
from tests.factories import service_path as path_of
from tests.live_server import serving

#: The demo practice's owner.
ROWAN = "rowan@stillwater.example"


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
    """service_path("Couples session") → "/book/stillwater/imogen-reyes/4": where a demo service is booked."""

    def path(name: str) -> str:
        with demo_app.app_context():
            return path_of(db.session.scalars(select(Service).where(Service.name == name)).one())

    return path


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
