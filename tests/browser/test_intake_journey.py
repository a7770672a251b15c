"""A client fills the grief form on a phone, closes the page half-way, comes back by the link and sends it."""
from datetime import datetime, time, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from practice.booking.service import manage_token
from practice.catalog.models import Service
from practice.demo import ZONE
from practice.extensions import db
from practice.intake import service
from practice.intake.models import IntakeResponse
from tests.browser.test_client_journey import assert_fits_the_phone
from tests.factories import make_booking

pytestmark = pytest.mark.browser

GRIEF = "Grief counseling after pregnancy loss"


def booking_asking_for(app, service_name: str, template: str, client_email: str = "jo@example.org") -> SimpleNamespace:
    """A booking of the demo service five days ahead, whose service asks for the `template` form (added
    unless the demo already asks for one): its id, manage and intake paths, and the form's id."""
    with app.app_context():
        now = datetime.now(timezone.utc)
        offered = db.session.scalars(select(Service).where(Service.name == service_name)).one()
        form = next((f for f in service.forms_for_service(offered.id) if f.template == template), None)
        if form is None:
            form = service.create_form(offered.practitioner, template=template, now=now)
            service.set_services_asking(form, [offered.id])
        day = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=5)
        starts_at = datetime.combine(day, time(11), ZoneInfo(ZONE)).astimezone(timezone.utc)
        booking = make_booking(offered, starts_at, client_name="Jo Rivers", client_email=client_email)
        return SimpleNamespace(
            id=booking.id,
            form_id=form.id,
            manage=f"/manage/{manage_token(booking, app.config['SECRET_KEY'])}",
            intake=f"/intake/{service.intake_token(booking)}",
        )


def expect_step(page: Page, heading: str, step: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("progressbar")).to_have_accessible_name(step)


def continue_to(page: Page, heading: str, step: str) -> None:
    page.get_by_role("button", name="Save and continue").click()
    expect_step(page, heading, step)


def test_client_fills_the_grief_form_closes_it_half_way_and_finishes_it_by_the_link(open_page, demo_app):
    booked = booking_asking_for(demo_app, GRIEF, "grief")
    page = open_page()
    page.goto(booked.manage)
    page.get_by_role("region", name="Before your session").get_by_role("link", name="Fill in “Before we meet”").click()

    expect_step(page, "Your loss", "Step 1 of 6")
    assert_fits_the_phone(page)
    own_words = page.get_by_label("In your own words", exact=True)
    expect(own_words).to_be_hidden()
    page.get_by_role("group", name="If you would like to, tell us what happened.").get_by_label("In my own words").check()
    expect(own_words).to_be_visible()
    own_words.fill("Early, at eleven weeks")
    page.get_by_role("group", name="How long ago was it?").get_by_label("2 to 6 weeks ago").check()
    continue_to(page, "The words that feel right", "Step 2 of 6")

    referred = page.get_by_role("group", name="How would you like us to refer to your baby or your loss?")
    referred.get_by_label("By name").check()
    page.get_by_label("The name you gave", exact=True).fill("Juniper")
    continue_to(page, "The people around you", "Step 3 of 6")
    page.get_by_role("group", name="Who is there for you at the moment?").get_by_label("Friends").check()
    page.close()

    # A new page, with nothing of the first but the link from the email.
    page = open_page()
    page.goto(booked.intake)
    expect(page.get_by_role("heading", level=1)).to_have_text("Before your session")
    page.get_by_role("link", name="Continue “Before we meet”").click()
    expect_step(page, "The people around you", "Step 3 of 6")
    page.get_by_role("link", name="Back", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The words that feel right")
    referred = page.get_by_role("group", name="How would you like us to refer to your baby or your loss?")
    expect(referred.get_by_label("By name")).to_be_checked()
    expect(page.get_by_label("The name you gave", exact=True)).to_have_value("Juniper")
    continue_to(page, "The people around you", "Step 3 of 6")

    support = page.get_by_role("group", name="Who is there for you at the moment?")
    support.get_by_label("Prefer not to say").check()
    support.get_by_label("Friends").check()
    # Among checkboxes, "Prefer not to say" stands alone: choosing another answer clears it.
    expect(support.get_by_label("Prefer not to say")).not_to_be_checked()
    page.get_by_role("group", name="Do you have a partner?").get_by_label("Yes", exact=True).check()
    page.get_by_role("group", name="Will someone come to the sessions with you?").get_by_label("Prefer not to say").check()
    continue_to(page, "Earlier losses", "Step 4 of 6")
    page.get_by_role("group", name="Have you had an earlier loss?").get_by_label("No", exact=True).check()
    expect(page.get_by_label("How many, if you would like to say", exact=True)).to_be_hidden()
    continue_to(page, "Sleep and appetite", "Step 5 of 6")
    page.get_by_role("group", name="How has your sleep been lately?").get_by_label("Very different from usual").check()
    continue_to(page, "What you hope for", "Step 6 of 6")
    assert_fits_the_phone(page)
    page.get_by_role("textbox", name="What do you hope our time together might bring?").fill("To say her name out loud")
    consent = page.get_by_role("group", name="How we keep what you write")
    consent.get_by_label("Type your full name").fill("Jo Rivers")
    consent.get_by_label("I agree").check()
    page.get_by_role("button", name="Send to Imogen Reyes").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    expect(page.get_by_text("Your answers to “Before we meet” are sent to Imogen Reyes")).to_be_visible()
    assert_fits_the_phone(page)

    with demo_app.app_context():
        response = db.session.scalars(
            select(IntakeResponse).where(IntakeResponse.booking_id == booked.id, IntakeResponse.form_id == booked.form_id)
        ).one()
        answers = service.answers_of(response)
        assert response.is_submitted
        assert answers["loss_own_words"] == "Early, at eleven weeks"
        assert (answers["referred_as"], answers["baby_name"]) == ("by_name", "Juniper")
        assert answers["support_around"] == ["friends"]
        assert answers["support_person_coming"] == "prefer_not_to_say"
        assert answers["keeping_consent"]["name"] == "Jo Rivers"
        assert "earlier_how_many" not in answers
