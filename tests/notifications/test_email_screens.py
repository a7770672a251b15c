"""Every email rendered at phone width in Chromium: saved as a PNG to look at, and never wider than the screen."""
from pathlib import Path

import pytest

from practice.catalog.models import LocationKind
from practice.notifications.models import MessageKind
from tests.chromium import PHONE
from tests.factories import make_service
from tests.notifications.email_samples import make_booked, make_stillwater, owe_every_kind

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "emails"
LONG_VIDEO_LINK = "https://meet.example.org/stillwater-practice/imogen-reyes/a-very-long-room-name-0123456789abcdef"


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    context.set_default_timeout(5_000)
    yield context.new_page()
    context.close()


def discreet_emails(app):
    with app.app_context():
        return owe_every_kind(make_booked())


def named_emails_with_a_long_video_link(app):
    with app.app_context():
        practitioner = make_stillwater(
            practice_name="The Stillwater Practice for Bodywork and Bereavement Support",
            discreet_emails=False,
            accent_colour="#5b2a86",
        )
        by_video = make_service(
            practitioner,
            name="Grief counseling after pregnancy loss",
            location_kind=LocationKind.video,
            location_detail=LONG_VIDEO_LINK,
        )
        return owe_every_kind(make_booked(practitioner, service=by_video, client_email="a.very.long.address.indeed@example.org"))


@pytest.mark.parametrize("variant", [discreet_emails, named_emails_with_a_long_video_link], ids=["discreet", "named-video"])
def test_every_email_fits_a_phone_screen(app, phone, variant):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    emails = variant(app)

    too_wide = {}
    for kind in MessageKind:
        phone.set_content(emails[kind].html)
        phone.screenshot(path=ARTIFACTS / f"{variant.__name__}-{kind.value}.png", full_page=True)
        width = phone.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[kind.value] = width

    assert too_wide == {}


def test_the_button_text_is_large_enough_to_tap_and_read(app, phone):
    emails = discreet_emails(app)
    phone.set_content(emails[MessageKind.booking_confirmed].html)

    button = phone.get_by_role("link", name="View or change your booking")
    box = button.bounding_box()

    assert box["height"] >= 44
    assert phone.evaluate("getComputedStyle(document.querySelector('h1')).fontSize") == "24px"
