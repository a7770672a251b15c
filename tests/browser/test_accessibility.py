"""axe-core finds nothing serious or critical on any public page."""
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

MASSAGE = "Pregnancy-loss recovery massage"
BLOCKING_IMPACTS = {"serious", "critical"}


def _practice(page: Page, service_path) -> None:
    page.goto("/")


def _practitioner(page: Page, service_path) -> None:
    page.goto(service_path(MASSAGE).rsplit("/", 1)[0])


#: The third day offered is at least two days ahead: clear of the practice's 24-hour
#: cancellation window, so the manage page still offers to change and cancel.
BEYOND_THE_WINDOW = 2


def _service_with_times(page: Page, service_path) -> None:
    page.goto(service_path(MASSAGE))
    page.get_by_role("list", name="Choose a day").get_by_role("link").nth(BEYOND_THE_WINDOW).click()
    expect(page.get_by_role("list", name=re.compile(r"^Times on "))).to_be_visible()


def _details(page: Page, service_path) -> None:
    _service_with_times(page, service_path)
    page.get_by_role("list", name=re.compile(r"^Times on ")).get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")


def _details_with_errors(page: Page, service_path) -> None:
    _details(page, service_path)
    page.get_by_role("button", name="Review booking").click()
    expect(page.get_by_role("alert")).to_be_visible()


def _confirm(page: Page, service_path) -> None:
    _details(page, service_path)
    page.get_by_label("Your name").fill("Jo Rivers")
    page.get_by_label("Email", exact=True).fill("jo@example.org")
    page.get_by_role("button", name="Review booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check and confirm")


def _manage_asking_to_cancel(page: Page, service_path) -> None:
    """The manage page with its cancel disclosure open, so axe sees what it hides too."""
    _confirm(page, service_path)
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your booking")
    page.get_by_text("Cancel this booking", exact=True).click()
    expect(page.get_by_role("button", name="Yes, cancel this booking")).to_be_visible()


def _manage_choosing_a_new_time(page: Page, service_path) -> None:
    _manage_asking_to_cancel(page, service_path)
    page.get_by_role("link", name="Change the time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new time")
    page.get_by_role("list", name="Choose a day").get_by_role("link").nth(BEYOND_THE_WINDOW + 1).click()
    expect(page.get_by_role("list", name=re.compile(r"^Times on "))).to_be_visible()


def _manage_confirming_a_new_time(page: Page, service_path) -> None:
    _manage_choosing_a_new_time(page, service_path)
    page.get_by_role("list", name=re.compile(r"^Times on ")).get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the new time")


def _manage_moved(page: Page, service_path) -> None:
    _manage_confirming_a_new_time(page, service_path)
    page.get_by_role("button", name="Move my session").click()
    expect(page.get_by_role("status")).to_contain_text("Your session is now on")


def _manage_cancelled(page: Page, service_path) -> None:
    _manage_asking_to_cancel(page, service_path)
    page.get_by_role("button", name="Yes, cancel this booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This booking is cancelled")


def _not_found(page: Page, service_path) -> None:
    response = page.goto("/book/nobody-here")
    assert response.status == 404


def _login(page: Page, service_path) -> None:
    response = page.goto("/login")
    if response.status == 404:
        pytest.skip("there is no /login page yet")


PAGES = {
    "practice": _practice,
    "practitioner": _practitioner,
    "service-with-times": _service_with_times,
    "details": _details,
    "details-with-errors": _details_with_errors,
    "confirm": _confirm,
    "manage": _manage_asking_to_cancel,
    "manage-new-time": _manage_choosing_a_new_time,
    "manage-confirm-new-time": _manage_confirming_a_new_time,
    "manage-moved": _manage_moved,
    "manage-cancelled": _manage_cancelled,
    "not-found": _not_found,
    "login": _login,
}


def describe(violations: list[dict]) -> str:
    """Enough for a person to find and fix each problem."""
    lines = []
    for violation in violations:
        node = violation["nodes"][0]
        lines.append(
            f"{violation['id']} ({violation['impact']}) on {len(violation['nodes'])} element(s): {violation['help']}\n"
            f"    first at {node['target']}: {node['html']}"
        )
    return "\n".join(lines)


@pytest.mark.parametrize("reach", PAGES.values(), ids=PAGES.keys())
def test_page_has_no_serious_accessibility_problems(open_page, service_path, reach):
    page = open_page()
    reach(page, service_path)

    results = Axe().run(page)

    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core on {page.url}:\n{describe(blocking)}"
