"""Every response carries the security headers; no page template needs inline script or style."""
import re
from pathlib import Path

import pytest

from practice.security.headers import CONTENT_SECURITY_POLICY, STRICT_TRANSPORT_SECURITY

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

RESPONSES = {
    "an HTML page": ("GET", "/", 200),
    "the JSON API": ("GET", "/api/v1/services", 200),
    "a JSON error": ("GET", "/api/v1/slots", 400),
    "a missing page": ("GET", "/no-such-page", 404),
    "a static file": ("GET", "/static/tend.css", 200),
    "a redirect to the login page": ("GET", "/admin/", 302),
    "a refused method": ("DELETE", "/login", 405),
    "refused input": ("GET", "/?q=%00", 400),
}


def directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


@pytest.mark.parametrize(("method", "path", "status"), RESPONSES.values(), ids=RESPONSES.keys())
def test_every_kind_of_response_carries_the_security_headers(client, method, path, status):
    response = client.open(path, method=method)
    response.close()

    assert response.status_code == status
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_an_admin_page_carries_the_security_headers(client, logged_in):
    response = client.get("/admin/")

    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_unexpected_error_carries_the_security_headers(app, client):
    def broken():
        raise RuntimeError("a bug")

    app.add_url_rule("/broken", view_func=broken)

    response = client.get("/broken")

    assert response.status_code == 500
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_policy_allows_no_inline_script_or_style_and_no_framing():
    policy = directives(CONTENT_SECURITY_POLICY)

    assert policy["default-src"] == policy["script-src"] == policy["style-src"] == "'self'"
    assert policy["img-src"] == "'self' data:"
    assert policy["form-action"] == "'self'"
    assert policy["frame-ancestors"] == policy["base-uri"] == policy["object-src"] == "'none'"


@pytest.mark.parametrize("path", ["/manage/not-a-real-token", "/reset/not-a-real-token"])
def test_token_links_keep_their_stricter_referrer_policy(client, path):
    response = client.get(path)

    assert response.status_code in (400, 404)
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_a_plain_http_install_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_an_install_with_secure_cookies_sends_hsts(make_app):
    client = make_app(SESSION_COOKIE_SECURE=True).test_client()

    for path in ("/", "/api/v1/services", "/no-such-page"):
        assert client.get(path).headers["Strict-Transport-Security"] == STRICT_TRANSPORT_SECURITY


def is_email_template(path: Path) -> bool:
    """An HTML email always has a plain-text twin; the admin pages about emails have none."""
    return path.with_suffix(".txt").exists()


def page_templates() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*.html") if not is_email_template(p))


#: An inline <script> (one without src), a <style> block, a style attribute, an on* handler, a javascript: URL.
INLINE_CODE = re.compile(
    r"<script(?![^>]*\ssrc=)[^>]*>|<style\b|\sstyle\s*=|\son[a-z]+\s*=|=\s*[\"']?\s*javascript:", re.IGNORECASE
)
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)


def test_email_templates_are_told_apart_from_pages():
    pages = {p.relative_to(TEMPLATES).as_posix() for p in page_templates()}

    assert {"base.html", "notifications/email.html", "notifications/emails.html"} <= pages
    assert not pages & {"notifications/booking_confirmed.html", "notifications/_layout.html", "notifications/_email.html"}


@pytest.mark.parametrize("template", page_templates(), ids=lambda p: p.relative_to(TEMPLATES).as_posix())
def test_page_templates_have_no_inline_script_or_style(template):
    found = INLINE_CODE.findall(JINJA_COMMENT.sub("", template.read_text()))

    assert not found, f"{template.name} has inline code the policy would block: {found}"
