"""axe-core finds no WCAG 2.2 AA problem on any client page, in English and in Spanish, on a phone and on a
desktop; and nothing serious or critical on the practitioners' own pages."""
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from practice.booking.models import Booking
from practice.extensions import db
from practice.intake import service as intake_service
from tests.browser.names import BROWSER_LOCALES, matching, names
from tests.browser.test_intake_journey import GRIEF, booking_asking_for
from tests.chromium import PHONE

pytestmark = pytest.mark.browser

MASSAGE = "Pregnancy-loss recovery massage"
BLOCKING_IMPACTS = {"serious", "critical"}
#: Every WCAG 2.0, 2.1 and 2.2 rule at levels A and AA, and nothing else: axe's best practices
#: are advice, these are the standard the client pages are held to, at any impact.
WCAG_22_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "resultTypes": ["violations"],
}
DESKTOP = {"width": 1280, "height": 800}


def _practice(page: Page, demo) -> None:
    page.goto("/book/stillwater")
    expect(page.get_by_role("region", name="Imogen Reyes")).to_contain_text("Grief counselor")


def _practitioner(page: Page, demo) -> None:
    page.goto(demo.service_path(MASSAGE).rsplit("/", 1)[0])


#: The third day offered is at least two days ahead: clear of the practice's 24-hour
#: cancellation window, so the manage page still offers to change and cancel.
BEYOND_THE_WINDOW = 2


def _times(page: Page, demo):
    return page.get_by_role("list", name=matching(demo.t("Times on %(day)s")))


def _service_with_times(page: Page, demo) -> None:
    page.goto(demo.service_path(MASSAGE))
    page.get_by_role("list", name=demo.t("Choose a day")).get_by_role("link").nth(BEYOND_THE_WINDOW).click()
    expect(_times(page, demo)).to_be_visible()


def _details(page: Page, demo) -> None:
    _service_with_times(page, demo)
    _times(page, demo).get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.t("Your details"))


def _details_with_errors(page: Page, demo) -> None:
    _details(page, demo)
    page.get_by_role("button", name=demo.t("Review booking")).click()
    expect(page.get_by_role("alert")).to_be_visible()


def _confirm(page: Page, demo) -> None:
    _details(page, demo)
    page.get_by_label(demo.t("Your name")).fill("Jo Rivers")
    page.get_by_label(demo.t("Email"), exact=True).fill("jo@example.org")
    page.get_by_role("button", name=demo.t("Review booking")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.t("Check and confirm"))


def _booked(page: Page, demo) -> None:
    _confirm(page, demo)
    page.get_by_role("button", name=demo.t("Confirm booking")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.t("You're booked"))


def _manage_asking_to_cancel(page: Page, demo) -> None:
    """The manage page with its cancel disclosure open, so axe sees what it hides too.

    Opened by the link of a booking the practice entered: booking through the pages takes five
    more of them, and "booked" already walks those.
    """
    page.goto(demo.booking(MASSAGE).manage)
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.t("Your booking"))
    page.get_by_text(demo.t("Cancel this booking"), exact=True).click()
    expect(page.get_by_role("button", name=demo.t("Yes, cancel this booking"))).to_be_visible()


def _manage_choosing_a_new_time(page: Page, demo) -> None:
    _manage_asking_to_cancel(page, demo)
    page.get_by_role("link", name=demo.t("Change the time")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.t("Choose a new time"))
    page.get_by_role("list", name=demo.t("Choose a day")).get_by_role("link").nth(BEYOND_THE_WINDOW + 1).click()
    expect(_times(page, demo)).to_be_visible()


def _manage_confirming_a_new_time(page: Page, demo) -> None:
    _manage_choosing_a_new_time(page, demo)
    _times(page, demo).get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.t("Check the new time"))


def _manage_moved(page: Page, demo) -> None:
    _manage_confirming_a_new_time(page, demo)
    page.get_by_role("button", name=demo.t("Move my session")).click()
    moved = demo.t("Your session is now on %(when)s. We'll email you the new time, too.")
    expect(page.get_by_role("status")).to_have_text(matching(moved))


def _manage_cancelled(page: Page, demo) -> None:
    _manage_asking_to_cancel(page, demo)
    page.get_by_role("button", name=demo.t("Yes, cancel this booking")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.t("This booking is cancelled"))


def _change_details(page: Page, demo) -> None:
    _manage_asking_to_cancel(page, demo)
    page.get_by_role("link", name=demo.t("Change your details")).click()
    expect(page.get_by_role("radio", name=demo.t("Email only"))).to_be_visible()


def _your_data(page: Page, demo) -> None:
    page.goto(demo.booking(MASSAGE).manage)
    page.get_by_role("link", name=demo.t("See what we keep about you")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.t("Your information"))


def _erasure(page: Page, demo) -> None:
    page.goto(demo.booking(MASSAGE).manage)
    page.get_by_role("link", name=demo.t("Ask for your information to be erased")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.t("Erasing your information"))
    expect(page.get_by_role("button", name=demo.t("Ask for my information to be erased"))).to_be_visible()


def _lost_link(page: Page, demo) -> None:
    page.goto("/")
    page.get_by_role("link", name=demo.t("Lost your link?")).click()
    expect(page.get_by_label(demo.t("Your email address"))).to_be_visible()


def _link_not_valid(page: Page, demo) -> None:
    response = page.goto("/manage/not-a-real-link")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.t("This link doesn't work any more"))


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
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.t("Before your session"))


def _intake_question(page: Page, demo) -> None:
    """The grief form's first page, its question shown only after "In my own words" revealed.

    The form's title, questions and choices are the practitioner's words, in the language she wrote them in.
    """
    _intake_forms(page, demo)
    page.get_by_role("listitem").filter(has=page.get_by_role("heading", name="Before we meet")).get_by_role("link").click()
    page.get_by_role("group", name="If you would like to, tell us what happened.").get_by_label("In my own words").check()
    expect(page.get_by_label("In your own words", exact=True)).to_be_visible()


def _intake_question_with_errors(page: Page, demo) -> None:
    _intake_question(page, demo)
    page.get_by_label("In your own words", exact=True).fill("x" * 4001)
    page.get_by_role("button", name=demo.t("Save and continue")).click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("In your own words", exact=True)).to_have_attribute("aria-invalid", "true")


def _intake_scale(page: Page, demo) -> None:
    """The massage form's second page: a 0–10 scale with words at its ends, and checkbox groups."""
    booked = demo.intake("massage", service_name=MASSAGE)
    page.goto(f"{booked.intake}/{booked.form_id}")
    page.get_by_role("button", name=demo.t("Save and continue")).click()
    expect(page.get_by_role("group", name="How much pain are you in at the moment?")).to_be_visible()


def _intake_sent_with_crisis_resources(page: Page, demo) -> None:
    """The EPDS sent with item 10 above zero: the thanks, below the practice's crisis resources."""
    booked = demo.intake("epds", answered=({"q-epds_1": ["0"]}, {"q-epds_10": ["1"]}))
    page.goto(f"{booked.intake}/{booked.form_id}/sent")
    expect(page.get_by_role("region", name=demo.t("If you need support right now"))).to_be_visible()


#: What a client sees: booking, managing, recovering a link, their information, and the forms before a session.
CLIENT_PAGES = {
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
    "your-data": _your_data,
    "erasure": _erasure,
    "not-found": _not_found,
    "intake-forms": _intake_forms,
    "intake-question": _intake_question,
    "intake-question-with-errors": _intake_question_with_errors,
    "intake-scale": _intake_scale,
    "intake-sent-with-crisis-resources": _intake_sent_with_crisis_resources,
}
#: What practitioners see, in English only for now.
PRACTITIONER_PAGES = {
    "login": _login,
    "signup-closed": _signup_closed,
    "invitation": _invitation,
    "invitation-invalid": _invitation_invalid,
    "practice-settings": _practice_settings,
    "practice-settings-with-errors": _practice_settings_with_errors,
    "team": _team_with_a_pending_invitation,
    "audit": _audit,
}


def describe(violations: list[dict]) -> str:
    """Enough for a person to find and fix each problem."""
    lines = []
    for violation in violations:
        node = violation["nodes"][0]
        lines.append(
            f"{violation['id']} ({violation['impact']}) on {len(violation['nodes'])} element(s): {violation['help']}\n"
            f"    first at {node['target']}: {node['html']}\n"
            f"    {node.get('failureSummary', '')}".rstrip()
        )
    return "\n".join(lines)


@pytest.fixture
def demo_app(make_demo_app):
    """The demo practice, copied from the session's one seeding: this module opens over fifty pages."""
    return make_demo_app()


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
def lang() -> str:
    """The language the pages are read in: English, unless a test is parametrized over BROWSER_LOCALES."""
    return "en"


@pytest.fixture
def demo(service_path, invitation_path, log_in, intake, demo_booking, lang):
    """What the pages need to reach into the demo practice, and `t`: the words to find things by, in `lang`."""
    return SimpleNamespace(
        service_path=service_path, invitation_path=invitation_path, log_in=log_in, intake=intake,
        booking=demo_booking, t=names(lang),
    )


@pytest.mark.parametrize("lang", BROWSER_LOCALES)
@pytest.mark.parametrize("reach", CLIENT_PAGES.values(), ids=CLIENT_PAGES.keys())
def test_client_page_meets_wcag_2_2_aa_on_a_phone_and_a_desktop(open_page_in, demo, reach, lang):
    page = open_page_in(BROWSER_LOCALES[lang])
    reach(page, demo)
    expect(page.locator("html")).to_have_attribute("lang", BROWSER_LOCALES[lang])

    problems = []
    # The same page, laid out again wider: no second visit, so one reach serves both scans.
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        violations = Axe().run(page, options=WCAG_22_AA).response["violations"]
        if violations:
            problems.append(f"{viewport['width']} px wide:\n{describe(violations)}")

    assert not problems, f"axe-core on {page.url}, in {BROWSER_LOCALES[lang]}:\n" + "\n".join(problems)


@pytest.mark.parametrize("reach", PRACTITIONER_PAGES.values(), ids=PRACTITIONER_PAGES.keys())
def test_practitioner_page_has_no_serious_accessibility_problems(open_page, demo, reach):
    page = open_page()
    reach(page, demo)

    results = Axe().run(page)

    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core on {page.url}:\n{describe(blocking)}"
