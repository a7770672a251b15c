"""The practice's settings page: the owner's alone; policies, discretion, accent colour, crisis resources."""
import pytest
from sqlalchemy import select

from practice.accounts import practice_settings
from practice.accounts.models import DEFAULT_CRISIS_RESOURCES, Practice
from practice.extensions import db
from practice.security.models import AuditAction, AuditEvent
from tests.factories import make_practitioner

SETTINGS = {
    "name": "Stillwater Practice",
    "slug": "stillwater",
    "timezone": "Europe/London",
    "contact_email": "hello@stillwater.example",
    "address": "14 Alder Lane, Bristol",
    "min_notice_minutes": "720",
    "max_advance_days": "60",
    "cancellation_window_hours": "24",
    "reminder_hours": "24",
    "discreet_emails": "y",
    "accent_colour": "#2f6b5a",
    "crisis_resources": "",
    "retention_years": "7",
    "currency": "GBP",
}


def saved(app, practice_id: int) -> Practice:
    with app.app_context():
        found = db.session.get(Practice, practice_id)
        db.session.expunge(found)
        return found


def post_settings(client, **changes):
    return client.post("/admin/practice", data={**SETTINGS, **changes})


def test_the_settings_page_shows_the_settings_with_a_hint_about_discretion(client, logged_in):
    page = client.get("/admin/practice").data.decode()

    assert '<option selected value="24">1 day before</option>' in page
    assert 'name="cancellation_window_hours"' in page and 'value="24"' in page
    assert 'type="checkbox"' in page and "Keep emails and calendar entries discreet" in page
    assert "often shared with a partner or family" in page
    assert 'type="color"' in page and 'value="#2f6b5a"' in page
    assert "call your local emergency number" in page


def test_settings_are_saved_and_the_change_is_audited_by_name_only(app, client, logged_in):
    response = post_settings(
        client, reminder_hours="48", cancellation_window_hours="72", discreet_emails="", accent_colour="#5B2A86",
        address="2 Quiet Row",
    )

    assert response.status_code == 303
    practice = saved(app, logged_in.practice_id)
    assert (practice.reminder_hours, practice.cancellation_window_hours, practice.discreet_emails, practice.accent_colour) == (
        48, 72, False, "#5b2a86",
    )
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == AuditAction.settings_changed))
        assert "cancellation_window_hours" in event.detail and "address" in event.detail
        assert "Quiet Row" not in event.detail


def test_reminders_can_be_turned_off(app, client, logged_in):
    post_settings(client, reminder_hours="off")

    assert saved(app, logged_in.practice_id).reminder_hours is None
    assert '<option selected value="off">' in client.get("/admin/practice").data.decode()


def test_the_default_crisis_text_is_kept_as_the_default(app, client, logged_in):
    post_settings(client, crisis_resources=DEFAULT_CRISIS_RESOURCES)

    assert saved(app, logged_in.practice_id).crisis_resources == ""


def test_a_crisis_text_of_the_practices_own_is_saved(app, client, logged_in):
    post_settings(client, crisis_resources="Call Bristol Crisis Line on 0000 000 0000.")

    assert saved(app, logged_in.practice_id).crisis_text == "Call Bristol Crisis Line on 0000 000 0000."


def test_a_practitioner_who_is_not_the_owner_gets_404(app, client, auth, practitioner):
    with app.app_context():
        member = make_practitioner(practice=db.session.get(Practice, practitioner.practice_id))
        email = member.email
    auth.login(email)

    assert client.get("/admin/practice").status_code == 404
    assert post_settings(client, name="Taken over").status_code == 404
    assert saved(app, practitioner.practice_id).name != "Taken over"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("reminder_hours", "0", "between 1 hour and 1 week"),
        ("reminder_hours", "169", "between 1 hour and 1 week"),
        ("reminder_hours", "soon", "Please choose a reminder time from the list."),
        ("cancellation_window_hours", "-1", "from 0 to 336"),
        ("cancellation_window_hours", "337", "from 0 to 336"),
        ("cancellation_window_hours", "", "Please enter a whole number of hours, like 24."),
        ("cancellation_window_hours", "1.5", "Please enter a whole number of hours, like 24."),
        ("cancellation_window_hours", "9" * 40, "from 0 to 336"),
        ("accent_colour", "green", "# and six hex digits"),
        ("accent_colour", "#2f6b5a;background:url(x)", "# and six hex digits"),
        ("accent_colour", "#ffffff", "too light"),
        ("min_notice_minutes", "-5", "from 0 to 43,200"),
        ("max_advance_days", "0", "from 1 to 732"),
        ("min_notice_minutes", "2880", "must be shorter than how far ahead"),
        ("retention_years", "0", "from 1 to 30 years"),
        ("currency", "XXX", "choose a currency from the list"),
        ("timezone", "Nowhere/Special", "choose a timezone from the list"),
        ("slug", "Not a slug", "lowercase letters"),
        ("name", "", "give your practice a name"),
        ("crisis_resources", "x" * 2001, "under 2,000 characters"),
    ],
)
def test_bad_settings_are_refused_with_a_message_and_nothing_changes(app, client, logged_in, field, value, message):
    before = saved(app, logged_in.practice_id)
    changes = {field: value, "max_advance_days": "1"} if field == "min_notice_minutes" and value == "2880" else {field: value}

    response = post_settings(client, **changes, **({"name": "Changed"} if field != "name" else {}))

    assert response.status_code == 422
    assert message in response.data.decode()
    after = saved(app, logged_in.practice_id)
    assert (after.name, after.reminder_hours, after.cancellation_window_hours) == (before.name, before.reminder_hours, before.cancellation_window_hours)


def test_a_slug_another_practice_uses_is_refused(app, client, logged_in):
    with app.app_context():
        taken = make_practitioner().practice.slug

    response = post_settings(client, slug=taken)

    assert response.status_code == 422
    assert "Another practice already uses that web address" in response.data.decode()


def test_a_too_light_colour_is_explained_with_its_contrast(client, logged_in):
    page = post_settings(client, accent_colour="#ffffff").data.decode()

    assert "contrast 1.0:1; it needs at least 4.5:1" in page
    assert "Please choose a darker shade." in page


@pytest.mark.parametrize(
    ("colour", "ratio"),
    [("#ffffff", 1.0), ("#000000", 21.0), ("#767676", 4.54), ("#2f6b5a", 6.23)],
)
def test_contrast_with_white_follows_wcag(colour, ratio):
    assert practice_settings.contrast_with_white(colour) == pytest.approx(ratio, abs=0.05)


def test_settings_missing_from_a_submission_keep_their_values(app, client, logged_in):
    post_settings(client, reminder_hours="3", cancellation_window_hours="48")
    kept = {key: value for key, value in SETTINGS.items() if key not in ("reminder_hours", "cancellation_window_hours")}

    assert client.post("/admin/practice", data=kept).status_code == 303

    practice = saved(app, logged_in.practice_id)
    assert (practice.reminder_hours, practice.cancellation_window_hours) == (3, 48)
