"""Fixtures: an app whose schema comes from the migrations, on SQLite and on PostgreSQL."""
import os
import shutil

import pytest
from flask_migrate import upgrade
from playwright.sync_api import sync_playwright
from sqlalchemy import text

from practice import create_app, worker
from practice.extensions import db, limiter
from tests.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.factories import PASSWORD
from tests.notifications.support import SmtpServer
from tests.postgres_server import PostgresUnavailable, throwaway_postgres

BASE_TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "SERVER_NAME": "localhost",
    # A fixed test key, so a database migrated once can be copied into every test's app.
    "PRACTICE_DATA_KEYS": "Xz80qyBg76ACGCUBJ3uEJnVQ__YbsJvCDlyjGYbbo-M=",
    # Never the project's own instance/data_keys: a test of key rotation names a file of its own.
    "DATA_KEYS_FILE": "",
    # Stripe's client retries an unreachable server with backoff; a test of that needs one try.
    "STRIPE_MAX_NETWORK_RETRIES": 0,
}


def _migrated_app(database_url: str, **config):
    app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **config})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return app


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A SQLite file migrated once from empty; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "tend.sqlite3"
    _migrated_app(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url():
    """TEST_POSTGRES_URL, or a throwaway server for the session, or a skip with the reason."""
    if os.environ.get("TEST_POSTGRES_URL"):
        yield os.environ["TEST_POSTGRES_URL"]
        return
    try:
        with throwaway_postgres() as url:
            yield url
    except PostgresUnavailable as reason:
        pytest.skip(f"PostgreSQL unavailable: {reason}")


@pytest.fixture(scope="session")
def postgres_migrated(postgres_url):
    _migrated_app(postgres_url)
    return postgres_url


def _sqlite_url(tmp_path, sqlite_template) -> str:
    path = tmp_path / "tend.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def _empty_postgres(url: str) -> str:
    app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        tables = ", ".join(t.name for t in db.metadata.sorted_tables)
        # Replica mode skips triggers, the audit trail's refusal to be emptied among them: only
        # the test harness ever empties it.
        db.session.execute(text("SET session_replication_role = replica"))
        db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.execute(text("SET session_replication_role = DEFAULT"))
        db.session.commit()
        db.engine.dispose()
    return url


@pytest.fixture
def make_app(tmp_path, sqlite_template, request):
    """Build an app on a fresh database: make_app(backend="sqlite"|"postgresql", **config)."""
    apps = []

    def build(backend: str = "sqlite", **config):
        if backend == "postgresql":
            url = _empty_postgres(request.getfixturevalue("postgres_migrated"))
        else:
            url = _sqlite_url(tmp_path, sqlite_template)
        app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, **config})
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.engine.dispose()
    # The limiter has no storage to reset unless some app switched rate limiting on.
    if any(app.config["RATELIMIT_ENABLED"] for app in apps):
        limiter.reset()


@pytest.fixture(autouse=True)
def tasks_run_at_once():
    """Huey tasks queued by a request (a password reset) run at once, in the test's own app.

    The queue tests in tests/notifications use a real queue file of their own instead.
    """
    worker.huey.immediate = True
    yield worker.huey
    worker.huey.immediate = False


@pytest.fixture
def smtp_server():
    """aiosmtpd on a free loopback port, collecting what arrives (`.received`)."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(make_app, smtp_server, tmp_path):
    """An app on SQLite that sends to the test SMTP server."""
    return make_app(**smtp_server.config(), MAIL_FILE_DIR=str(tmp_path / "mail"))


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_app(make_app, request):
    """The same test on SQLite and on PostgreSQL."""
    return make_app(request.param)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str = PASSWORD):
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session; Playwright's sync API allows one per thread."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip("Chromium not installed at /usr/bin/chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def _stripe_server_process():
    """One Stripe test server (localstripe + Checkout Sessions) for the session, started lazily."""
    try:
        from tests.payments.stripe_server import StripeServer
    except ImportError as exc:
        pytest.skip(f"localstripe is not importable: {exc}")
    server = StripeServer().start()
    yield server
    server.stop()


@pytest.fixture
def stripe_server(_stripe_server_process):
    """The session's Stripe test server, emptied: no data, sessions, idempotency keys or webhooks."""
    _stripe_server_process.reset()
    return _stripe_server_process
