"""TRUSTED_PROXIES: behind that many proxies, X-Forwarded-For and -Proto say who the client is; with 0 they say nothing."""
import html
import re
from urllib.parse import urlsplit

from flask import request
from sqlalchemy import select

from practice.booking.models import Booking, BookingStatus
from practice.extensions import db
from tests.security.samples import booking_request, make_offer

CSRF_FIELD = re.compile(r'<input\b[^>]*\bname="csrf_token"[^>]*\bvalue="([^"]+)"')
#: What a TLS-terminating proxy adds for a client at 203.0.113.7.
FROM_A_CLIENT_OVER_HTTPS = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}


def app_showing_the_client(make_app, **config):
    app = make_app(**config)
    app.add_url_rule("/who", view_func=lambda: f"{request.remote_addr} {request.scheme}")
    return app


def test_behind_one_proxy_the_forwarded_client_and_scheme_are_used(make_app):
    client = app_showing_the_client(make_app, TRUSTED_PROXIES=1).test_client()

    assert client.get("/who", headers=FROM_A_CLIENT_OVER_HTTPS).text == "203.0.113.7 https"


def test_behind_one_proxy_what_the_client_itself_claims_is_ignored(make_app):
    client = app_showing_the_client(make_app, TRUSTED_PROXIES=1).test_client()

    # The client sent the first address; the proxy appended the address it saw.
    response = client.get("/who", headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.7"})

    assert response.text == "203.0.113.7 http"


def test_with_no_trusted_proxy_forwarded_headers_are_ignored(make_app):
    client = app_showing_the_client(make_app, TRUSTED_PROXIES=0).test_client()

    assert client.get("/who", headers=FROM_A_CLIENT_OVER_HTTPS).text == "127.0.0.1 http"


def login_statuses(client, forwarded_for: list[str]) -> list[int]:
    return [
        client.post("/login", data={"email": "x@example.org", "password": "not it"}, headers={"X-Forwarded-For": ip}).status_code
        for ip in forwarded_for
    ]


def test_behind_a_proxy_each_client_has_its_own_rate_limit(make_app):
    app = make_app(TRUSTED_PROXIES=1, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute")

    statuses = login_statuses(app.test_client(), ["203.0.113.7", "203.0.113.7", "203.0.113.7", "203.0.113.8"])

    assert statuses == [401, 401, 429, 401]


def test_with_no_trusted_proxy_a_forwarded_address_cannot_dodge_the_rate_limit(make_app):
    app = make_app(TRUSTED_PROXIES=0, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute")

    statuses = login_statuses(app.test_client(), ["203.0.113.7", "203.0.113.8", "203.0.113.9"])

    assert statuses == [401, 401, 429]


def test_a_client_cancels_by_their_link_over_https_behind_a_proxy_with_csrf_on(make_app):
    # The manage page sends no Referer, so Flask-WTF's https-only Referer check must be off.
    app = make_app(TRUSTED_PROXIES=1, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    booked = client.post("/api/v1/bookings", json=booking_request(make_offer(app))).get_json()
    manage = urlsplit(booked["manage_url"]).path

    page = client.get(manage, headers=FROM_A_CLIENT_OVER_HTTPS).text
    token = html.unescape(CSRF_FIELD.search(page).group(1))
    response = client.post(f"{manage}/cancel", data={"csrf_token": token}, headers=FROM_A_CLIENT_OVER_HTTPS)

    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalars(select(Booking)).one().status == BookingStatus.cancelled
