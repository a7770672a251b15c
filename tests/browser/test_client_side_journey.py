"""A client's side, through the pages only: booking from another timezone, a lost link found again by
email, details changed, a late booking cancelled while it may be, and a booking made in Spanish."""
import re
from datetime import datetime, time, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from babel.dates import get_day_names
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from practice.accounts.models import Practice
from practice.booking.models import Booking, BookingStatus
from practice.booking.states import ChangedBy
from practice.catalog.models import Service
from practice.demo import PRACTICE, ZONE
from practice.extensions import db
from practice.scheduling.models import DateOverride
from tests.browser.names import matching, names
from tests.browser.test_accessibility import DESKTOP
from tests.browser.test_client_journey import booking_of
from tests.chromium import PHONE
from tests.notifications.support import wait_until

pytestmark = pytest.mark.browser

MASSAGE = "Pregnancy-loss recovery massage"
NEW_YORK = "America/New_York"
#: The third day offered is at least two days ahead: clear of the practice's 24-hour cancellation window.
BEYOND_THE_WINDOW = 2
#: For people to look at after a run; git ignores test-artifacts/.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
MANAGE_LINK = re.compile(r"https?://\S+/manage/[^\s<\"]+")


@pytest.fixture
def demo_app(make_demo_app, smtp_server, tmp_path):
    """The demo practice sending its email to the test's SMTP server as soon as the request that owes it commits."""
    # OUTBOX_ENQUEUE hands each message to the queue after the commit; tests run queued tasks at once.
    return make_demo_app(**smtp_server.config(), MAIL_FILE_DIR=str(tmp_path / "mail"), OUTBOX_ENQUEUE=True)


@pytest.fixture
def base_url(base_url, demo_app):
    """The live server's address, which the app builds its emailed and shown links from (BASE_URL) too."""
    demo_app.config["BASE_URL"] = base_url
    return base_url


def clock_12(instant: datetime, zone: str) -> str:
    """"3:00 PM": how an American reads the time of `instant` in `zone`."""
    local = instant.astimezone(ZoneInfo(zone))
    return f"{local.hour % 12 or 12}:{local:%M} {local:%p}"


def clock_12_pattern(instant: datetime, zone: str) -> str:
    """clock_12 as a pattern: CLDR puts a narrow no-break space before "PM"."""
    return clock_12(instant, zone).replace(" ", r"\s")


def words(text: str) -> str:
    """`text` with every run of spaces (CLDR's narrow no-break space before AM too), commas and line breaks as one space."""
    return " ".join(text.replace(",", " ").split())


def offered_times(times: Locator) -> list[tuple[datetime, str]]:
    """Each time offered in the list: the instant its link books, and its words as shown."""
    links = times.get_by_role("link").evaluate_all("links => links.map(a => [a.href, a.innerText])")
    return [
        (datetime.fromisoformat(parse_qs(urlsplit(href).query)["start"][0]), words(text)) for href, text in links
    ]


def give_details(page: Page, t=names("en")) -> None:
    """Jo Rivers's name and email on the details page, then on to the confirm step; `t` gives the page's words."""
    page.get_by_label(t("Your name")).fill("Jo Rivers")
    page.get_by_label(t("Email"), exact=True).fill("jo@example.org")
    page.get_by_role("button", name=t("Review booking")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Check and confirm"))


def screenshot(page: Page, name: str) -> None:
    """The whole page, as a phone and as a desktop show it; the page is left phone-sized."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        page.screenshot(path=SCREENSHOTS / f"{name}-{viewport['width']}.png", full_page=True)
    page.set_viewport_size(PHONE)


def open_all_day_until_tomorrow(app, *, min_notice_minutes: int = 60) -> None:
    """The practice takes bookings an hour ahead, and Rowan works all of today and tomorrow (London days):
    whatever day and hour the test runs, the soonest time is less than a day away."""
    with app.app_context():
        practice = db.session.scalars(select(Practice).where(Practice.name == PRACTICE)).one()
        practice.min_notice_minutes = min_notice_minutes
        rowan = db.session.scalars(select(Service).where(Service.name == MASSAGE)).one().practitioner_id
        today = datetime.now(ZoneInfo(ZONE)).date()
        for day in (today, today + timedelta(days=1)):
            db.session.add(DateOverride(practitioner_id=rowan, day=day, start_time=time(0), end_time=time(23, 59)))
        db.session.commit()


def test_a_new_york_client_books_the_london_massage_in_her_own_time(open_page_in, demo_app):
    page = open_page_in("en-US", timezone_id=NEW_YORK, permissions=["clipboard-read", "clipboard-write"])
    page.goto("/book/stillwater")
    page.get_by_role("region", name="Rowan Hale").get_by_role("link", name=MASSAGE).click()
    # timezone.js asks the browser where it is and opens the page again in that zone.
    expect(page).to_have_url(re.compile(r"[?&]tz=America%2FNew_York"))
    page.get_by_role("list", name="Choose a day").get_by_role("link").nth(BEYOND_THE_WINDOW).click()
    times = page.get_by_role("list", name=re.compile(r"^Times on "))
    expect(times).to_be_visible()

    offered = offered_times(times)
    assert offered
    for start, shown in offered:
        assert shown == f"{clock_12(start, NEW_YORK)} {clock_12(start, ZONE)} in London"
    start = offered[0][0]
    times.get_by_role("link").first.click()
    give_details(page)
    page.get_by_role("button", name="Confirm booking").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("You're booked")
    when = page.get_by_role("definition").first
    expect(when).to_contain_text(re.compile(r"\(New York time, UTC−[45]\)"))
    expect(when).to_contain_text(re.compile(rf"\b{clock_12_pattern(start, NEW_YORK)}\b"))
    expect(when).to_contain_text(re.compile(rf"That's {clock_12_pattern(start, ZONE)} in London, where {PRACTICE} is\."))
    calendar = page.get_by_role("region", name="Add to your calendar")
    ics = calendar.get_by_role("link", name="Download a calendar file")
    expect(ics).to_have_attribute("href", re.compile(r"/calendar\.ics$"))
    expect(calendar.get_by_role("link", name="Add to Google Calendar")).to_have_attribute(
        "href", re.compile(r"^https://calendar\.google\.com/")
    )
    expect(calendar.get_by_role("link", name="Add to Outlook.com")).to_have_attribute(
        "href", re.compile(r"^https://outlook\.live\.com/")
    )
    calendar_file = page.request.get(ics.get_attribute("href"))
    assert calendar_file.ok and "BEGIN:VEVENT" in calendar_file.text()
    private_link = page.get_by_role("textbox", name="Your private link")
    expect(private_link).to_have_value(re.compile(r"^http://127\.0\.0\.1:\d+/manage/"))
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("status")).to_have_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == private_link.input_value()
    screenshot(page, "booked")

    page.get_by_role("link", name="See, move or cancel your booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your booking")
    expect(page.get_by_text(re.compile(r"\(New York time, UTC−[45]\)"))).to_be_visible()
    screenshot(page, "manage")
    with demo_app.app_context():
        booking = booking_of("jo@example.org")
        assert (booking.starts_at, booking.client_timezone, booking.locale) == (start, NEW_YORK, "en_US")


def test_a_client_who_lost_her_link_finds_it_again_in_her_email(open_page, demo_booking, smtp_server):
    booked = demo_booking(MASSAGE)
    page = open_page()
    answers = {}
    # Someone who never booked first: the page must answer them exactly as it answers Jo.
    for address in ("someone.else@example.org", "jo@example.org"):
        page.goto("/book/stillwater")
        page.get_by_role("link", name="Lost your link?").click()
        page.get_by_label("Your email address").fill(address)
        page.get_by_role("button", name="Email me my links").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
        answers[address] = page.get_by_role("status").inner_text().replace(address, "<address>")
    assert answers["someone.else@example.org"] == answers["jo@example.org"]

    assert wait_until(lambda: any(r.rcpt_tos == ["jo@example.org"] for r in smtp_server.received))
    (email,) = [r.message for r in smtp_server.received if r.rcpt_tos == ["jo@example.org"]]
    assert not [r for r in smtp_server.received if "someone.else@example.org" in r.rcpt_tos]
    assert email["Subject"] == f"Your bookings with {PRACTICE}"
    (link,) = MANAGE_LINK.findall(email.get_body(("plain",)).get_content())

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your booking")
    assert urlsplit(page.url).path == booked.manage


def test_a_client_changes_the_note_for_her_session_from_the_manage_page(open_page, demo_app, demo_booking):
    booked = demo_booking(MASSAGE)
    note = "Please use the side door; the front steps are hard for me."
    page = open_page()
    page.goto(booked.manage)
    page.get_by_role("link", name="Change your details").click()
    page.get_by_label("Anything you'd like us to know (optional)").fill(note)
    page.get_by_role("button", name="Save my details").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your booking")
    expect(page.get_by_role("status")).to_have_text("Your details are updated.")
    page.get_by_role("link", name="Change your details").click()
    expect(page.get_by_label("Anything you'd like us to know (optional)")).to_have_value(note)
    with demo_app.app_context():
        assert db.session.get(Booking, booked.id).client_note == note


def test_a_client_who_books_less_than_a_day_ahead_may_still_cancel_for_half_an_hour(open_page, demo_app, service_path):
    open_all_day_until_tomorrow(demo_app)
    page = open_page()
    page.goto(service_path(MASSAGE))
    page.get_by_role("list", name="Choose a day").get_by_role("link").first.click()
    page.get_by_role("list", name=re.compile(r"^Times on ")).get_by_role("link").first.click()
    give_details(page)
    expect(page.get_by_text(re.compile(r"^This time is less than 24 hours away: "))).to_be_visible()
    page.get_by_role("button", name="Confirm booking").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("You're booked")
    page.get_by_role("link", name="See, move or cancel your booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your booking")
    expect(page.get_by_text(re.compile(r"^As you booked only a few minutes ago, you can still cancel here until "))).to_be_visible()
    page.get_by_text("Cancel this booking", exact=True).click()
    page.get_by_role("button", name="Yes, cancel this booking").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("This booking is cancelled")
    with demo_app.app_context():
        booking = booking_of("jo@example.org")
        assert booking.starts_at - booking.created_at < timedelta(hours=24)
        assert (booking.status, booking.cancelled_by) == (BookingStatus.cancelled, ChangedBy.client)


def test_a_spanish_speaking_client_books_in_spanish_from_start_to_end(open_page_in, demo_app):
    t = names("es")
    page = open_page_in("es-ES")
    page.goto("/book/stillwater")
    expect(page.locator("html")).to_have_attribute("lang", "es-ES")
    page.get_by_role("region", name="Rowan Hale").get_by_role("link", name=MASSAGE).click()
    page.get_by_role("list", name=t("Choose a day")).get_by_role("link").nth(BEYOND_THE_WINDOW).click()
    times = page.get_by_role("list", name=matching(t("Times on %(day)s")))
    times.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Your details"))
    give_details(page, t)
    page.get_by_role("button", name=t("Confirm booking")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(t("You're booked"))
    expect(page.locator("html")).to_have_attribute("lang", "es-ES")
    weekdays = "|".join(get_day_names("wide", locale="es").values())
    expect(page.get_by_role("definition").first).to_contain_text(re.compile(rf"\b({weekdays})\b", re.IGNORECASE))
    # copy-link.js adds its button in the page's words too.
    expect(page.get_by_role("button", name=t("Copy link"))).to_be_visible()
    with demo_app.app_context():
        assert booking_of("jo@example.org").locale == "es_ES"
