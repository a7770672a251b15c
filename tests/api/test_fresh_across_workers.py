"""The public free times are fresh on every gunicorn worker in the very next response after a change.

Black-box over real HTTP to `gunicorn -w 2 app:app`: the practitioner changes their hours through the
availability page, a client books through the API and cancels through the manage link, and after each
change both workers' GET /api/v1/slots and public service page show it at once. This is the guard for
per-process caches of those reads: whatever is cached must be invalidated by the transaction that
changes it, and an ETag from before a change must never earn a 304 after it.
"""
import http.client
import json
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from html import unescape
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlencode, urlsplit
from urllib.request import HTTPCookieProcessor, Request, build_opener
from zoneinfo import ZoneInfo

import pytest

from practice.extensions import db
from tests.factories import PASSWORD, make_practitioner, make_service, make_weekly_hours, service_path
from tests.gunicorn_server import GunicornUnavailable, gunicorn_serving
from tests.notifications.support import free_port

PRACTICE_ZONE = "Europe/London"
OPEN_HOURS = {f"{hour:02d}:00" for hour in range(9, 17)}  # Monday to Friday, 09:00–17:00, hour-long sessions
EVENING = {"18:00", "19:00"}  # the range 18:00–20:00 the practitioner adds
BOOKED_TIME = "10:00"
AVAILABILITY = "/admin/availability"


@dataclass(frozen=True)
class Site:
    base_url: str
    port: int
    service_id: int
    service_path: str
    owner_email: str


@pytest.fixture
def site(make_app, tmp_path):
    """One practice, its owner (password PASSWORD), one free 1-to-1 service, served by two gunicorn sync workers."""
    app = make_app()
    with app.app_context():
        owner = make_practitioner(
            timezone=PRACTICE_ZONE, min_notice_minutes=0, max_advance_days=60, cancellation_window_hours=24
        )
        make_weekly_hours(owner, weekdays=range(5), start=time(9), end=time(17))
        offered = make_service(owner, price_cents=0, capacity=1, duration_minutes=60, slot_step_minutes=60)
        service_id, path, owner_email = offered.id, service_path(offered), owner.email
        db.engine.dispose()
    port = free_port()
    environment = {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "fresh-across-workers",
        "PRACTICE_DATA_KEYS": app.config["PRACTICE_DATA_KEYS"],
        "RATELIMIT_ENABLED": "0",
        "RATELIMIT_STORAGE_URI": "memory://",
        "REDIS_URL": "",
        "HUEY_SQLITE_PATH": str(tmp_path / "huey.sqlite3"),
        "MAIL_SERVER": "",
        "MAIL_SUPPRESS_SEND": "1",
        "MAIL_FILE_DIR": str(tmp_path / "mail"),
        "SESSION_COOKIE_SECURE": "0",
        "BASE_URL": f"http://127.0.0.1:{port}",
    }
    try:
        with gunicorn_serving(port, environment, tmp_path / "gunicorn.log", workers=2) as base_url:
            yield Site(base_url, port, service_id, path, owner_email)
    except GunicornUnavailable as reason:
        pytest.skip(f"gunicorn could not serve the app: {reason}")


def test_hours_bookings_and_cancellations_show_in_the_very_next_response_of_every_worker(site):
    day = bookable_weekday()
    reads = public_reads(site, day)
    practitioner = Browser(site.base_url)
    log_in(practitioner, site.owner_email, PASSWORD)

    # Each check also leaves both workers having just served the state it checked: the old state of the next change.
    etags = assert_every_worker_shows(site, reads, OPEN_HOURS, "seeding the weekly hours")

    add_weekly_hours(practitioner, day, "18:00", "20:00")
    etags = assert_every_worker_shows(
        site, reads, OPEN_HOURS | EVENING, "adding 18:00–20:00 to the weekly hours", etags
    )

    remove_weekly_hours(practitioner, day, "18:00", "20:00")
    etags = assert_every_worker_shows(site, reads, OPEN_HOURS, "removing 18:00–20:00 from the weekly hours", etags)

    close_the_day(practitioner, day)
    etags = assert_every_worker_shows(site, reads, set(), "closing the day with a date override", etags)

    remove_the_override(practitioner)
    etags = assert_every_worker_shows(site, reads, OPEN_HOURS, "removing the date override", etags)

    manage_path = book_through_the_api(site, day, BOOKED_TIME)
    etags = assert_every_worker_shows(site, reads, OPEN_HOURS - {BOOKED_TIME}, f"booking {BOOKED_TIME}", etags)

    cancel_through_the_manage_link(site, manage_path)
    assert_every_worker_shows(site, reads, OPEN_HOURS, f"cancelling the {BOOKED_TIME} booking", etags)


# The day and the public reads of it


def bookable_weekday() -> date:
    """A working day at least two days ahead: bookable (no notice needed, 60 days' advance), cancellable (24 hours)."""
    day = datetime.now(ZoneInfo(PRACTICE_ZONE)).date() + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@dataclass(frozen=True)
class PublicRead:
    name: str
    path: str
    times_in: Callable[[str], set[str]]


def public_reads(site: Site, day: date) -> list[PublicRead]:
    slots_query = urlencode({"service": site.service_id, "start": day, "end": day, "tz": PRACTICE_ZONE})
    page_query = urlencode({"day": day, "from": day, "tz": PRACTICE_ZONE})
    return [
        PublicRead("GET /api/v1/slots", f"/api/v1/slots?{slots_query}", times_in_slots_json),
        PublicRead("the public service page", f"{site.service_path}?{page_query}", times_in_service_page),
    ]


def local_clock(instant: str) -> str:
    return datetime.fromisoformat(instant).astimezone(ZoneInfo(PRACTICE_ZONE)).strftime("%H:%M")


def times_in_slots_json(body: str) -> set[str]:
    return {local_clock(slot["start"]) for slot in json.loads(body)["slots"]}


def times_in_service_page(body: str) -> set[str]:
    """The times the page offers on its chosen day: its links to the details step carry each start."""
    hrefs = re.findall(r'href="([^"]*/details\?[^"]*)"', body)
    return {local_clock(parse_qs(urlsplit(unescape(href)).query)["start"][0]) for href in hrefs}


# Fresh connections to both workers


@dataclass(frozen=True)
class Answer:
    status: int
    etag: str | None
    body: str


class HeldRequest:
    """A GET on a fresh connection, sent but for the blank line that ends its headers.

    A sync worker serves one connection at a time, so whichever worker accepts this one waits on it
    until finish(): meanwhile every other connection is answered by the other worker.
    """

    def __init__(self, port: int, path: str, headers: dict[str, str]):
        self.path = path
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n").encode())

    def finish(self) -> Answer:
        try:
            self.sock.sendall(b"\r\n")
            response = http.client.HTTPResponse(self.sock)
            response.begin()
            return Answer(response.status, response.getheader("ETag"), response.read().decode())
        except TimeoutError:
            raise AssertionError(f"no worker answered GET {self.path} within 10s: is the second worker up?") from None
        finally:
            self.sock.close()


def fetch(port: int, path: str, headers: dict[str, str]) -> Answer:
    return HeldRequest(port, path, headers).finish()


def answers_from_both_workers(port: int, path: str, old_etags: set[str]) -> list[Answer]:
    """Six answers to GET `path`, each on a fresh connection: at least one from each worker, most likely three each.

    Every other request carries the ETags from before the change (when there are any), as a browser revalidating would.
    """
    revalidating = {"If-None-Match": ", ".join(sorted(old_etags))} if old_etags else {}
    held = []
    try:
        held.append(HeldRequest(port, path, {}))
        # While the first held request keeps one worker waiting, these are the other worker's.
        answers = [fetch(port, path, {}), fetch(port, path, revalidating)]
        held.append(HeldRequest(port, path, revalidating))
        answers.append(held[0].finish())
        # Most likely the second held request keeps the other worker waiting now: these go to the first.
        answers += [fetch(port, path, {}), fetch(port, path, revalidating)]
        answers.append(held[1].finish())
    finally:
        for request in held:
            request.sock.close()
    return answers


def assert_every_worker_shows(
    site: Site, reads: list[PublicRead], expected: set[str], change: str, old_etags: dict[str, set[str]] | None = None
) -> dict[str, set[str]]:
    """Every answer of both workers, on every public read, shows exactly `expected`; return the ETags they gave."""
    etags = {}
    for read in reads:
        stale = (old_etags or {}).get(read.name, set())
        answers = answers_from_both_workers(site.port, read.path, stale)
        for number, answer in enumerate(answers, 1):
            which = f"{read.name} (answer {number} of {len(answers)})"
            assert answer.status != 304, f"{which} answered 304 Not Modified to the ETag from before {change}"
            assert answer.status == 200, f"{which} answered {answer.status} after {change}: {answer.body[:300]}"
            shown = read.times_in(answer.body)
            assert shown == expected, (
                f"{which} is stale after {change}: it shows {sorted(shown)}; "
                f"missing {sorted(expected - shown)}, left over {sorted(shown - expected)}"
            )
        etags[read.name] = {answer.etag for answer in answers if answer.etag}
        assert not etags[read.name] & stale, (
            f"{read.name} kept its ETag across {change}: a browser revalidating would keep showing the old times"
        )
    return etags


# A browser that keeps its cookies, for the practitioner's and the client's forms


@dataclass
class Page:
    status: int
    url: str
    text: str


@dataclass
class Form:
    action: str
    hidden: dict[str, str] = field(default_factory=dict)
    button_labels: list[str] = field(default_factory=list)


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []
        self._open: Form | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._open = Form(urlsplit(attrs.get("action") or "").path)
            self.forms.append(self._open)
        elif self._open and tag == "input" and attrs.get("type") == "hidden" and attrs.get("name"):
            self._open.hidden[attrs["name"]] = attrs.get("value") or ""
        elif self._open and tag == "button" and attrs.get("aria-label"):
            self._open.button_labels.append(attrs["aria-label"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None


def post_forms(page: Page) -> list[Form]:
    parser = _Forms()
    parser.feed(page.text)
    return parser.forms


def the_form(page: Page, matches: Callable[[Form], bool], what: str) -> Form:
    found = [form for form in post_forms(page) if matches(form)]
    assert len(found) == 1, f"expected one form {what} on {page.url} ({page.status}), found {len(found)}"
    return found[0]


class Browser:
    """Real HTTP with a cookie jar: the session cookie carries the login and the CSRF token's secret."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self._opener = build_opener(HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> Page:
        return self._open(Request(self.base_url + path))

    def post_form(self, path: str, fields: dict[str, str]) -> Page:
        return self._open(Request(self.base_url + path, data=urlencode(fields).encode(), method="POST"))

    def _open(self, request: Request) -> Page:
        # Redirects (303 after every form) are followed; 4xx and 5xx come back as pages to assert on.
        try:
            with self._opener.open(request, timeout=10) as response:
                return Page(response.status, response.url, response.read().decode())
        except HTTPError as error:
            with error:
                return Page(error.code, error.url, error.read().decode())


def alert_in(page: Page) -> str:
    found = re.search(r'role="alert">(.*?)<', page.text, re.S)
    return found.group(1).strip() if found else page.text[:300]


# The practitioner's changes, through the login form and the availability page


def log_in(browser: Browser, email: str, password: str) -> None:
    form = the_form(browser.get("/login"), lambda f: f.action == "/login", "posting to /login")
    page = browser.post_form(form.action, {**form.hidden, "email": email, "password": password})
    assert page.status == 200 and urlsplit(page.url).path != "/login", f"login failed ({page.status}): {alert_in(page)}"


def post_on_availability_page(browser: Browser, form: Form, fields: dict[str, str], change: str) -> None:
    page = browser.post_form(form.action, {**form.hidden, **fields})
    assert page.status == 200 and urlsplit(page.url).path == AVAILABILITY, (
        f"{change} was refused ({page.status}): {alert_in(page)}"
    )


def add_weekly_hours(browser: Browser, day: date, start: str, end: str) -> None:
    form = the_form(browser.get(AVAILABILITY), lambda f: f.action == f"{AVAILABILITY}/weekly", "adding weekly hours")
    fields = {"weekly-weekday": str(day.weekday()), "weekly-start": start, "weekly-end": end}
    post_on_availability_page(browser, form, fields, f"adding {start}–{end} on {day:%A}s")


def remove_weekly_hours(browser: Browser, day: date, start: str, end: str) -> None:
    label = f"Remove {day:%A} {start} to {end}"
    form = the_form(browser.get(AVAILABILITY), lambda f: label in f.button_labels, f"labelled {label!r}")
    post_on_availability_page(browser, form, {}, f"removing {start}–{end} on {day:%A}s")


def close_the_day(browser: Browser, day: date) -> None:
    adding = f"{AVAILABILITY}/overrides"
    form = the_form(browser.get(AVAILABILITY), lambda f: f.action == adding, "adding a date override")
    fields = {"override-day": day.isoformat(), "override-kind": "closed"}
    post_on_availability_page(browser, form, fields, f"closing {day}")


def remove_the_override(browser: Browser) -> None:
    is_removal = re.compile(rf"{AVAILABILITY}/overrides/\d+/remove").fullmatch
    form = the_form(browser.get(AVAILABILITY), lambda f: is_removal(f.action), "removing the date override")
    post_on_availability_page(browser, form, {}, "removing the date override")


# The client's booking, through the API, and its cancellation, through the manage link


def book_through_the_api(site: Site, day: date, clock: str) -> str:
    """Book `clock` on `day` as a new client; return the path of the booking's manage link."""
    start = datetime.combine(day, time.fromisoformat(clock), ZoneInfo(PRACTICE_ZONE)).isoformat()
    payload = {
        "service": site.service_id,
        "start": start,
        "name": "Hannah Brooks",
        "email": "hannah@example.org",
        "timezone": PRACTICE_ZONE,
    }
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
    try:
        connection.request("POST", "/api/v1/bookings", json.dumps(payload), {"Content-Type": "application/json"})
        response = connection.getresponse()
        status, body = response.status, response.read().decode()
    finally:
        connection.close()
    assert status == 201, f"booking {clock} on {day} was refused ({status}): {body}"
    return urlsplit(json.loads(body)["manage_url"]).path


def cancel_through_the_manage_link(site: Site, manage_path: str) -> None:
    client = Browser(site.base_url)
    manage_page = client.get(manage_path)
    form = the_form(manage_page, lambda f: f.action == f"{manage_path}/cancel", "cancelling the booking")
    page = client.post_form(form.action, form.hidden)
    cancelled = page.status == 200 and "This booking is cancelled" in page.text
    assert cancelled, f"cancelling through the manage link failed ({page.status}): {alert_in(page)}"
