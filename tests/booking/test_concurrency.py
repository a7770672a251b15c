"""Many clients racing for one slot over real HTTP: exactly the free seats are sold, never more."""
import html
import http.client
import json
import re
import threading
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, time, timedelta, timezone
from functools import partial
from http.cookiejar import CookieJar
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from practice.booking.models import ACTIVE_STATUSES, Booking
from practice.extensions import db
from practice.timeformats import instant_for_url
from tests.booking.test_views import page
from tests.factories import make_practitioner, make_service, make_weekly_hours, service_path
from tests.live_server import serving

ZONE = "Europe/London"
CLIENTS = 32
TAKEN = "just taken — please choose another time"


def next_monday_at_ten() -> datetime:
    today = datetime.now(ZoneInfo(ZONE)).date()
    monday = today + timedelta(days=7 + (-today.weekday()) % 7)
    return datetime.combine(monday, time(10), tzinfo=ZoneInfo(ZONE)).astimezone(timezone.utc)


def offer_with_capacity(app, capacity: int) -> SimpleNamespace:
    with app.app_context():
        practitioner = make_practitioner(timezone=ZONE)
        make_weekly_hours(practitioner)
        service = make_service(practitioner, name="Support circle", capacity=capacity)
        return SimpleNamespace(id=service.id, path=service_path(service), start=next_monday_at_ten())


def api_request(offer: SimpleNamespace, n: int) -> tuple[str, bytes, str]:
    body = {
        "service": offer.id,
        "start": offer.start.astimezone(ZoneInfo(ZONE)).isoformat(),
        "name": f"Client {n}",
        "email": f"client{n}@example.org",
        "timezone": ZONE,
    }
    return "/api/v1/bookings", json.dumps(body).encode(), "application/json"


def form_request(offer: SimpleNamespace, n: int) -> tuple[str, bytes, str]:
    fields = {
        "name": f"Client {n}",
        "email": f"client{n}@example.org",
        "phone": "",
        "preferred_name": "",
        "pronouns": "",
        "note": "",
        "start": instant_for_url(offer.start),
        "timezone": ZONE,
    }
    return f"{offer.path}/confirm", urlencode(fields).encode(), "application/x-www-form-urlencoded"


ROUTES = {
    "api": (api_request, 201),
    "form": (form_request, 303),
}


def post_all_at_once(base_url: str, requests: list[tuple[str, bytes, str]]) -> list[tuple[int, str]]:
    """POST every request from its own thread, released together; return (status, body) each."""
    address = urlsplit(base_url)
    start_together = threading.Barrier(len(requests))

    def post(request: tuple[str, bytes, str]) -> tuple[int, str]:
        path, body, content_type = request
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        try:
            connection.connect()
            start_together.wait(timeout=30)
            connection.request("POST", path, body, {"Content-Type": content_type})
            response = connection.getresponse()
            return response.status, response.read().decode()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(post, requests))


def refusal_message(route: str, body: str) -> str:
    return json.loads(body)["error"] if route == "api" else body


def active_bookings(app, service_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).where(Booking.service_id == service_id, Booking.status.in_(ACTIVE_STATUSES))
        )


@pytest.mark.parametrize("capacity", [1, 5], ids=["one-to-one", "group-of-5"])
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_racing_clients_get_exactly_the_free_seats(any_app, route, capacity):
    build_request, won = ROUTES[route]
    offer = offer_with_capacity(any_app, capacity)

    with serving(any_app) as base_url:
        answers = post_all_at_once(base_url, [build_request(offer, n) for n in range(CLIENTS)])

    assert Counter(status for status, _ in answers) == {won: capacity, 409: CLIENTS - capacity}
    refusals = [refusal_message(route, body) for status, body in answers if status == 409]
    assert all(TAKEN in message for message in refusals)
    assert active_bookings(any_app, offer.id) == capacity


CSRF_FIELD = re.compile(r'<input\b[^>]*\bname="csrf_token"[^>]*\bvalue="([^"]+)"')


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    """Hand a redirect back as the answer (an HTTPError) instead of following it."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _answer(opener, request) -> tuple[int, str, str]:
    """(status, Location, body) of one request, whatever the status."""
    try:
        response = opener.open(request, timeout=30)
    except urllib.error.HTTPError as answer:
        response = answer
    with response:
        return response.status, response.headers.get("Location", ""), response.read().decode()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_racing_browsers_with_session_cookies_and_csrf_tokens_get_one_booking(make_app, backend):
    """Each client keeps its own cookie jar: GET the details page, then all POST confirm with its token at once."""
    app = make_app(backend, WTF_CSRF_ENABLED=True)
    offer = offer_with_capacity(app, 1)
    start_together = threading.Barrier(CLIENTS)

    def book_as_a_browser(base_url: str, n: int) -> tuple[int, str, str]:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), _KeepRedirects)
        query = urlencode({"start": instant_for_url(offer.start), "tz": ZONE})
        status, _, details = _answer(opener, f"{base_url}{offer.path}/details?{query}")
        token = CSRF_FIELD.search(details) if status == 200 else None
        start_together.wait(timeout=30)
        if token is None:
            return status, "", f"details page gave no csrf_token: {details[:200]}"
        path, body, content_type = form_request(offer, n)
        body += b"&" + urlencode({"csrf_token": html.unescape(token.group(1))}).encode()
        post = urllib.request.Request(f"{base_url}{path}", data=body, headers={"Content-Type": content_type})
        return _answer(opener, post)

    with serving(app) as base_url, ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        answers = list(pool.map(partial(book_as_a_browser, base_url), range(CLIENTS)))

    statuses = Counter(status for status, _, _ in answers)
    assert 400 not in statuses, [body[:300] for status, _, body in answers if status == 400][:1]
    assert not [status for status in statuses if status >= 500]
    assert statuses == {303: 1, 409: CLIENTS - 1}
    assert [urlsplit(where).path.startswith("/manage/") for status, where, _ in answers if status == 303] == [True]
    assert all(TAKEN in body for status, _, body in answers if status == 409)
    assert active_bookings(app, offer.id) == 1


@pytest.mark.parametrize("capacity", [1, 5], ids=["one-to-one", "group-of-5"])
def test_one_confirm_form_sent_many_times_at_once_books_once(any_app, capacity):
    """A double tap on a slow connection: every copy of the form is answered with the one booking it made."""
    offer = offer_with_capacity(any_app, capacity)
    details = {"name": "Jo Rivers", "email": "jo@example.org", "start": instant_for_url(offer.start), "timezone": ZONE}
    confirm = page(any_app.test_client().post(f"{offer.path}/details", data=details)).form("/confirm$")
    request = (confirm["action"], urlencode(confirm["fields"]).encode(), "application/x-www-form-urlencoded")

    with serving(any_app) as base_url:
        answers = post_all_at_once(base_url, [request] * 8)

    assert [status for status, _ in answers] == [303] * 8
    # A redirect's body links to where it leads: every copy leads to the same manage page.
    [manage_path] = {re.search(r'href="([^"]+)"', body).group(1) for _, body in answers}
    assert manage_path.startswith("/manage/")
    assert active_bookings(any_app, offer.id) == 1
