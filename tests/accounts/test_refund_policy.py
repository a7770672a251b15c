"""The practice's refund policy on its settings page: full refund until a number of hours before, then a share kept."""
import pytest

from practice.accounts.models import Practice
from practice.extensions import db
from tests.accounts.test_practice_settings import post_settings, saved
from tests.factories import make_practitioner


def test_a_new_practice_refunds_in_full_until_48_hours_before_and_then_keeps_what_was_paid(client, logged_in):
    page = client.get("/admin/practice").data.decode()

    assert "<legend>Refunds when a client cancels</legend>" in page
    assert 'name="full_refund_hours"' in page and 'value="48"' in page
    assert 'name="late_cancel_keep_percent"' in page and 'value="100"' in page
    assert "100 keeps a deposit whole; 50 refunds half; 0 always refunds in full." in page
    assert (
        "Clients who cancel at least 48 hours before are refunded in full; "
        "later, the practice keeps 100% of what they paid."
    ) in page


def test_the_owner_saves_the_refund_policy_with_the_other_settings(app, client, logged_in):
    response = post_settings(client, full_refund_hours="24", late_cancel_keep_percent="50", reminder_hours="48")

    assert response.status_code == 303
    practice = saved(app, logged_in.practice_id)
    assert (practice.full_refund_hours, practice.late_cancel_keep_percent, practice.reminder_hours) == (24, 50, 48)
    assert (
        "Clients who cancel at least 24 hours before are refunded in full; "
        "later, the practice keeps 50% of what they paid."
    ) in client.get("/admin/practice").data.decode()


@pytest.mark.parametrize(
    ("hours", "percent", "summary"),
    [
        ("1", "100", "Clients who cancel at least 1 hour before are refunded in full;"),
        ("0", "100", "Clients who cancel before the session starts are refunded in full."),
        ("336", "0", "Clients who cancel are always refunded in full."),
    ],
)
def test_the_summary_reads_plainly_at_the_edges(app, client, logged_in, hours, percent, summary):
    assert post_settings(client, full_refund_hours=hours, late_cancel_keep_percent=percent).status_code == 303

    assert summary in client.get("/admin/practice").data.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("full_refund_hours", "-1", "Please enter a whole number of hours from 0 to 336 (two weeks)."),
        ("full_refund_hours", "337", "Please enter a whole number of hours from 0 to 336 (two weeks)."),
        ("full_refund_hours", "abc", "Please enter a whole number of hours, like 48."),
        ("full_refund_hours", "", "Please enter a whole number of hours, like 48."),
        ("full_refund_hours", "2.5", "Please enter a whole number of hours, like 48."),
        ("full_refund_hours", "9" * 40, "Please enter a whole number of hours from 0 to 336 (two weeks)."),
        ("late_cancel_keep_percent", "-1", "Please enter a whole number from 0 to 100."),
        ("late_cancel_keep_percent", "101", "Please enter a whole number from 0 to 100."),
        ("late_cancel_keep_percent", "abc", "Please enter a whole number from 0 to 100, like 100."),
        ("late_cancel_keep_percent", "", "Please enter a whole number from 0 to 100, like 100."),
        ("late_cancel_keep_percent", "50%", "Please enter a whole number from 0 to 100, like 100."),
    ],
)
def test_a_bad_refund_setting_is_explained_and_nothing_changes(app, client, logged_in, field, value, message):
    before = saved(app, logged_in.practice_id)
    changes = {"full_refund_hours": "24", "late_cancel_keep_percent": "50", "name": "Renamed", field: value}

    response = post_settings(client, **changes)

    assert response.status_code == 422
    assert message in response.data.decode()
    after = saved(app, logged_in.practice_id)
    assert (after.name, after.full_refund_hours, after.late_cancel_keep_percent) == (before.name, 48, 100)


def test_a_practitioner_who_is_not_the_owner_cannot_change_the_refund_policy(app, client, auth, practitioner):
    with app.app_context():
        email = make_practitioner(practice=db.session.get(Practice, practitioner.practice_id)).email
    auth.login(email)

    assert post_settings(client, full_refund_hours="0", late_cancel_keep_percent="0").status_code == 404
    practice = saved(app, practitioner.practice_id)
    assert (practice.full_refund_hours, practice.late_cancel_keep_percent) == (48, 100)
