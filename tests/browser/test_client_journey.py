"""A client books and cancels the demo massage on a phone, through the pages only."""
import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from practice.booking.models import Booking, BookingStatus
from practice.clients.models import Client
from practice.extensions import db
from practice.booking.states import ChangedBy

pytestmark = pytest.mark.browser

MASSAGE = "Pregnancy-loss recovery massage"
#: The third day offered is at least two days ahead: clear of the practice's 24-hour
#: cancellation window, so the booking can still be changed from its page.
BEYOND_THE_WINDOW = 2


def booking_of(email: str) -> Booking | None:
    """The demo booking made for the client with this email; call inside the app context."""
    return db.session.scalar(select(Booking).join(Booking.client).where(Client.email == email))


def assert_fits_the_phone(page: Page) -> None:
    """Nothing on the page makes the phone's screen scroll sideways."""
    screen = page.viewport_size["width"]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= screen, f"{page.url} is {width}px wide on a {screen}px phone"


def test_client_books_and_cancels_the_massage_on_a_phone(open_page, demo_app):
    page = open_page()
    assert page.viewport_size == {"width": 360, "height": 740}
    page.goto("/book/stillwater")
    expect(page).to_have_title(re.compile("Stillwater Practice"))
    expect(page.get_by_role("region", name="Rowan Hale")).to_contain_text("Massage therapist")
    expect(page.get_by_role("region", name="Imogen Reyes")).to_contain_text("Grief counselor")
    assert_fits_the_phone(page)

    page.get_by_role("region", name="Rowan Hale").get_by_role("link", name=MASSAGE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(MASSAGE)
    assert_fits_the_phone(page)

    page.get_by_role("list", name="Choose a day").get_by_role("link").nth(BEYOND_THE_WINDOW).click()
    times = page.get_by_role("list", name=re.compile(r"^Times on "))
    expect(times).to_be_visible()
    assert_fits_the_phone(page)
    first_time = times.get_by_role("link").first
    chosen = first_time.inner_text().strip()
    assert re.fullmatch(r"\d\d:\d\d", chosen)
    first_time.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")
    assert_fits_the_phone(page)
    page.get_by_label("Your name").fill("Jo Rivers")
    page.get_by_label("Email", exact=True).fill("jo@example.org")
    page.get_by_label("Pronouns (optional)").fill("they/them")
    page.get_by_role("button", name="Review booking").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check and confirm")
    expect(page.get_by_text("they/them")).to_be_visible()
    assert_fits_the_phone(page)
    page.get_by_role("button", name="Confirm booking").click()

    expect(page).to_have_url(re.compile(r"/manage/.*/booked$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("You're booked")
    expect(page.get_by_text(re.compile(rf"at {chosen}\b")).first).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Google Calendar"))).to_be_visible()
    assert_fits_the_phone(page)
    page.get_by_role("link", name="See, move or cancel your booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your booking")
    assert_fits_the_phone(page)
    page.get_by_text("Cancel this booking", exact=True).click()
    page.get_by_role("button", name="Yes, cancel this booking").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("This booking is cancelled")
    expect(page.get_by_role("status")).to_contain_text("Your booking is cancelled")
    assert_fits_the_phone(page)

    with demo_app.app_context():
        booking = booking_of("jo@example.org")
        assert booking is not None
        assert booking.status is BookingStatus.cancelled
        assert booking.cancelled_by is ChangedBy.client
        assert booking.service.name == MASSAGE
        assert (booking.client.name, booking.client.pronouns) == ("Jo Rivers", "they/them")


def test_times_follow_the_visitors_own_timezone(open_page, service_path):
    page = open_page(timezone_id="America/New_York")
    page.goto(service_path(MASSAGE))

    expect(page).to_have_url(re.compile(r"[?&]tz=America%2FNew_York"))
    expect(page.get_by_label("Show times in")).to_have_value("America/New_York")


def test_client_moves_the_massage_to_another_time_on_a_phone(open_page, demo_app):
    page = open_page()
    page.goto("/")
    page.get_by_role("link", name=MASSAGE).click()
    page.get_by_role("list", name="Choose a day").get_by_role("link").nth(BEYOND_THE_WINDOW).click()
    page.get_by_role("list", name=re.compile(r"^Times on ")).get_by_role("link").first.click()
    page.get_by_label("Your name").fill("Jo Rivers")
    page.get_by_label("Email", exact=True).fill("jo@example.org")
    page.get_by_role("button", name="Review booking").click()
    page.get_by_role("button", name="Confirm booking").click()
    page.get_by_role("link", name="See, move or cancel your booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your booking")
    manage_url = page.url

    page.get_by_role("link", name="Change the time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new time")
    assert_fits_the_phone(page)
    page.get_by_role("list", name="Choose a day").get_by_role("link").nth(BEYOND_THE_WINDOW + 1).click()
    times = page.get_by_role("list", name=re.compile(r"^Times on "))
    expect(times).to_be_visible()
    assert_fits_the_phone(page)
    new_time = times.get_by_role("link").last
    chosen = new_time.inner_text().strip()
    new_time.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check the new time")
    assert_fits_the_phone(page)
    page.get_by_role("button", name="Move my session").click()

    expect(page).to_have_url(manage_url)
    expect(page.get_by_role("status")).to_contain_text(f"at {chosen}")
    expect(page.get_by_role("link", name="Change the time")).to_be_visible()
    assert_fits_the_phone(page)
    with demo_app.app_context():
        booking = booking_of("jo@example.org")
        assert (booking.status, booking.sequence) == (BookingStatus.confirmed, 1)
