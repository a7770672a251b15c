"""A client pays a deposit on Stripe's page and later cancels for a refund; the practitioner refunds part of another payment."""
import re
from datetime import datetime, timezone

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from practice.payments import service as payments_service
from practice.payments.service import HANDLED_EVENTS
from tests.browser.test_accessibility import BLOCKING_IMPACTS, describe
from tests.live_server import serving

pytestmark = pytest.mark.browser

MASSAGE = "Pregnancy-loss recovery massage"
GRIEF = "Grief counseling after pregnancy loss"
SECRET = "whsec_browser_journey"
BEYOND_THE_WINDOW = 3


@pytest.fixture
def paying_demo(make_app, stripe_server):
    """The demo practice taking payments through the Stripe test server; its URL."""
    app = make_app(
        SERVER_NAME=None,
        STRIPE_SECRET_KEY=stripe_server.api_key,
        STRIPE_WEBHOOK_SECRET=SECRET,
        STRIPE_API_BASE=stripe_server.url,
        STRIPE_CHECKOUT_ORIGIN=stripe_server.url,
    )
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    with serving(app) as url:
        app.config["BASE_URL"] = url
        stripe_server.register_webhook(f"{url}/stripe/webhook", SECRET, sorted(HANDLED_EVENTS))
        yield app, url


@pytest.fixture
def page_on(browser, paying_demo):
    _, url = paying_demo
    context = browser.new_context(base_url=url, viewport={"width": 360, "height": 740}, timezone_id="Europe/London", locale="en-GB")
    context.set_default_timeout(8_000)
    yield context.new_page()
    context.close()


def no_serious_problems(page: Page) -> None:
    blocking = [v for v in Axe().run(page).response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core on {page.url}:\n{describe(blocking)}"


def choose_a_time(page: Page, service: str) -> None:
    page.goto("/book/stillwater")
    page.get_by_role("link", name=service).click()
    page.get_by_role("list", name="Choose a day").get_by_role("link").nth(BEYOND_THE_WINDOW).click()
    page.get_by_role("list", name=re.compile(r"^Times on ")).get_by_role("link").first.click()
    page.get_by_label("Your name").fill("Jo Rivers")
    page.get_by_label("Email", exact=True).fill("jo@example.org")
    page.get_by_role("button", name="Review booking").click()


def test_client_pays_a_deposit_then_cancels_and_is_refunded(page_on: Page, paying_demo):
    app, _ = paying_demo
    page = page_on
    choose_a_time(page, MASSAGE)
    expect(page.get_by_role("region", name="Payment")).to_contain_text("deposit of £20.00 now, and £45.00 at your visit")
    no_serious_problems(page)

    page.get_by_role("button", name="Confirm and pay").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay 20.00 GBP")
    page.get_by_role("button", name="Pay", exact=True).click()

    expect(page.get_by_role("status").first).to_contain_text("You're booked, and your payment is received")
    expect(page.get_by_role("region", name="Payment")).to_contain_text("You paid £20.00")
    no_serious_problems(page)

    page.get_by_text("Cancel this booking", exact=True).click()
    expect(page.get_by_text("Cancelling now refunds £20.00")).to_be_visible()
    page.get_by_role("button", name="Yes, cancel this booking").click()
    with app.app_context():
        payments_service.issue_owed_refunds(now=datetime.now(timezone.utc))
    page.reload()
    expect(page.get_by_role("region", name="Payment")).to_contain_text("Refunded £20.00")


def test_client_who_does_not_pay_can_let_the_time_go(page_on: Page):
    page = page_on
    choose_a_time(page, MASSAGE)
    page.get_by_role("button", name="Confirm and pay").click()
    page.get_by_role("link", name="Back").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("You haven't paid yet")
    no_serious_problems(page)
    page.get_by_role("button", name="Let this time go and choose another").click()
    expect(page.get_by_role("list", name="Choose a day")).to_be_visible()


def test_practitioner_refunds_part_of_a_sliding_scale_payment(page_on: Page, paying_demo, log_in):
    page = page_on
    choose_a_time(page, GRIEF)
    page.get_by_label("What you'll pay (GBP)").fill("40.00")
    page.get_by_role("button", name="Confirm and pay").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay 40.00 GBP")
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.get_by_role("region", name="Payment")).to_contain_text("You paid £40.00")

    log_in(page, "imogen@stillwater.example")
    page.get_by_role("link", name="Payments").click()
    no_serious_problems(page)
    page.get_by_role("link", name=re.compile("Jo Rivers")).first.click()
    page.get_by_text("Make a refund").click()
    page.get_by_label(re.compile("^Amount to refund")).fill("15.00")
    page.get_by_role("button", name="Refund").click()

    expect(page.get_by_text("Refunded £15.00.")).to_be_visible()
    no_serious_problems(page)
