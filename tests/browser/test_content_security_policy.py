"""The main public and admin pages run under their Content-Security-Policy without a single violation."""
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

MASSAGE = "Pregnancy-loss recovery massage"
#: Clear of the demo's 24-hour cancellation window, so the manage page offers its changes.
BEYOND_THE_WINDOW = 2
#: Reports every violation in any frame that runs scripts to the test, whatever the page does next.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportPolicyViolation(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline code"} on ${document.location.pathname}`
  );
});
"""

#: Pages that answer with an error status on purpose (sign-up is closed once the demo practice exists).
ERROR_PAGES = {"/signup": 403, "/join/not-an-invitation": 400}


@pytest.fixture
def watched(open_page):
    """A page, and the list of policy violations and console errors or warnings it has met so far."""
    page = open_page()
    problems: list[str] = []
    page.on("console", lambda message: _note_console(message, page, problems))
    page.expose_function("reportPolicyViolation", lambda text: problems.append(text))
    page.add_init_script(REPORT_VIOLATIONS)
    return page, problems


def _note_console(message, page: Page, problems: list[str]) -> None:
    # Chromium asks for /favicon.ico on its own; Tend has none, and that 404 is no page's doing.
    # It also logs the error status of a page that answers with one on purpose.
    path = urlsplit(message.location.get("url", "")).path
    expected = path == "/favicon.ico" or (path in ERROR_PAGES and message.text.startswith("Failed to load resource"))
    if message.type in ("error", "warning") and not expected:
        problems.append(f"console {message.type} on {page.url}: {message.text} ({message.location.get('url')})")


def book_the_massage(page: Page) -> None:
    page.goto("/")
    page.get_by_role("link", name=MASSAGE).click()
    page.get_by_role("list", name="Choose a day").get_by_role("link").nth(BEYOND_THE_WINDOW).click()
    page.get_by_role("list", name=re.compile(r"^Times on ")).get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")
    page.get_by_label("Your name").fill("Jo Rivers")
    page.get_by_label("Email", exact=True).fill("jo@example.org")
    page.get_by_role("button", name="Review booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check and confirm")
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You're booked")
    page.get_by_role("link", name="See, move or cancel your booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your booking")


def test_public_pages_meet_their_policy(watched, service_path):
    page, problems = watched

    book_the_massage(page)
    page.get_by_role("link", name="Change the time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new time")
    page.goto(service_path(MASSAGE) + "?tz=America/Toronto")
    for path in ("/login", "/forgot-password", *ERROR_PAGES):
        response = page.goto(path)
        assert response.status == ERROR_PAGES.get(path, 200)
        expect(page.get_by_role("heading", level=1)).to_be_visible()

    assert problems == []


def test_admin_pages_and_an_email_preview_meet_their_policy(watched, log_in):
    page, problems = watched
    book_the_massage(page)

    log_in(page)
    page.get_by_role("link", name="Jo Rivers").first.click()
    page.get_by_role("link", name="Move to another time").click()
    for path in (
        "/admin/services", "/admin/services/new", "/admin/availability", "/admin/profile",
        "/admin/practice", "/admin/team", "/admin/audit/", "/admin/emails/",
    ):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.get_by_role("link", name=re.compile("confirmation", re.IGNORECASE)).first.click()

    email = page.frame_locator("iframe")
    expect(email.get_by_text("Hello Jo Rivers,")).to_be_visible()
    # The email's inline styles apply inside its frame: its own policy allows them.
    background = email.locator("body").evaluate("body => getComputedStyle(body).backgroundColor")
    assert background == "rgb(244, 242, 238)"
    assert problems == []
