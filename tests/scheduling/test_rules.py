"""Editing hours, overrides and time off, called directly as the CLI would."""
from datetime import date, datetime, time, timedelta, timezone

import pytest

from practice.booking.models import Booking, BookingStatus
from practice.extensions import db
from practice.scheduling import rules
from practice.scheduling.models import DateOverride, TimeOff, WeeklyHours
from tests.factories import make_practitioner, make_service

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # a Monday
TODAY = date(2026, 3, 2)


@pytest.fixture
def practitioner(app):
    with app.app_context():
        yield make_practitioner(timezone="Europe/London")


def rows(model, practitioner_id):
    return db.session.scalars(db.select(model).where(model.practitioner_id == practitioner_id)).all()


def test_several_ranges_on_one_day_sit_side_by_side(practitioner):
    rules.add_weekly_range(practitioner, 0, time(9), time(12))
    rules.add_weekly_range(practitioner, 0, time(12), time(17))

    assert [(r.start_time, r.end_time) for r in rules.weekly_hours(practitioner.id)[0]] == [
        (time(9), time(12)), (time(12), time(17)),
    ]


@pytest.mark.parametrize(
    ("start", "end"),
    [(time(8), time(10)), (time(11), time(13)), (time(9), time(12)), (time(10), time(11)), (time(8), time(13))],
)
def test_overlapping_weekly_ranges_are_refused(practitioner, start, end):
    rules.add_weekly_range(practitioner, 2, time(9), time(12))

    with pytest.raises(rules.RuleError, match="overlap"):
        rules.add_weekly_range(practitioner, 2, start, end)
    assert len(rows(WeeklyHours, practitioner.id)) == 1


def test_the_same_hours_on_another_day_do_not_overlap(practitioner):
    rules.add_weekly_range(practitioner, 2, time(9), time(12))

    rules.add_weekly_range(practitioner, 3, time(9), time(12))

    assert len(rows(WeeklyHours, practitioner.id)) == 2


@pytest.mark.parametrize(("start", "end"), [(time(12), time(9)), (time(9), time(9))])
def test_a_range_must_end_after_it_starts(practitioner, start, end):
    with pytest.raises(rules.RuleError, match="after the start"):
        rules.add_weekly_range(practitioner, 0, start, end)


def test_closing_a_day_replaces_other_hours_that_day(practitioner):
    rules.add_override_range(practitioner, TODAY + timedelta(days=3), time(10), time(12), NOW)

    rules.close_day(practitioner, TODAY + timedelta(days=3), NOW)

    [override] = rules.upcoming_overrides(practitioner, NOW)
    assert override.closed and len(override.rows) == 1


def test_opening_a_closed_day_replaces_the_closure(practitioner):
    rules.close_day(practitioner, TODAY + timedelta(days=3), NOW)

    rules.add_override_range(practitioner, TODAY + timedelta(days=3), time(10), time(12), NOW)

    [override] = rules.upcoming_overrides(practitioner, NOW)
    assert not override.closed
    assert [(r.start_time, r.end_time) for r in override.rows] == [(time(10), time(12))]


def test_overlapping_override_ranges_are_refused(practitioner):
    day = TODAY + timedelta(days=3)
    rules.add_override_range(practitioner, day, time(10), time(12), NOW)

    with pytest.raises(rules.RuleError, match="overlap"):
        rules.add_override_range(practitioner, day, time(11), time(14), NOW)
    assert len(rows(DateOverride, practitioner.id)) == 1


def test_an_override_for_a_past_date_is_refused(practitioner):
    with pytest.raises(rules.RuleError, match="already passed"):
        rules.close_day(practitioner, TODAY - timedelta(days=1), NOW)


def test_time_off_is_read_in_the_practitioners_zone_and_stored_as_utc(app):
    with app.app_context():
        practitioner = make_practitioner(timezone="America/New_York")

        row, _ = rules.add_time_off(practitioner, datetime(2026, 7, 1, 9, 0), datetime(2026, 7, 1, 17, 0), "Clinic", NOW)

        assert row.starts_at == datetime(2026, 7, 1, 13, 0, tzinfo=timezone.utc)
        assert row.ends_at == datetime(2026, 7, 1, 21, 0, tzinfo=timezone.utc)


def test_time_off_across_a_dst_change_keeps_wall_clock_times(practitioner):
    # London moves from GMT to BST on 29 March 2026.
    row, _ = rules.add_time_off(practitioner, datetime(2026, 3, 28, 9, 0), datetime(2026, 3, 30, 9, 0), "", NOW)

    assert row.starts_at == datetime(2026, 3, 28, 9, 0, tzinfo=timezone.utc)
    assert row.ends_at == datetime(2026, 3, 30, 8, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("starts", "ends", "message"),
    [
        (datetime(2026, 3, 5, 17), datetime(2026, 3, 5, 9), "after the start"),
        (datetime(2026, 3, 1, 9), datetime(2026, 3, 1, 17), "already passed"),
        (datetime(9999, 12, 31, 9), datetime(9999, 12, 31, 17), "three years"),
    ],
)
def test_unusable_time_off_is_refused(practitioner, starts, ends, message):
    with pytest.raises(rules.RuleError, match=message):
        rules.add_time_off(practitioner, starts, ends, "", NOW)
    assert rows(TimeOff, practitioner.id) == []


def test_time_off_reports_the_bookings_it_covers(practitioner):
    service = make_service(practitioner)
    start = datetime(2026, 3, 4, 10, tzinfo=timezone.utc)
    db.session.add(Booking(
        practitioner_id=practitioner.id, service_id=service.id, status=BookingStatus.confirmed,
        starts_at=start, ends_at=start + timedelta(hours=1), blocked_start=start, blocked_end=start + timedelta(hours=1),
        client_name="Hannah", client_email="hannah@example.org", client_timezone="Europe/London",
    ))
    db.session.commit()

    _, clashes = rules.add_time_off(practitioner, datetime(2026, 3, 4, 9), datetime(2026, 3, 4, 17), "", NOW)

    assert clashes == 1


def test_booking_window_is_saved(practitioner):
    rules.set_booking_window(practitioner, 60, 30)

    assert (practitioner.min_notice_minutes, practitioner.max_advance_days) == (60, 30)


@pytest.mark.parametrize(("notice", "advance"), [(-1, 30), (0, 0), (0, 10_000), (2 * 24 * 60, 2)])
def test_an_impossible_booking_window_is_refused(practitioner, notice, advance):
    with pytest.raises(rules.RuleError):
        rules.set_booking_window(practitioner, notice, advance)
