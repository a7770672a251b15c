"""axe-core finds nothing serious or critical on any public page, nor on the owner's admin pages."""
import re
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from practice.booking.models import Booking
from practice.extensions import db
from practice.intake import service as intake_service
from tests.browser.test_intake_journey import GRIEF, booking_asking_for

pytestmark = pytest.mark.browser

MASSAGE = "Pregnancy-loss recovery massage"
BLOCKING_IMPACTS = {"serious", "critical"}


def _practice(page: Page, demo) -> None:
    page.goto("/book/stillwater")
    expect(page.get_by_role("region", name="Imogen Reyes")).to_contain_text("Grief counselor")


def _practitioner(page: Page, demo) -> None:
    page.goto(demo.service_path(MASSAGE).rsplit("/", 1)[0])


#: The third day offered is at least two days ahead: clear of the practice's 24-hour
#: cancellation window, so the manage page still offers to change and cancel.
BEYOND_THE_WINDOW = 2


def _service_with_times(page: Page, demo) -> None:
    page.goto(demo.service_path(MASSAGE))
    page.get_by_role("list", name="Choose a day").get_by_role("link").nth(BEYOND_THE_WINDOW).click()
    expect(page.get_by_role("list", name=re.compile(r"^Times on "))).to_be_visible()


def _details(page: Page, demo) -> None:
    _service_with_times(page, demo)
    page.get_by_role("list", name=re.compile(r"^Times on ")).get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")


def _details_with_errors(page: Page, demo) -> None:
    _details(page, demo)
    page.get_by_role("button", name="Review booking").click()
    expect(page.get_by_role("alert")).to_be_visible()


def _confirm(page: Page, demo) -> None:
    _details(page, demo)
    page.get_by_label("Your name").fill("Jo Rivers")
    page.get_by_label("Email", exact=True).fill("jo@example.org")
    page.get_by_role("button", name="Review booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check and confirm")


def _booked(page: Page, demo) -> None:
    _confirm(page, demo)
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You're booked")


def _manage_asking_to_cancel(page: Page, demo) -> None:
    """The manage page with its cancel disclosure open, so axe sees what it hides too."""
    _booked(page, demo)
    page.get_by_role("link", name="See, move or cancel your booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your booking")
    page.get_by_text("Cancel this booking", exact=True).click()
    expect(page.get_by_role("button", name="Yes, cancel this booking")).to_be_visible()


def _manage_choosing_a_new_time(page: Page, demo) -> None:
    _manage_asking_to_cancel(page, demo)
    page.get_by_role("link", name="Change the time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new time")
    page.get_by_role("list", name="Choose a day").get_by_role("link").nth(BEYOND_THE_WINDOW + 1).click()
    expect(page.get_by_role("list", name=re.compile(r"^Times on "))).to_be_visible()


def _manage_confirming_a_new_time(page: Page, demo) -> None:
    _manage_choosing_a_new_time(page, demo)
    page.get_by_role("list", name=re.compile(r"^Times on ")).get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the new time")


def _manage_moved(page: Page, demo) -> None:
    _manage_confirming_a_new_time(page, demo)
    page.get_by_role("button", name="Move my session").click()
    expect(page.get_by_role("status")).to_contain_text("Your session is now on")


def _manage_cancelled(page: Page, demo) -> None:
    _manage_asking_to_cancel(page, demo)
    page.get_by_role("button", name="Yes, cancel this booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This booking is cancelled")


def _change_details(page: Page, demo) -> None:
    _manage_asking_to_cancel(page, demo)
    page.get_by_role("link", name="Change your details").click()
    expect(page.get_by_role("radio", name="Email only")).to_be_visible()


def _lost_link(page: Page, demo) -> None:
    page.goto("/")
    page.get_by_role("link", name="Lost your link?").click()
    expect(page.get_by_label("Your email address")).to_be_visible()


def _link_not_valid(page: Page, demo) -> None:
    response = page.goto("/manage/not-a-real-link")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("This link doesn't work any more")


def _not_found(page: Page, demo) -> None:
    response = page.goto("/book/nobody-here")
    assert response.status == 404


def _login(page: Page, demo) -> None:
    page.goto("/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in to your practice")


def _signup_closed(page: Page, demo) -> None:
    """With the demo practice in place, sign-up is closed and says how to join instead."""
    response = page.goto("/signup")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Joining is by invitation")


def _invitation(page: Page, demo) -> None:
    page.goto(demo.invitation_path("new.colleague@example.org"))
    expect(page.get_by_label("Choose a password")).to_be_visible()


def _invitation_invalid(page: Page, demo) -> None:
    response = page.goto("/join/not-an-invitation")
    assert response.status == 400
    expect(page.get_by_role("heading", level=1)).to_have_text("This invitation can't be used")


def _practice_settings(page: Page, demo) -> None:
    demo.log_in(page)
    page.goto("/admin/practice")
    expect(page.get_by_role("heading", level=1)).to_have_text("Practice settings")


def _practice_settings_with_errors(page: Page, demo) -> None:
    _practice_settings(page, demo)
    page.get_by_label("Minimum notice for a booking, in minutes").fill("50000")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("alert")).to_be_visible()


def _team_with_a_pending_invitation(page: Page, demo) -> None:
    demo.invitation_path("new.colleague@example.org")
    demo.log_in(page)
    page.goto("/admin/team")
    expect(page.get_by_role("button", name="Withdraw invitation to new.colleague@example.org")).to_be_visible()


def _audit(page: Page, demo) -> None:
    demo.log_in(page)
    page.goto("/admin/audit/")
    expect(page.get_by_role("table", name="Audit entries")).to_contain_text("Logged in")


def _intake_forms(page: Page, demo) -> None:
    page.goto(demo.intake("grief").intake)
    expect(page.get_by_role("heading", level=1)).to_have_text("Before your session")


def _intake_question(page: Page, demo) -> None:
    """The grief form's first page, its question shown only after "In my own words" revealed."""
    _intake_forms(page, demo)
    page.get_by_role("link", name="Start “Before we meet”").click()
    page.get_by_role("group", name="If you would like to, tell us what happened.").get_by_label("In my own words").check()
    expect(page.get_by_label("In your own words", exact=True)).to_be_visible()


def _intake_question_with_errors(page: Page, demo) -> None:
    _intake_question(page, demo)
    page.get_by_label("In your own words", exact=True).fill("x" * 4001)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Please keep this to 4,000 characters")


def _intake_scale(page: Page, demo) -> None:
    """The massage form's second page: a 0–10 scale with words at its ends, and checkbox groups."""
    booked = demo.intake("massage", service_name=MASSAGE)
    page.goto(f"{booked.intake}/{booked.form_id}")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("group", name="How much pain are you in at the moment?")).to_be_visible()


def _intake_sent_with_crisis_resources(page: Page, demo) -> None:
    """The EPDS sent with item 10 above zero: the thanks, below the practice's crisis resources."""
    booked = demo.intake("epds", answered=({"q-epds_1": ["0"]}, {"q-epds_10": ["1"]}))
    page.goto(f"{booked.intake}/{booked.form_id}/sent")
    expect(page.get_by_role("region", name="If you need support right now")).to_be_visible()


PAGES = {
    "practice": _practice,
    "practitioner": _practitioner,
    "service-with-times": _service_with_times,
    "details": _details,
    "details-with-errors": _details_with_errors,
    "confirm": _confirm,
    "booked": _booked,
    "manage": _manage_asking_to_cancel,
    "change-details": _change_details,
    "lost-link": _lost_link,
    "link-not-valid": _link_not_valid,
    "manage-new-time": _manage_choosing_a_new_time,
    "manage-confirm-new-time": _manage_confirming_a_new_time,
    "manage-moved": _manage_moved,
    "manage-cancelled": _manage_cancelled,
    "not-found": _not_found,
    "login": _login,
    "signup-closed": _signup_closed,
    "invitation": _invitation,
    "invitation-invalid": _invitation_invalid,
    "practice-settings": _practice_settings,
    "practice-settings-with-errors": _practice_settings_with_errors,
    "team": _team_with_a_pending_invitation,
    "audit": _audit,
    "intake-forms": _intake_forms,
    "intake-question": _intake_question,
    "intake-question-with-errors": _intake_question_with_errors,
    "intake-scale": _intake_scale,
    "intake-sent-with-crisis-resources": _intake_sent_with_crisis_resources,
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


@pytest.fixture
def intake(demo_app):
    """intake(template, service_name=GRIEF, answered=()) → a demo booking whose service asks for the form,
    with `answered` pages of it already saved (all of them: it is sent)."""

    def booked(template: str, service_name: str = GRIEF, answered: tuple[dict, ...] = ()) -> SimpleNamespace:
        found = booking_asking_for(demo_app, service_name, template)
        with demo_app.app_context():
            booking = db.session.get(Booking, found.id)
            for step, posted in enumerate(answered):
                intake_service.save_page(booking, found.form_id, step, posted, now=datetime.now(timezone.utc))
        return found

    return booked


@pytest.fixture
def demo(service_path, invitation_path, log_in, intake):
    """What the pages need to reach into the demo practice."""
    return SimpleNamespace(service_path=service_path, invitation_path=invitation_path, log_in=log_in, intake=intake)


@pytest.mark.parametrize("reach", PAGES.values(), ids=PAGES.keys())
def test_page_has_no_serious_accessibility_problems(open_page, demo, reach):
    page = open_page()
    reach(page, demo)

    results = Axe().run(page)

    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core on {page.url}:\n{describe(blocking)}"
