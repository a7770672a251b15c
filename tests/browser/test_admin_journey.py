"""The demo practice's owner invites someone and withdraws it, changes the reminder, and finds both in the audit trail."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from practice.accounts.models import Invitation, Practice
from practice.demo import PRACTICE_SLUG
from practice.extensions import db

pytestmark = pytest.mark.browser

NEWCOMER = "sage.okafor@example.org"


def test_owner_manages_the_team_and_settings_and_reads_the_audit_trail(open_page, log_in, demo_app):
    page = open_page()
    log_in(page)
    menu = page.get_by_role("navigation", name="Main")

    menu.get_by_role("link", name="Team", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Team")
    page.get_by_label("Their email address").fill(NEWCOMER)
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text(f"We're emailing an invitation to {NEWCOMER}")
    pending = page.get_by_role("list", name="Waiting to be accepted")
    expect(pending.get_by_role("listitem")).to_have_count(1)
    expect(pending).to_contain_text(NEWCOMER)
    pending.get_by_role("button", name=f"Withdraw invitation to {NEWCOMER}").click()
    expect(page.get_by_role("status")).to_contain_text("The invitation is withdrawn")
    expect(page.get_by_role("list", name="Waiting to be accepted")).to_have_count(0)

    menu.get_by_role("link", name="Practice", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Practice settings")
    expect(page.get_by_label("Reminder email to clients")).to_have_value("24")
    page.get_by_label("Reminder email to clients").select_option(label="2 days before")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_contain_text("The practice's settings are saved.")
    expect(page.get_by_label("Reminder email to clients")).to_have_value("48")

    menu.get_by_role("link", name="Audit", exact=True).click()
    entries = page.get_by_role("table", name="Audit entries").get_by_role("row")
    newest_first = ["Changed practice settings", "Withdrew an invitation", "Sent an invitation", "Logged in"]
    for row, action in enumerate(newest_first, start=1):  # row 0 holds the column headings
        expect(entries.nth(row)).to_contain_text(action)
        expect(entries.nth(row)).to_contain_text("Rowan Hale")
    # Which setting changed, and nothing else: never its value.
    expect(entries.nth(1).get_by_role("cell").nth(3)).to_have_text(re.compile(r"^practice \d+: reminder_hours$"))

    with demo_app.app_context():
        practice = db.session.scalars(select(Practice).where(Practice.slug == PRACTICE_SLUG)).one()
        invitation = db.session.scalars(select(Invitation).where(Invitation.email == NEWCOMER)).one()
        assert practice.reminder_hours == 48
        assert invitation.revoked_at is not None and invitation.accepted_at is None
