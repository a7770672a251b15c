"""Resetting a forgotten password: the same answer for every address, a link that works once, within an hour."""
import re
from datetime import datetime, timedelta, timezone
from html import unescape
from urllib.parse import urlsplit

import pytest
from sqlalchemy import event, func, select

from practice import worker
from practice.accounts import service
from practice.accounts.models import Practitioner
from practice.extensions import db
from practice.notifications import service as notifications
from practice.notifications.models import MessageKind, OutboxMessage, OutboxStatus
from tests.factories import PASSWORD, make_practitioner

NEW_PASSWORD = "a brand new long password"


def reset_emails(app) -> list[OutboxMessage]:
    with app.app_context():
        messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == MessageKind.password_reset)).all()
        db.session.expunge_all()
        return list(messages)


def reset_path(app) -> str:
    (message,) = reset_emails(app)
    return urlsplit(re.search(r"https?://\S+/reset/\S+", message.body_text).group(0)).path


def ask_for_a_reset(client, email: str):
    return client.post("/forgot-password", data={"email": email})


def test_the_login_page_offers_a_reset(client):
    page = client.get("/login").data.decode()

    assert 'href="/forgot-password"' in page
    assert "Forgot your password?" in page


def test_the_reset_form_asks_for_an_email(client):
    response = client.get("/forgot-password")

    assert response.status_code == 200
    assert b'name="email"' in response.data


def test_asking_for_a_known_address_owes_one_reset_email_to_it(app, client, practitioner):
    response = ask_for_a_reset(client, practitioner.email)

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/forgot-password/sent")
    (message,) = reset_emails(app)
    assert message.recipient == practitioner.email
    assert message.status is OutboxStatus.pending
    assert message.practitioner_id == practitioner.id


def test_the_address_is_matched_without_regard_to_case(app, client, practitioner):
    ask_for_a_reset(client, practitioner.email.upper())

    assert len(reset_emails(app)) == 1


def test_an_unknown_address_gets_the_same_answer_and_no_email(app, client, practitioner):
    known = ask_for_a_reset(client, practitioner.email)
    unknown = ask_for_a_reset(client, "nobody@example.org")

    assert (unknown.status_code, unknown.headers["Location"]) == (known.status_code, known.headers["Location"])
    assert len(reset_emails(app)) == 1


def test_the_answer_page_promises_nothing_about_the_address(client):
    page = unescape(client.get("/forgot-password/sent").data.decode())

    assert "If that address has an account, we've sent a link" in page


def test_an_empty_address_is_asked_for_again(client):
    response = client.post("/forgot-password", data={"email": ""})

    assert response.status_code == 422
    assert b"Please give the email address you log in with." in response.data


def test_asking_again_straight_away_sends_no_second_email(app, client, practitioner):
    ask_for_a_reset(client, practitioner.email)
    again = ask_for_a_reset(client, practitioner.email)

    assert again.status_code == 303
    assert len(reset_emails(app)) == 1


def test_asking_again_a_little_later_sends_another(app, practitioner):
    now = datetime.now(timezone.utc)
    with app.app_context():
        service.request_password_reset(practitioner.email, secret_key="test-secret", now=now)
        service.request_password_reset(practitioner.email, secret_key="test-secret", now=now + notifications.RESET_EMAIL_INTERVAL)

    assert len(reset_emails(app)) == 2


def test_the_link_opens_a_new_password_form(app, client, practitioner):
    ask_for_a_reset(client, practitioner.email)

    response = client.get(reset_path(app))

    assert response.status_code == 200
    assert b'name="password"' in response.data and b'name="confirm"' in response.data
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_a_new_password_can_be_set_and_used_to_log_in(app, client, auth, practitioner):
    ask_for_a_reset(client, practitioner.email)

    response = client.post(reset_path(app), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/login")
    assert auth.login(practitioner.email, NEW_PASSWORD).status_code == 303
    auth.logout()
    assert auth.login(practitioner.email, PASSWORD).status_code == 401


def test_the_link_works_only_once(app, client, practitioner):
    ask_for_a_reset(client, practitioner.email)
    path = reset_path(app)
    client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    again = client.post(path, data={"password": "yet another long password", "confirm": "yet another long password"})

    assert again.status_code == 400
    assert b"This link has expired" in again.data
    assert client.get(path).status_code == 400
    with app.app_context():
        assert db.session.get(Practitioner, practitioner.id).check_password(NEW_PASSWORD)


@pytest.mark.parametrize("token", ["not-a-token", "eyJpZCI6MX0.AAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBB", "x" * 500])
def test_a_bad_link_is_refused_calmly(client, practitioner, token):
    response = client.get(f"/reset/{token}")

    assert response.status_code == 400
    assert b"Ask for a new link" in response.data


def test_a_link_signed_with_another_key_is_refused(app, practitioner):
    with app.app_context():
        account = db.session.get(Practitioner, practitioner.id)
        forged = service.password_reset_token(account, "some other secret")

        assert service.practitioner_for_reset_token(forged, "test-secret", now=datetime.now(timezone.utc)) is None


def test_a_link_expires_after_an_hour(app, practitioner):
    now = datetime.now(timezone.utc)
    with app.app_context():
        token = service.password_reset_token(db.session.get(Practitioner, practitioner.id), "test-secret")

        assert service.practitioner_for_reset_token(token, "test-secret", now=now + timedelta(minutes=59)) is not None
        assert service.practitioner_for_reset_token(token, "test-secret", now=now + timedelta(minutes=61)) is None


def test_an_expired_link_cannot_set_a_password(app, practitioner):
    now = datetime.now(timezone.utc)
    with app.app_context():
        token = service.password_reset_token(db.session.get(Practitioner, practitioner.id), "test-secret")

        with pytest.raises(service.InvalidResetLink):
            service.reset_password(token, NEW_PASSWORD, secret_key="test-secret", now=now + timedelta(hours=2))


def test_a_link_stops_working_once_the_password_changes_another_way(app, practitioner):
    with app.app_context():
        account = db.session.get(Practitioner, practitioner.id)
        token = service.password_reset_token(account, "test-secret")
        account.set_password("changed in the meantime")
        db.session.commit()

        assert service.practitioner_for_reset_token(token, "test-secret", now=datetime.now(timezone.utc)) is None


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("too short", "too short", b"at least 10 characters"),
        (NEW_PASSWORD, "something else entirely", b"The two passwords don&#39;t match"),
        ("", "", b"Please choose a new password."),
    ],
    ids=["short", "mismatch", "empty"],
)
def test_a_weak_or_mistyped_password_is_refused_and_the_link_still_works(app, client, practitioner, password, confirm, message):
    ask_for_a_reset(client, practitioner.email)
    path = reset_path(app)

    response = client.post(path, data={"password": password, "confirm": confirm})

    assert response.status_code == 422
    assert message in response.data
    assert client.get(path).status_code == 200


def test_the_reset_email_is_the_only_place_the_token_appears(app, client, practitioner):
    ask_for_a_reset(client, practitioner.email)
    (message,) = reset_emails(app)
    token = reset_path(app).rsplit("/", 1)[1]

    assert token in message.body_text and token in message.body_html
    assert token not in message.subject


def test_reset_requests_are_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()

    statuses = [ask_for_a_reset(client, "nobody@example.org").status_code for _ in range(3)]

    assert statuses == [303, 303, 429]


def test_setting_a_new_password_is_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()

    statuses = [client.post("/reset/not-a-token", data={"password": "x", "confirm": "x"}).status_code for _ in range(3)]

    assert statuses == [400, 400, 429]


def test_the_account_count_is_unchanged_by_any_of_this(app, client, practitioner):
    ask_for_a_reset(client, "nobody@example.org")

    with app.app_context():
        assert db.session.scalar(select(func.count(Practitioner.id))) == 1


def test_a_reset_link_starts_with_base_url_whatever_host_was_asked(make_app):
    app = make_app(SERVER_NAME=None, BASE_URL="https://tend.example")
    with app.app_context():
        email = make_practitioner().email
    client = app.test_client()

    client.post("/forgot-password", data={"email": email}, base_url="http://attacker.example")

    (message,) = reset_emails(app)
    assert "https://tend.example/reset/" in message.body_text
    assert "attacker.example" not in message.body_text + message.body_html


@pytest.fixture
def real_queue(tmp_path):
    """The worker's Huey on a queue file of this test's own, not running tasks at once."""
    worker.huey.immediate = False
    real_storage = worker.huey.storage
    worker.huey.storage = worker.LazySqliteStorage(worker.huey.name, filename=str(tmp_path / "huey.sqlite3"))
    yield worker.huey
    worker.huey.storage.close()
    worker.huey.storage = real_storage


def test_the_request_only_queues_the_work_so_it_takes_as_long_for_any_address(app, client, practitioner, real_queue):
    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    known = ask_for_a_reset(client, practitioner.email)
    unknown = ask_for_a_reset(client, "nobody@example.org")

    assert (known.status_code, known.headers["Location"]) == (unknown.status_code, unknown.headers["Location"])
    assert statements == []
    assert real_queue.pending_count() == 2
    assert reset_emails(app) == []
    with app.app_context():
        for task in real_queue.pending():
            real_queue.execute(task)
    (message,) = reset_emails(app)
    assert message.recipient == practitioner.email


def test_with_the_queue_down_the_link_is_still_owed(app, client, practitioner, monkeypatch):
    def queue_down(email):
        raise ConnectionError("queue unreachable")

    monkeypatch.setattr(worker, "password_reset_requested", queue_down)

    response = ask_for_a_reset(client, practitioner.email)

    assert response.status_code == 303
    (message,) = reset_emails(app)
    assert message.recipient == practitioner.email
