"""Session cookies are Secure by default when BASE_URL is https; SESSION_COOKIE_SECURE still decides."""
import pytest

from practice.config import settings_from_environment
from tests.factories import PASSWORD, make_practitioner

DEFAULTS = [
    ("https://book.stillwater.example", None, True),
    ("HTTPS://book.stillwater.example", None, True),
    ("http://127.0.0.1:5000", None, False),
    ("https://book.stillwater.example", "0", False),
    ("http://127.0.0.1:5000", "1", True),
]


@pytest.mark.parametrize(("base_url", "override", "secure"), DEFAULTS)
def test_cookies_are_secure_when_the_install_is_served_over_https(tmp_path, monkeypatch, base_url, override, secure):
    monkeypatch.setenv("BASE_URL", base_url)
    if override is None:
        monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    else:
        monkeypatch.setenv("SESSION_COOKIE_SECURE", override)

    settings = settings_from_environment(str(tmp_path))

    assert settings["SESSION_COOKIE_SECURE"] is secure
    assert settings["REMEMBER_COOKIE_SECURE"] is secure


def test_no_base_url_means_plain_http_cookies(tmp_path, monkeypatch):
    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)

    assert settings_from_environment(str(tmp_path))["SESSION_COOKIE_SECURE"] is False


def test_an_https_install_sets_its_login_cookie_secure(make_app, monkeypatch):
    monkeypatch.setenv("BASE_URL", "https://book.stillwater.example")
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    app = make_app()
    with app.app_context():
        email = make_practitioner().email

    response = app.test_client().post("/login", data={"email": email, "password": PASSWORD})

    assert response.status_code == 303
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=") and "; Secure" in cookie and "; HttpOnly" in cookie


def test_trusted_proxies_defaults_to_none(tmp_path, monkeypatch):
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)

    assert settings_from_environment(str(tmp_path))["TRUSTED_PROXIES"] == 0


def test_trusted_proxies_is_read_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "2")

    assert settings_from_environment(str(tmp_path))["TRUSTED_PROXIES"] == 2
