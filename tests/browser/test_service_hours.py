"""A practitioner gives the demo circle another dated session on a phone; the page stays accessible."""
import re
from datetime import date, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.test_client_journey import assert_fits_the_phone

pytestmark = pytest.mark.browser

CIRCLE = "Monthly remembrance circle"
BLOCKING_IMPACTS = {"serious", "critical"}


def assert_no_serious_axe_problems(page: Page) -> None:
    violations = Axe().run(page).response["violations"]
    blocking = [f"{v['id']}: {v['help']} at {v['nodes'][0]['target']}" for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core on {page.url}: {blocking}"


def test_practitioner_adds_a_circle_session_on_a_phone(open_page, log_in):
    page = open_page()
    log_in(page, "imogen@stillwater.example")
    page.goto("/admin/services")
    page.get_by_role("link", name=f"Times: {CIRCLE}").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Times for {CIRCLE}")
    expect(page.get_by_label("Offer this service only at its own times")).to_be_checked()
    assert_fits_the_phone(page)
    assert_no_serious_axe_problems(page)

    day = date.today() + timedelta(days=20)
    while day.day <= 7:  # not a first Thursday, which already has the demo's session
        day += timedelta(days=1)
    form = page.locator("form", has=page.get_by_role("heading", name="Add a session"))
    form.get_by_label("Date").fill(day.isoformat())
    form.get_by_label("From").fill("19:00")
    form.get_by_label("Until").fill("20:00")
    form.get_by_role("button", name="Add session").click()

    expect(page.get_by_role("alert").first).to_contain_text("That wasn't saved")
    expect(page.get_by_label("Until")).to_have_accessible_description(re.compile("lasts 90 minutes"))
    assert_fits_the_phone(page)
    assert_no_serious_axe_problems(page)

    form = page.locator("form", has=page.get_by_role("heading", name="Add a session"))
    form.get_by_label("Until").fill("20:30")
    form.get_by_role("button", name="Add session").click()

    expect(page.get_by_text(re.compile(r"Added a session of Monthly remembrance circle"))).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^Remove the session on .* 19:00 to 20:30$"))).to_have_count(4)
    assert_fits_the_phone(page)
