"""Setting up a practice, closed sign-up, log in and out, and one's own profile, through the pages."""
import pytest
from sqlalchemy import func, select

from practice.accounts.models import Practice, Practitioner
from practice.extensions import db
from tests.factories import PASSWORD, make_practitioner

SIGNUP = {
    "name": "Rowan Hale",
    "profession": "Massage therapist",
    "practice_name": "Stillwater Practice",
    "practice_slug": "stillwater",
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


def test_the_first_signup_creates_the_practice_with_its_owner_and_logs_them_in(app, client):
    response = client.post("/signup", data=SIGNUP)

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/")
    assert client.get("/admin/").status_code == 200
    with app.app_context():
        created = db.session.scalar(select(Practitioner).where(Practitioner.email == "rowan@example.org"))
        assert created.is_owner
        assert (created.practice.name, created.practice.slug, created.practice.timezone) == (
            "Stillwater Practice", "stillwater", "Europe/London",
        )
        assert created.slug == "rowan-hale"
        assert created.check_password(SIGNUP["password"])


def test_after_the_first_practice_a_strangers_signup_is_refused(app, client, practitioner):
    page = client.get("/signup")
    response = client.post("/signup", data=SIGNUP)

    assert page.status_code == 403 and response.status_code == 403
    assert b"Joining is by invitation" in response.data
    assert practitioner_count(app) == 1


def test_the_login_page_offers_signup_only_while_it_is_open(client, practitioner):
    assert b"Set up your practice" not in client.get("/login").data


def test_with_allow_signup_anyone_can_set_up_a_practice_of_their_own(make_app):
    app = make_app(ALLOW_SIGNUP=True)
    with app.app_context():
        existing = make_practitioner(practice_name="First Practice")
        first_practice = existing.practice_id
    client = app.test_client()

    assert client.post("/signup", data=SIGNUP).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count(Practice.id))) == 2
        newcomer = db.session.scalar(select(Practitioner).where(Practitioner.email == "rowan@example.org"))
        assert newcomer.practice_id != first_practice and newcomer.is_owner


def test_signup_stores_the_email_in_lower_case(app, client):
    client.post("/signup", data={**SIGNUP, "email": "Rowan@Example.ORG"})

    with app.app_context():
        assert db.session.scalar(select(Practitioner.email)) == "rowan@example.org"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("password", "too-short", b"at least 10 characters"),
        ("timezone", "Mars/Olympus_Mons", b"choose a timezone from the list"),
        ("practice_slug", "Not A Slug!", b"lowercase letters, digits"),
        ("practice_slug", "double--hyphen", b"lowercase letters, digits"),
        ("email", "not-an-email", b"doesn&#39;t look right"),
        ("name", "", b"tell us your name"),
        ("name", "x" * 10_000, b"Please keep this under 120 characters."),
        ("practice_name", "", b"Please give your practice a name."),
    ],
    ids=["weak-password", "unknown-timezone", "bad-slug", "double-hyphen", "bad-email", "no-name", "10kB-name", "no-practice-name"],
)
def test_signup_with_bad_input_is_refused_with_a_message(app, client, field, value, message):
    response = client.post("/signup", data={**SIGNUP, field: value})

    assert response.status_code == 422
    assert message in response.data
    assert practitioner_count(app) == 0


def test_signup_lowercases_the_slug(app, client):
    client.post("/signup", data={**SIGNUP, "practice_slug": "Stillwater"})

    with app.app_context():
        assert db.session.scalar(select(Practice.slug)) == "stillwater"


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


def test_logout_ends_the_accounts_sessions_on_every_device(app, auth, logged_in):
    other_device = app.test_client()
    other_device.post("/login", data={"email": logged_in.email, "password": PASSWORD})
    assert other_device.get("/admin/").status_code == 200

    auth.logout()

    assert other_device.get("/admin/").status_code == 302


def test_a_session_cookie_from_before_a_password_reset_no_longer_works(app, client, logged_in):
    with app.app_context():
        db.session.get(Practitioner, logged_in.id).session_version += 1
        db.session.commit()

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
        data={"name": "Imogen Reyes", "profession": "Grief counselor", "slug": "imogen-reyes", "bio": "A quiet space to talk."},
    )

    assert response.status_code == 303
    with app.app_context():
        saved = db.session.get(Practitioner, logged_in.id)
        assert (saved.name, saved.profession, saved.slug, saved.bio) == (
            "Imogen Reyes", "Grief counselor", "imogen-reyes", "A quiet space to talk.",
        )


def test_profile_refuses_a_slug_someone_else_uses(app, client, logged_in):
    with app.app_context():
        taken = make_practitioner().slug

    response = client.post("/admin/profile", data={"name": "Me", "slug": taken})

    assert response.status_code == 422
    assert b"Someone else already uses that web address" in response.data
    with app.app_context():
        assert db.session.get(Practitioner, logged_in.id).slug == logged_in.slug


def test_profile_keeps_its_own_slug(client, logged_in):
    assert client.post("/admin/profile", data={"name": "Me", "slug": logged_in.slug}).status_code == 303


def test_signups_are_rate_limited_too(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()

    statuses = [client.post("/signup", data={**SIGNUP, "password": "short"}).status_code for _ in range(3)]

    assert statuses == [422, 422, 429]
