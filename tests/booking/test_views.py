"""The public booking pages, walked as a client would, with links and forms only, on SQLite and PostgreSQL."""
import re
from datetime import datetime, time, timedelta
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from practice.booking.models import Booking, BookingStatus
from practice.booking.states import ChangedBy
from practice.catalog.models import ServiceStatus
from practice.clients.models import Client
from practice.extensions import db
from practice.scheduling.models import DateOverride
from tests.factories import make_practitioner, make_service, make_weekly_hours, service_path

PRACTICE_ZONE = "Europe/London"
OPEN_HOURS = range(9, 17)


class Page(HTMLParser):
    """The links and forms of an HTML page: everything a browser without JS can follow."""

    def __init__(self, html: str):
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.forms: list[dict] = []
        #: (href, text) of the header's link with class "brand".
        self.brand: tuple[str, str] | None = None
        self._link: list | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "href" in attrs:
            self._link = [attrs["href"], "", "brand" in (attrs.get("class") or "").split()]
        elif tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "method": attrs.get("method", "get").lower(),
                               "fields": {}, "buttons": []})
        elif tag == "input" and self.forms and "name" in attrs:
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value", "")
        elif tag == "textarea" and self.forms:
            self._textarea = attrs["name"]
            self.forms[-1]["fields"][self._textarea] = ""
        elif tag == "select" and self.forms:
            self._select = attrs["name"]
        elif tag == "option" and self._select and "selected" in attrs:
            self.forms[-1]["fields"][self._select] = attrs["value"]
        elif tag == "button" and self.forms:
            self.forms[-1]["buttons"].append(attrs.get("type", "submit"))

    def handle_endtag(self, tag):
        if tag == "a" and self._link:
            href, text, is_brand = self._link[0], " ".join(self._link[1].split()), self._link[2]
            self.links.append((href, text))
            if is_brand and self.brand is None:
                self.brand = (href, text)
            self._link = None
        elif tag == "textarea" and self._textarea:
            # As browsers do, drop the one newline that may open a textarea's text.
            fields = self.forms[-1]["fields"]
            fields[self._textarea] = re.sub(r"^\r?\n", "", fields[self._textarea])
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._link is not None:
            self._link[1] += data
        if self._textarea:
            self.forms[-1]["fields"][self._textarea] += data

    def link(self, pattern: str) -> str:
        """The href of the first link whose text matches `pattern`."""
        return next(href for href, text in self.links if re.search(pattern, text))

    def form(self, action_pattern: str) -> dict:
        return next(f for f in self.forms if re.search(action_pattern, f["action"]))


def page(response) -> Page:
    return Page(response.get_data(as_text=True))


@pytest.fixture
def client(any_app):
    """A browser without JavaScript, on SQLite and then on PostgreSQL."""
    return any_app.test_client()


@pytest.fixture
def offer(any_app):
    with any_app.app_context():
        practitioner = make_practitioner(
            timezone=PRACTICE_ZONE, practice_name="Stillwater Practice", practice_slug="stillwater",
            name="Ada Moss", slug="ada-moss",
        )
        make_weekly_hours(practitioner)
        massage = make_service(practitioner, name="Restorative massage")
        make_service(practitioner, name="Draft offer", status=ServiceStatus.draft)
        make_service(practitioner, name="Retired offer", status=ServiceStatus.archived)
        return SimpleNamespace(
            practice_slug="stillwater", slug=practitioner.slug, id=massage.id, path=service_path(massage)
        )


def soon(zone: str = PRACTICE_ZONE):
    return datetime.now(ZoneInfo(zone)).date() + timedelta(days=2)


def clocks_on(day, zone: str) -> list[str]:
    """The practice's opening hours that fall on `day` in `zone`, as that zone's clock shows them."""
    starts = (
        datetime.combine(day + timedelta(days=shift), time(hour), ZoneInfo(PRACTICE_ZONE)).astimezone(ZoneInfo(zone))
        for shift in (-1, 0, 1)
        for hour in OPEN_HOURS
    )
    return sorted(f"{s:%H:%M}" for s in starts if s.date() == day)


def time_links(response) -> list[tuple[str, str]]:
    return [(href, text) for href, text in page(response).links if "/details?" in href]


def details_form(client, offer, zone=PRACTICE_ZONE, **overrides) -> dict:
    """The details form for the first time on the day after tomorrow, filled in."""
    day_page = client.get(offer.path, query_string={"tz": zone, "day": soon(zone).isoformat()})
    href, _ = time_links(day_page)[0]
    form = page(client.get(href)).form("/details$")
    form["fields"] |= {"name": "Jo Rivers", "email": "jo@example.org", "note": "Please go gently."} | overrides
    return form


def confirm_form(client, offer, **overrides) -> dict:
    """The confirm step's form, as the details step renders it."""
    form = details_form(client, offer, **overrides)
    return page(client.post(form["action"], data=form["fields"])).form("/confirm$")


def manage_path_of(booked) -> str:
    """The manage page of a booking, from the confirm step's redirect to its confirmation page."""
    return booked.location.removesuffix("/booked")


def booking_count(any_app) -> int:
    with any_app.app_context():
        return db.session.scalar(select(func.count()).select_from(Booking))


def test_practice_page_lists_published_services_not_drafts_or_archived(client, offer):
    response = client.get("/")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Restorative massage" in html and "Ada Moss" in html
    assert "Draft offer" not in html
    assert "Retired offer" not in html
    assert page(response).link("Restorative massage") == offer.path


def test_practitioner_page_lists_only_published_services(client, offer):
    response = client.get(f"/book/{offer.practice_slug}/{offer.slug}")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Restorative massage" in html
    assert "Draft offer" not in html and "Retired offer" not in html


def cards(response) -> dict[str, str]:
    """Each practitioner's card on a practice page, by the practitioner's name."""
    sections = re.findall(r'<section class="card".*?</section>', response.get_data(as_text=True), re.S)
    return {re.search(r"<h2\b.*?<a [^>]*>([^<]+)</a>", section, re.S).group(1): section for section in sections}


def test_each_practitioner_card_shows_their_profession_and_bio(any_app, client):
    with any_app.app_context():
        owner = make_practitioner(name="Ada Moss", profession="Massage therapist", bio="Twenty years of gentle work.")
        colleague = make_practitioner(
            owner.practice, name="Ben Hale", profession="Grief counselor", bio="I listen first."
        )
        make_service(owner, name="Restorative massage")
        make_service(colleague, name="Grief counseling")

    shown = cards(client.get("/"))

    assert set(shown) == {"Ada Moss", "Ben Hale"}
    assert "Massage therapist" in shown["Ada Moss"] and "Twenty years of gentle work." in shown["Ada Moss"]
    assert "Grief counselor" in shown["Ben Hale"] and "I listen first." in shown["Ben Hale"]
    assert "Grief counselor" not in shown["Ada Moss"] and "Massage therapist" not in shown["Ben Hale"]


@pytest.fixture
def two_practices(any_app):
    """Two practices on one install, each with a practitioner offering one service."""
    with any_app.app_context():
        ada = make_practitioner(practice_name="Stillwater Practice", practice_slug="stillwater", name="Ada Moss")
        ben = make_practitioner(practice_name="Harbour Rooms", practice_slug="harbour", name="Ben Hale")
        make_service(ada, name="Restorative massage")
        make_service(ben, name="Grief counseling")
    return {
        "stillwater": ("Stillwater Practice", "Ada Moss", "Restorative massage"),
        "harbour": ("Harbour Rooms", "Ben Hale", "Grief counseling"),
    }


def test_with_several_practices_home_lists_each_by_name(client, two_practices):
    response = client.get("/")

    assert response.status_code == 200
    home = page(response)
    for slug, (name, _, _) in two_practices.items():
        assert home.link(re.escape(name)) == f"/book/{slug}"
    assert "Ada Moss" not in response.get_data(as_text=True)


def test_a_practice_page_shows_none_of_another_practices_practitioners_or_services(client, two_practices):
    for slug, (name, practitioner, service) in two_practices.items():
        html = client.get(f"/book/{slug}").get_data(as_text=True)

        assert name in html and practitioner in html and service in html
        for other_slug, (other_name, other_practitioner, other_service) in two_practices.items():
            if other_slug != slug:
                assert other_name not in html
                assert other_practitioner not in html and other_service not in html


def test_without_a_practice_home_welcomes_and_links_to_setting_one_up(client):
    response = client.get("/")

    assert response.status_code == 200
    assert "Welcome to Tend" in response.get_data(as_text=True)
    assert page(response).link("Set up your practice") == "/signup"


def test_service_page_offers_days_before_times(client, offer):
    response = client.get(offer.path)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Choose a day" in html
    assert "Times on" not in html
    assert not time_links(response)
    day_links = [href for href, _ in page(response).links if "day=" in href]
    assert len(day_links) >= 13  # every day is open: today (if any hour is left) and the next 13


def test_choosing_a_day_lists_its_times_in_the_practice_zone_by_default(client, offer):
    day = soon()
    day_href = next(href for href, _ in page(client.get(offer.path)).links if f"day={day.isoformat()}" in href)

    response = client.get(day_href)

    assert f"Times on {day:%A} {day.day} {day:%B}" in response.get_data(as_text=True)
    assert [text for _, text in time_links(response)] == [f"{h:02d}:00" for h in OPEN_HOURS]


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata", "Pacific/Auckland"])
def test_times_are_shown_in_the_chosen_zone(client, offer, zone):
    day = soon(zone)

    response = client.get(offer.path, query_string={"tz": zone, "day": day.isoformat()})

    # Each link reads "04:00, 09:00 in London": the chosen zone's clock, then the practice's.
    assert [text.split(",")[0] for _, text in time_links(response)] == clocks_on(day, zone)
    assert f"Shown in {zone.rsplit('/', 1)[-1].replace('_', ' ')} time, UTC" in response.get_data(as_text=True)
    assert all(parse_qs(urlsplit(href).query)["tz"] == [zone] for href, _ in time_links(response))


def test_an_unknown_zone_shows_the_practice_zone(client, offer):
    response = client.get(offer.path, query_string={"tz": "Mars/Olympus", "day": soon().isoformat()})

    assert response.status_code == 200
    assert [text for _, text in time_links(response)] == [f"{h:02d}:00" for h in OPEN_HOURS]


def test_details_step_books_nothing_yet_and_asks_to_confirm(any_app, client, offer):
    form = details_form(client, offer)

    response = client.post(form["action"], data=form["fields"])

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Check and confirm" in html and "Jo Rivers" in html and "Please go gently." in html
    assert booking_count(any_app) == 0


def test_change_details_reopens_the_form_with_what_the_client_typed(any_app, client, offer):
    form = details_form(client, offer)
    confirm = page(client.post(form["action"], data=form["fields"])).form("/confirm$")

    response = client.post(form["action"], data=confirm["fields"] | {"edit": "1"})

    assert response.status_code == 200
    reopened = page(response).form("/details$")
    assert reopened["fields"]["name"] == "Jo Rivers"
    assert reopened["fields"]["note"] == "Please go gently."
    assert reopened["fields"]["start"] == confirm["fields"]["start"]
    assert booking_count(any_app) == 0


def test_confirming_redirects_303_to_the_confirmation_page_showing_the_booking(any_app, client, offer):
    form = details_form(client, offer, zone="America/New_York", pronouns="they/them")
    confirm = page(client.post(form["action"], data=form["fields"])).form("/confirm$")

    response = client.post(confirm["action"], data=confirm["fields"])

    assert response.status_code == 303
    assert "/manage/" in response.location and response.location.endswith("/booked")
    manage = client.get(response.location)
    html = manage.get_data(as_text=True)
    assert manage.status_code == 200
    assert "Jo Rivers" in html and "Restorative massage" in html
    assert "You&#39;re booked" in html or "You're booked" in html
    assert "New York time, UTC" in html
    with any_app.app_context():
        booking = db.session.scalar(select(Booking))
        assert booking.status is BookingStatus.confirmed
        assert booking.client_timezone == "America/New_York"
        assert booking.client.pronouns == "they/them"
        assert f"{booking.starts_at.astimezone(ZoneInfo('America/New_York')):%H:%M}" in html


@pytest.fixture
def circle(any_app):
    """A group session for five: a second seat is free whenever a first is taken."""
    with any_app.app_context():
        practitioner = make_practitioner(timezone=PRACTICE_ZONE)
        make_weekly_hours(practitioner)
        return SimpleNamespace(path=service_path(make_service(practitioner, name="Support circle", capacity=5)))


def test_each_confirm_page_carries_a_fresh_submission_key(client, offer):
    form = details_form(client, offer)

    first, second = (page(client.post(form["action"], data=form["fields"])).form("/confirm$") for _ in range(2))

    assert len(first["fields"]["submission"]) >= 16 and len(second["fields"]["submission"]) >= 16
    assert first["fields"]["submission"] != second["fields"]["submission"]


@pytest.mark.parametrize("chosen", ["offer", "circle"], ids=["one-to-one", "group-of-5"])
def test_sending_the_confirm_form_twice_shows_the_booking_already_made(any_app, client, request, chosen):
    """The back button or a double tap: the same confirm form again books no second seat and says nothing is taken."""
    confirm = confirm_form(client, request.getfixturevalue(chosen))
    first = client.post(confirm["action"], data=confirm["fields"])

    again = client.post(confirm["action"], data=confirm["fields"])

    assert (first.status_code, again.status_code) == (303, 303)
    assert again.location == first.location and "/manage/" in again.location
    shown = client.get(again.location)
    assert shown.status_code == 200 and "just taken" not in shown.get_data(as_text=True)
    assert booking_count(any_app) == 1


def test_a_client_booking_again_with_their_email_in_another_case_is_the_same_client(any_app, client, offer):
    # details_form() picks the first free time, so the second booking takes the hour after the first.
    for email in ("Jo.Rivers@Example.org", "jo.rivers@example.ORG"):
        confirm = confirm_form(client, offer, email=email)
        assert client.post(confirm["action"], data=confirm["fields"]).status_code == 303

    with any_app.app_context():
        clients = db.session.scalars(select(Client)).all()
        assert [c.email for c in clients] == ["jo.rivers@example.org"]
        assert db.session.scalars(select(Booking.client_id)).all() == [clients[0].id] * 2


def test_client_can_cancel_from_the_manage_page(any_app, client, offer):
    form = details_form(client, offer)
    confirm = page(client.post(form["action"], data=form["fields"])).form("/confirm$")
    manage_url = manage_path_of(client.post(confirm["action"], data=confirm["fields"]))
    cancel = page(client.get(manage_url)).form("/cancel$")

    response = client.post(cancel["action"], data=cancel["fields"])

    assert response.status_code == 303
    assert urlsplit(response.location).path == urlsplit(manage_url).path
    html = client.get(response.location).get_data(as_text=True)
    assert "This booking is cancelled" in html
    assert "Your booking is cancelled" in html
    assert "Cancel this booking" not in html
    with any_app.app_context():
        booking = db.session.scalar(select(Booking))
        assert booking.status is BookingStatus.cancelled
        assert booking.cancelled_by is ChangedBy.client


def test_cancelling_twice_changes_nothing(any_app, client, offer):
    form = details_form(client, offer)
    confirm = page(client.post(form["action"], data=form["fields"])).form("/confirm$")
    manage_url = manage_path_of(client.post(confirm["action"], data=confirm["fields"]))
    cancel = page(client.get(manage_url)).form("/cancel$")
    client.post(cancel["action"], data=cancel["fields"])
    with any_app.app_context():
        first_cancelled_at = db.session.scalar(select(Booking.cancelled_at))

    again = client.post(cancel["action"], data=cancel["fields"])

    assert again.status_code == 303
    with any_app.app_context():
        assert db.session.scalar(select(Booking.cancelled_at)) == first_cancelled_at


def test_a_cancelled_time_is_offered_again(client, offer):
    form = details_form(client, offer)
    confirm = page(client.post(form["action"], data=form["fields"])).form("/confirm$")
    manage_url = manage_path_of(client.post(confirm["action"], data=confirm["fields"]))
    booked_start = confirm["fields"]["start"]
    day_page = client.get(offer.path, query_string={"day": soon().isoformat()})
    assert booked_start not in [parse_qs(urlsplit(h).query)["start"][0] for h, _ in time_links(day_page)]

    cancel = page(client.get(manage_url)).form("/cancel$")
    client.post(cancel["action"], data=cancel["fields"])

    day_page = client.get(offer.path, query_string={"day": soon().isoformat()})
    assert booked_start in [parse_qs(urlsplit(h).query)["start"][0] for h, _ in time_links(day_page)]


def test_whole_journey_works_with_plain_links_and_forms(any_app, client, offer):
    """No step needs JavaScript: each page links or posts to the next."""
    home = page(client.get("/"))
    service_page = page(client.get(home.link("Restorative massage")))
    zone_form = service_page.form(re.escape(offer.path) + "$")
    assert zone_form["method"] == "get" and "tz" in zone_form["fields"] and zone_form["buttons"]
    in_new_york = page(client.get(zone_form["action"], query_string=zone_form["fields"] | {"tz": "America/New_York"}))
    # The day after tomorrow: clear of the 24-hour cancellation window, so the booking can still be cancelled.
    day_after_tomorrow = f"day={soon('America/New_York').isoformat()}"
    day_page = client.get(next(href for href, text in in_new_york.links if day_after_tomorrow in href and re.search(r"\d+ times?", text)))
    time_page = page(client.get(time_links(day_page)[0][0]))
    details = time_page.form("/details$")
    assert details["method"] == "post" and details["buttons"] == ["submit"]
    assert {"name", "email", "phone", "pronouns", "preferred_name", "note", "start", "timezone"} <= set(details["fields"])
    assert details["fields"]["timezone"] == "America/New_York"

    confirm_page = page(client.post(details["action"], data=details["fields"] | {"name": "Jo", "email": "jo@example.org"}))
    confirm = confirm_page.form("/confirm$")
    # "Confirm booking", and "Change details", which posts the same fields back to the details form.
    assert confirm["method"] == "post" and confirm["buttons"] == ["submit", "submit"]
    booked = client.post(confirm["action"], data=confirm["fields"])
    manage = page(client.get(page(client.get(booked.location)).link("See, move or cancel")))
    cancel = manage.form("/cancel$")
    assert cancel["method"] == "post" and cancel["buttons"] == ["submit"]
    cancelled = page(client.get(client.post(cancel["action"], data=cancel["fields"]).location))

    assert cancelled.link("Book another time")
    with any_app.app_context():
        assert db.session.scalar(select(Booking.status)) is BookingStatus.cancelled


def test_later_dates_link_moves_the_window_two_weeks(client, offer):
    later = page(client.get(offer.path)).link("Later dates")
    first = datetime.now(ZoneInfo(PRACTICE_ZONE)).date() + timedelta(days=14)

    response = client.get(later)

    assert parse_qs(urlsplit(later).query)["from"] == [first.isoformat()]
    day_links = [href for href, _ in page(response).links if "day=" in href]
    assert f"day={first.isoformat()}" in day_links[0]
    assert page(response).link("Earlier dates")


def test_a_service_whose_first_time_is_weeks_away_opens_on_that_day(any_app, client):
    first_session = datetime.now(ZoneInfo(PRACTICE_ZONE)).date() + timedelta(days=30)
    with any_app.app_context():
        practitioner = make_practitioner(timezone=PRACTICE_ZONE)
        circle = make_service(practitioner, name="Remembrance circle", capacity=12, own_hours=True)
        db.session.add(
            DateOverride(
                practitioner_id=practitioner.id, service_id=circle.id, day=first_session,
                start_time=time(19), end_time=time(20, 30),
            )
        )
        db.session.commit()
        path = service_path(circle)

    day_links = [href for href, _ in page(client.get(path, query_string={"tz": PRACTICE_ZONE})).links if "day=" in href]

    assert len(day_links) == 1
    assert f"day={first_session.isoformat()}" in day_links[0]



def test_every_public_page_is_headed_by_the_practices_name(client, offer):
    """The header's brand link names the practice and leads to its page, from the first page to the last."""
    day = {"day": soon().isoformat()}
    details = details_form(client, offer)
    confirm_page = client.post(details["action"], data=details["fields"])
    confirm = page(confirm_page).form("/confirm$")
    manage_path = manage_path_of(client.post(confirm["action"], data=confirm["fields"]))
    new_times = client.get(f"{manage_path}/reschedule", query_string=day)
    new_time_href = next(href for href, _ in page(new_times).links if "/reschedule/confirm?" in href)
    pages = {
        "home": client.get("/"),
        "practice": client.get(f"/book/{offer.practice_slug}"),
        "practitioner": client.get(f"/book/{offer.practice_slug}/{offer.slug}"),
        "service": client.get(offer.path),
        "day": client.get(offer.path, query_string=day),
        "details": client.get(time_links(client.get(offer.path, query_string=day))[0][0]),
        "details refused": client.post(details["action"], data=details["fields"] | {"email": "not an email"}),
        "confirm": confirm_page,
        "manage": client.get(manage_path),
        "new times": new_times,
        "new time confirm": client.get(new_time_href),
    }

    for name, response in pages.items():
        assert response.status_code in (200, 422), name
        assert page(response).brand == ("/book/stillwater", "Stillwater Practice"), name


def test_links_from_before_practices_lead_to_the_same_pages(any_app):
    with any_app.app_context():
        practitioner = make_practitioner(slug="ada-moss", practice_slug="quiet-harbour")
        offered = make_service(practitioner)
        service_id = offered.id
    client = any_app.test_client()

    old_page = client.get("/book/ada-moss")
    old_service = client.get(f"/book/ada-moss/{service_id}")

    assert (old_page.status_code, old_page.headers["Location"]) == (301, "/book/quiet-harbour/ada-moss")
    assert (old_service.status_code, old_service.headers["Location"]) == (301, f"/book/quiet-harbour/ada-moss/{service_id}")
    assert client.get("/book/nobody-at-all").status_code == 404
