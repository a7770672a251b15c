"""Editing hours, overrides and time off, called directly as the CLI would."""
from datetime import date, datetime, time, timedelta, timezone

import pytest

from practice.extensions import db
from practice.scheduling import service as hours
from practice.scheduling.models import DateOverride, TimeOff, WeeklyHours
from tests.factories import make_booking, make_practitioner, make_service

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # a Monday
TODAY = date(2026, 3, 2)


@pytest.fixture
def practitioner(app):
    with app.app_context():
        yield make_practitioner(timezone="Europe/London")


def rows(model, practitioner_id):
    return db.session.scalars(db.select(model).where(model.practitioner_id == practitioner_id)).all()


def test_several_ranges_on_one_day_sit_side_by_side(practitioner):
    hours.add_weekly_range(practitioner, 0, time(9), time(12))
    hours.add_weekly_range(practitioner, 0, time(12), time(17))

    assert [(r.start_time, r.end_time) for r in hours.weekly_hours(practitioner.id)[0]] == [
        (time(9), time(12)), (time(12), time(17)),
    ]


@pytest.mark.parametrize(
    ("start", "end"),
    [(time(8), time(10)), (time(11), time(13)), (time(9), time(12)), (time(10), time(11)), (time(8), time(13))],
)
def test_overlapping_weekly_ranges_are_refused(practitioner, start, end):
    hours.add_weekly_range(practitioner, 2, time(9), time(12))

    with pytest.raises(hours.RuleError, match="overlap"):
        hours.add_weekly_range(practitioner, 2, start, end)
    assert len(rows(WeeklyHours, practitioner.id)) == 1


def test_the_same_hours_on_another_day_do_not_overlap(practitioner):
    hours.add_weekly_range(practitioner, 2, time(9), time(12))

    hours.add_weekly_range(practitioner, 3, time(9), time(12))

    assert len(rows(WeeklyHours, practitioner.id)) == 2


@pytest.mark.parametrize(("start", "end"), [(time(12), time(9)), (time(9), time(9))])
def test_a_range_must_end_after_it_starts(practitioner, start, end):
    with pytest.raises(hours.RuleError, match="after the start"):
        hours.add_weekly_range(practitioner, 0, start, end)


def test_closing_a_day_replaces_other_hours_that_day(practitioner):
    hours.add_override_range(practitioner, TODAY + timedelta(days=3), time(10), time(12), NOW)

    hours.close_day(practitioner, TODAY + timedelta(days=3), NOW)

    [override] = hours.upcoming_overrides(practitioner, NOW)
    assert override.closed and len(override.rows) == 1


def test_opening_a_closed_day_replaces_the_closure(practitioner):
    hours.close_day(practitioner, TODAY + timedelta(days=3), NOW)

    hours.add_override_range(practitioner, TODAY + timedelta(days=3), time(10), time(12), NOW)

    [override] = hours.upcoming_overrides(practitioner, NOW)
    assert not override.closed
    assert [(r.start_time, r.end_time) for r in override.rows] == [(time(10), time(12))]


def test_overlapping_override_ranges_are_refused(practitioner):
    day = TODAY + timedelta(days=3)
    hours.add_override_range(practitioner, day, time(10), time(12), NOW)

    with pytest.raises(hours.RuleError, match="overlap"):
        hours.add_override_range(practitioner, day, time(11), time(14), NOW)
    assert len(rows(DateOverride, practitioner.id)) == 1


def test_an_override_for_a_past_date_is_refused(practitioner):
    with pytest.raises(hours.RuleError, match="already passed"):
        hours.close_day(practitioner, TODAY - timedelta(days=1), NOW)


def test_time_off_is_read_in_the_practices_zone_and_stored_as_utc(app):
    with app.app_context():
        practitioner = make_practitioner(timezone="America/New_York")

        row, _ = hours.add_time_off(practitioner, datetime(2026, 7, 1, 9, 0), datetime(2026, 7, 1, 17, 0), "Clinic", NOW)

        assert row.starts_at == datetime(2026, 7, 1, 13, 0, tzinfo=timezone.utc)
        assert row.ends_at == datetime(2026, 7, 1, 21, 0, tzinfo=timezone.utc)


def test_time_off_across_a_dst_change_keeps_wall_clock_times(practitioner):
    # London moves from GMT to BST on 29 March 2026.
    row, _ = hours.add_time_off(practitioner, datetime(2026, 3, 28, 9, 0), datetime(2026, 3, 30, 9, 0), "", NOW)

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
    with pytest.raises(hours.RuleError, match=message):
        hours.add_time_off(practitioner, starts, ends, "", NOW)
    assert rows(TimeOff, practitioner.id) == []


def test_time_off_reports_the_bookings_it_covers(practitioner):
    make_booking(make_service(practitioner), datetime(2026, 3, 4, 10, tzinfo=timezone.utc))

    _, clashes = hours.add_time_off(practitioner, datetime(2026, 3, 4, 9), datetime(2026, 3, 4, 17), "", NOW)

    assert clashes == 1


@pytest.fixture
def circle(practitioner):
    return make_service(practitioner, name="Circle", duration_minutes=90, slot_step_minutes=90, capacity=12, own_hours=True)


def test_closing_a_day_keeps_a_services_own_sessions_that_day(practitioner, circle):
    day = TODAY + timedelta(days=3)
    hours.add_service_session(circle, day, time(19), time(20, 30), NOW)

    hours.close_day(practitioner, day, NOW)

    [kept] = hours.upcoming_overrides(practitioner, NOW, circle.id)
    assert (kept.day, kept.closed) == (day, False)
    [closed] = hours.upcoming_overrides(practitioner, NOW)
    assert closed.closed


def test_general_hours_do_not_list_a_services_own_rows(practitioner, circle):
    hours.add_service_weekly_range(circle, 3, time(19), time(20, 30))
    hours.add_service_session(circle, TODAY + timedelta(days=3), time(19), time(20, 30), NOW)

    assert hours.weekly_hours(practitioner.id) == {weekday: [] for weekday in range(7)}
    assert hours.upcoming_overrides(practitioner, NOW) == []
    assert [(r.start_time, r.end_time) for r in hours.weekly_hours(practitioner.id, circle.id)[3]] == [(time(19), time(20, 30))]


def test_general_and_service_hours_never_overlap_each_other(practitioner, circle):
    hours.add_weekly_range(practitioner, 3, time(9), time(21))
    hours.add_override_range(practitioner, TODAY + timedelta(days=3), time(9), time(21), NOW)

    hours.add_service_weekly_range(circle, 3, time(19), time(20, 30))
    hours.add_service_session(circle, TODAY + timedelta(days=3), time(19), time(20, 30), NOW)
    hours.add_weekly_range(practitioner, 3, time(21), time(22))

    assert len(rows(WeeklyHours, practitioner.id)) == 3


def test_opening_a_date_keeps_a_services_sessions_that_day(practitioner, circle):
    day = TODAY + timedelta(days=3)
    hours.add_service_session(circle, day, time(19), time(20, 30), NOW)

    hours.add_override_range(practitioner, day, time(9), time(12), NOW)

    assert len(hours.upcoming_overrides(practitioner, NOW, circle.id)) == 1


def test_a_service_may_have_several_sessions(circle):
    for day, start, end in [(3, time(10), time(11, 30)), (3, time(19), time(20, 30)), (31, time(19), time(20, 30))]:
        hours.add_service_session(circle, TODAY + timedelta(days=day), start, end, NOW)

    sessions = hours.upcoming_overrides(circle.practitioner, NOW, circle.id)
    assert [(s.day - TODAY).days for s in sessions] == [3, 31]
    assert [len(s.rows) for s in sessions] == [2, 1]


@pytest.mark.parametrize(
    ("day", "start", "end", "field", "message"),
    [
        (3, time(19), time(20), "end", "lasts 90 minutes"),
        (3, time(20), time(19), "end", "after the start"),
        (-1, time(19), time(20, 30), "day", "already passed"),
        (3 * 366 + 1, time(19), time(20, 30), "day", "three years"),
        (3, time(20), time(21, 30), "start", "overlap another session that day"),
    ],
    ids=["shorter-than-a-session", "backwards", "past", "too-far", "overlapping"],
)
def test_unusable_sessions_are_refused(circle, day, start, end, field, message):
    hours.add_service_session(circle, TODAY + timedelta(days=3), time(19), time(20, 30), NOW)

    with pytest.raises(hours.RuleError, match=message) as refused:
        hours.add_service_session(circle, TODAY + timedelta(days=day), start, end, NOW)
    assert list(refused.value.field_errors) == [field]
    assert len(rows(DateOverride, circle.practitioner_id)) == 1


@pytest.mark.parametrize(
    ("weekday", "start", "end", "message"),
    [(7, time(19), time(20, 30), "day of the week"), (3, time(19), time(20), "lasts 90 minutes"), (3, time(20), time(21, 30), "overlap")],
)
def test_unusable_weekly_times_of_a_service_are_refused(circle, weekday, start, end, message):
    hours.add_service_weekly_range(circle, 3, time(19), time(20, 30))

    with pytest.raises(hours.RuleError, match=message):
        hours.add_service_weekly_range(circle, weekday, start, end)
    assert len(rows(WeeklyHours, circle.practitioner_id)) == 1


def test_switching_own_hours_off_and_on_keeps_the_services_times(circle):
    hours.add_service_session(circle, TODAY + timedelta(days=3), time(19), time(20, 30), NOW)

    hours.set_own_hours(circle, False)
    assert not circle.own_hours
    hours.set_own_hours(circle, True)

    assert circle.own_hours
    assert len(hours.upcoming_overrides(circle.practitioner, NOW, circle.id)) == 1
