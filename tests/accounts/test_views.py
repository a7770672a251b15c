"""Sign up, log in, log out and the practice profile, through the pages."""
import pytest
from sqlalchemy import func, select

from practice.accounts.models import Practitioner
from practice.extensions import db
from tests.factories import PASSWORD, make_practitioner

SIGNUP = {
    "name": "Rowan Hale",
    "practice_name": "Stillwater Practice",
    "slug": "rowan-hale",
    "timezone": "Europe/London",
    "email": "rowan@example.org",
    "password": "a long enough password",
}


def practitioner_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Practitioner.id)))


def test_signup_page_offers_every_timezone(client):
    response = client.get("/signup")

    assert response.status_code == 200
    assert b'<option value="Pacific/Auckland">' in response.data


def test_signup_creates_a_practitioner_and_logs_them_in(app, client):
    response = client.post("/signup", data=SIGNUP)

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/")
    assert client.get("/admin/").status_code == 200
    with app.app_context():
        created = db.session.scalar(select(Practitioner).where(Practitioner.slug == "rowan-hale"))
        assert created.email == "rowan@example.org"
        assert created.timezone == "Europe/London"
        assert created.password_hash.startswith("scrypt:")
        assert created.check_password(SIGNUP["password"])


def test_signup_stores_the_email_in_lower_case(app, client):
    client.post("/signup", data={**SIGNUP, "email": "Rowan@Example.ORG"})

    with app.app_context():
        assert db.session.scalar(select(Practitioner.email)) == "rowan@example.org"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("password", "too-short", b"at least 10 characters"),
        ("timezone", "Mars/Olympus_Mons", b"choose a timezone from the list"),
        ("slug", "Not A Slug!", b"lowercase letters, digits"),
        ("slug", "double--hyphen", b"lowercase letters, digits"),
        ("email", "not-an-email", b"doesn&#39;t look right"),
        ("name", "", b"tell us your name"),
        ("name", "x" * 10_000, b"Please keep this under 120 characters."),
    ],
    ids=["weak-password", "unknown-timezone", "bad-slug", "double-hyphen", "bad-email", "no-name", "10kB-name"],
)
def test_signup_with_bad_input_is_refused_with_a_message(app, client, field, value, message):
    response = client.post("/signup", data={**SIGNUP, field: value})

    assert response.status_code == 422
    assert message in response.data
    assert practitioner_count(app) == 0


def test_signup_refuses_an_email_already_in_use(app, client, practitioner):
    response = client.post("/signup", data={**SIGNUP, "email": practitioner.email.upper()})

    assert response.status_code == 422
    assert b"An account with that email already exists" in response.data
    assert practitioner_count(app) == 1


def test_signup_refuses_a_slug_already_in_use(app, client, practitioner):
    response = client.post("/signup", data={**SIGNUP, "slug": practitioner.slug})

    assert response.status_code == 422
    assert b"Another practice already uses that web address" in response.data
    assert practitioner_count(app) == 1


def test_signup_lowercases_the_slug(app, client):
    client.post("/signup", data={**SIGNUP, "slug": "Rowan-Hale"})

    with app.app_context():
        assert db.session.scalar(select(Practitioner.slug)) == "rowan-hale"


def test_login_page_shows_the_form(client):
    response = client.get("/login")

    assert response.status_code == 200
    assert b'name="email"' in response.data and b'name="password"' in response.data


def test_login_with_the_right_password_goes_to_the_dashboard(auth, practitioner):
    response = auth.login(practitioner.email)

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/")


def test_login_ignores_the_case_of_the_email(auth, practitioner):
    response = auth.login(practitioner.email.upper())

    assert response.status_code == 303


def test_login_with_a_wrong_password_is_refused(client, auth, practitioner):
    response = auth.login(practitioner.email, "not the password")

    assert response.status_code == 401
    assert b"That email and password don&#39;t match" in response.data
    assert client.get("/admin/").status_code == 302


def test_login_gives_the_same_answer_for_an_unknown_email(auth, practitioner):
    wrong_password = auth.login(practitioner.email, "not the password")
    unknown_email = auth.login("nobody@example.org", "not the password")

    assert unknown_email.status_code == wrong_password.status_code
    assert unknown_email.data.replace(b"nobody@example.org", b"") == wrong_password.data.replace(
        practitioner.email.encode(), b""
    )


def test_login_returns_to_the_page_asked_for(client, practitioner):
    response = client.post("/login?next=/admin/services", data={"email": practitioner.email, "password": PASSWORD})

    assert response.headers["Location"] == "/admin/services"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_login_never_sends_anyone_to_another_site(client, practitioner, target):
    response = client.post("/login", data={"email": practitioner.email, "password": PASSWORD, "next": target})

    assert response.headers["Location"].endswith("/admin/")


def test_an_admin_page_sends_a_visitor_to_login_with_next(client):
    response = client.get("/admin/services")

    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_login_attempts_are_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    with app.app_context():
        email = make_practitioner().email
    client = app.test_client()

    statuses = [client.post("/login", data={"email": email, "password": "wrong password"}).status_code for _ in range(4)]

    assert statuses == [401, 401, 401, 429]


def test_the_login_page_itself_is_not_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="1 per minute")
    client = app.test_client()

    assert [client.get("/login").status_code for _ in range(3)] == [200, 200, 200]


def test_logout_ends_the_session(client, auth, logged_in):
    response = auth.logout()

    assert response.status_code == 303
    assert client.get("/admin/").status_code == 302


def test_logout_needs_a_post(client, logged_in):
    assert client.get("/logout").status_code == 405


def test_profile_shows_the_practitioner_details(client, logged_in):
    response = client.get("/admin/profile")

    assert response.status_code == 200
    assert f'value="{logged_in.slug}"'.encode() in response.data


def test_profile_edit_is_saved(app, client, logged_in):
    response = client.post(
        "/admin/profile",
        data={
            "name": "Imogen Reyes",
            "practice_name": "Quiet Harbour",
            "slug": "quiet-harbour",
            "timezone": "America/Toronto",
            "bio": "Grief counselor.",
            "contact_email": "hello@quiet.example",
        },
    )

    assert response.status_code == 303
    with app.app_context():
        saved = db.session.get(Practitioner, logged_in.id)
        assert (saved.name, saved.practice_name, saved.slug, saved.timezone, saved.bio, saved.contact_email) == (
            "Imogen Reyes", "Quiet Harbour", "quiet-harbour", "America/Toronto", "Grief counselor.", "hello@quiet.example",
        )


def test_profile_refuses_a_slug_another_practice_uses(app, client, logged_in):
    with app.app_context():
        taken = make_practitioner().slug

    response = client.post(
        "/admin/profile",
        data={"name": "Me", "practice_name": "Mine", "slug": taken, "timezone": "Europe/London"},
    )

    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Practitioner, logged_in.id).slug == logged_in.slug


def test_profile_keeps_its_own_slug(client, logged_in):
    response = client.post(
        "/admin/profile",
        data={"name": "Me", "practice_name": "Mine", "slug": logged_in.slug, "timezone": "Europe/London"},
    )

    assert response.status_code == 303


def test_profile_refuses_an_unknown_timezone_and_changes_nothing(app, client, logged_in):
    response = client.post(
        "/admin/profile",
        data={"name": "Changed", "practice_name": "Mine", "slug": logged_in.slug, "timezone": "Nowhere/Special"},
    )

    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Practitioner, logged_in.id).name != "Changed"


def test_signups_are_rate_limited_too(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()

    statuses = [client.post("/signup", data={**SIGNUP, "password": "short"}).status_code for _ in range(3)]

    assert statuses == [422, 422, 429]
