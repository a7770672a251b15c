"""Practice settings on the profile page: reminders, the cancellation window, discretion, accent colour."""
import pytest

from practice.accounts import service
from practice.accounts.models import Practitioner
from practice.extensions import db

PROFILE = {"name": "Rowan Hale", "practice_name": "Stillwater Practice", "timezone": "Europe/London"}


def saved(app, practitioner_id: int) -> Practitioner:
    with app.app_context():
        found = db.session.get(Practitioner, practitioner_id)
        db.session.expunge(found)
        return found


def post_profile(client, logged_in, **settings):
    return client.post("/admin/profile", data={**PROFILE, "slug": logged_in.slug, **settings})


def test_a_new_practice_has_calm_defaults(app, practitioner):
    account = saved(app, practitioner.id)

    assert (account.reminder_hours, account.cancellation_window_hours, account.show_service_in_emails, account.accent_colour) == (
        24, 24, False, "#2f6b5a",
    )


def test_the_profile_page_shows_the_settings_with_a_hint_about_discretion(client, logged_in):
    page = client.get("/admin/profile").data.decode()

    assert '<option selected value="24">1 day before</option>' in page
    assert 'name="cancellation_window_hours"' in page and 'value="24"' in page
    assert 'type="checkbox"' in page and "Name the service in email subjects and calendars" in page
    assert "often shared with a partner or family" in page
    assert 'type="color"' in page and 'value="#2f6b5a"' in page


def test_settings_are_saved(app, client, logged_in):
    response = post_profile(
        client, logged_in, reminder_hours="48", cancellation_window_hours="72", show_service_in_emails="y", accent_colour="#5B2A86"
    )

    assert response.status_code == 303
    account = saved(app, logged_in.id)
    assert (account.reminder_hours, account.cancellation_window_hours, account.show_service_in_emails, account.accent_colour) == (
        48, 72, True, "#5b2a86",
    )


def test_reminders_can_be_turned_off(app, client, logged_in):
    post_profile(client, logged_in, reminder_hours="off")

    assert saved(app, logged_in.id).reminder_hours is None
    assert '<option selected value="off">' in client.get("/admin/profile").data.decode()


def test_a_cancellation_window_of_zero_is_allowed(app, client, logged_in):
    assert post_profile(client, logged_in, cancellation_window_hours="0").status_code == 303
    assert saved(app, logged_in.id).cancellation_window_hours == 0


def test_an_unticked_checkbox_turns_service_names_off(app, client, logged_in):
    post_profile(client, logged_in, show_service_in_emails="y")
    post_profile(client, logged_in)

    assert saved(app, logged_in.id).show_service_in_emails is False


def test_settings_missing_from_a_submission_keep_their_values(app, client, logged_in):
    post_profile(client, logged_in, reminder_hours="3", cancellation_window_hours="48", accent_colour="#1f4e79")

    assert post_profile(client, logged_in).status_code == 303

    account = saved(app, logged_in.id)
    assert (account.reminder_hours, account.cancellation_window_hours, account.accent_colour) == (3, 48, "#1f4e79")


def test_a_reminder_time_not_in_the_list_is_kept_and_shown(app, client, logged_in):
    with app.app_context():
        db.session.get(Practitioner, logged_in.id).reminder_hours = 30
        db.session.commit()

    assert '<option selected value="30">30 hours before</option>' in client.get("/admin/profile").data.decode()


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
        ("accent_colour", "#abc", "# and six hex digits"),
        ("accent_colour", "#2f6b5a;background:url(x)", "# and six hex digits"),
        ("accent_colour", "#ffffff", "too light"),
        ("accent_colour", "#7fb3a3", "too light"),
    ],
)
def test_bad_settings_are_refused_with_a_message_and_nothing_changes(app, client, logged_in, field, value, message):
    response = post_profile(client, logged_in, **{field: value, "practice_name": "Changed"})

    assert response.status_code == 422
    assert message in response.data.decode()
    account = saved(app, logged_in.id)
    assert account.practice_name != "Changed"
    assert (account.reminder_hours, account.cancellation_window_hours, account.accent_colour) == (24, 24, "#2f6b5a")


def test_a_too_light_colour_is_explained_with_its_contrast(client, logged_in):
    page = post_profile(client, logged_in, accent_colour="#ffffff").data.decode()

    assert "contrast 1.0:1; it needs at least 4.5:1" in page
    assert "Please choose a darker shade." in page


@pytest.mark.parametrize(
    ("colour", "ratio"),
    [("#ffffff", 1.0), ("#000000", 21.0), ("#767676", 4.54), ("#2f6b5a", 6.23)],
)
def test_contrast_with_white_follows_wcag(colour, ratio):
    assert service.contrast_with_white(colour) == pytest.approx(ratio, abs=0.05)


def test_a_colour_just_dark_enough_is_accepted(app, client, logged_in):
    assert post_profile(client, logged_in, accent_colour="#767676").status_code == 303
