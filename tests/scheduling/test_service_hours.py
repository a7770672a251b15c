"""A service that keeps its own hours: offered only at its rows, busy like every other service."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from practice.booking import free_times
from practice.booking.service import ClientDetails, TimeNotOffered, book
from practice.extensions import db
from practice.scheduling import service as hours
from practice.scheduling.models import DateOverride, TimeOff, WeeklyHours
from tests.factories import make_practitioner, make_service, make_weekly_hours

ZONE = "Europe/London"
LONDON = ZoneInfo(ZONE)
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)  # a Monday
FIRST_THURSDAY = date(2027, 3, 4)
CLIENT = ClientDetails(name="Jo Rivers", email="jo@example.org", timezone=ZONE)


def london(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(timezone.utc)


def starts(slots) -> list[datetime]:
    return [slot.start for slot in slots]


def two_weeks(service) -> list[datetime]:
    return starts(free_times.open_slots(service, NOW, NOW + timedelta(days=14), NOW))


def session(service, day: date, start: time = time(19), end: time = time(20, 30)) -> DateOverride:
    row = DateOverride(practitioner_id=service.practitioner_id, service_id=service.id, day=day, start_time=start, end_time=end)
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def ctx(any_app):
    with any_app.app_context():
        yield any_app


@pytest.fixture
def practice(app):
    """A practitioner working 09:00-21:00 every day, with a massage and a monthly circle."""
    with app.app_context():
        practitioner = make_practitioner(timezone=ZONE)
        make_weekly_hours(practitioner, start=time(9), end=time(21))
        massage = make_service(practitioner, name="Massage", duration_minutes=60, slot_step_minutes=30)
        circle = make_service(
            practitioner, name="Circle", duration_minutes=90, slot_step_minutes=90, capacity=12, own_hours=True
        )
        yield practitioner, massage, circle


def test_an_own_hours_service_is_offered_only_at_its_dated_sessions(ctx):
    practitioner = make_practitioner(timezone=ZONE)
    make_weekly_hours(practitioner, start=time(9), end=time(21))
    circle = make_service(practitioner, duration_minutes=90, slot_step_minutes=90, capacity=12, own_hours=True)
    session(circle, FIRST_THURSDAY)

    assert two_weeks(circle) == [london(FIRST_THURSDAY, 19)]


def test_an_own_hours_service_without_rows_is_never_offered(practice):
    _, _, circle = practice

    assert two_weeks(circle) == []


def test_an_own_hours_service_follows_its_weekly_times(practice):
    _, _, circle = practice
    db.session.add(WeeklyHours(practitioner_id=circle.practitioner_id, service_id=circle.id, weekday=2,
                               start_time=time(18), end_time=time(19, 30)))
    db.session.commit()

    assert two_weeks(circle) == [london(date(2027, 3, 3), 18), london(date(2027, 3, 10), 18)]


def test_a_dated_session_replaces_the_services_weekly_times_that_day(practice):
    _, _, circle = practice
    db.session.add(WeeklyHours(practitioner_id=circle.practitioner_id, service_id=circle.id, weekday=2,
                               start_time=time(18), end_time=time(19, 30)))
    session(circle, date(2027, 3, 3), time(10), time(11, 30))

    assert two_weeks(circle) == [london(date(2027, 3, 3), 10), london(date(2027, 3, 10), 18)]


def test_general_services_are_unaffected_by_a_services_own_rows(practice):
    _, massage, circle = practice
    before = two_weeks(massage)
    session(circle, FIRST_THURSDAY, time(6), time(8))
    db.session.add(WeeklyHours(practitioner_id=circle.practitioner_id, service_id=circle.id, weekday=6,
                               start_time=time(22), end_time=time(23, 30)))
    db.session.commit()

    assert two_weeks(massage) == before
    assert london(FIRST_THURSDAY, 6) not in before


def test_a_service_without_own_hours_ignores_its_rows(practice):
    _, _, circle = practice
    session(circle, FIRST_THURSDAY, time(6), time(7, 30))
    hours.set_own_hours(circle, False)

    offered = two_weeks(circle)

    assert london(FIRST_THURSDAY, 6) not in offered
    assert london(FIRST_THURSDAY, 9) in offered and london(date(2027, 3, 2), 12) in offered


def test_a_generally_closed_day_keeps_the_services_own_session(practice):
    practitioner, massage, circle = practice
    session(circle, FIRST_THURSDAY)

    hours.close_day(practitioner, FIRST_THURSDAY, NOW)

    assert london(FIRST_THURSDAY, 19) in two_weeks(circle)
    assert not [start for start in two_weeks(massage) if start.astimezone(LONDON).date() == FIRST_THURSDAY]


def test_time_off_blocks_an_own_hours_session(practice):
    practitioner, _, circle = practice
    session(circle, FIRST_THURSDAY)
    evening = TimeOff(practitioner_id=practitioner.id, starts_at=london(FIRST_THURSDAY, 18), ends_at=london(FIRST_THURSDAY, 22))
    db.session.add(evening)
    db.session.commit()

    assert two_weeks(circle) == []


def test_a_circle_booking_blocks_the_practitioners_other_services(ctx):
    practitioner = make_practitioner(timezone=ZONE)
    make_weekly_hours(practitioner, start=time(9), end=time(21))
    massage = make_service(practitioner, duration_minutes=60, slot_step_minutes=30)
    circle = make_service(practitioner, duration_minutes=90, slot_step_minutes=90, capacity=12, own_hours=True)
    session(circle, FIRST_THURSDAY)

    book(service_id=circle.id, start=london(FIRST_THURSDAY, 19), client=CLIENT, now=NOW)

    evening = [start for start in two_weeks(massage) if start.astimezone(LONDON).date() == FIRST_THURSDAY]
    assert evening[-1] == london(FIRST_THURSDAY, 18)  # 18:00-19:00 ends as the circle begins
    assert free_times.seats_left(massage, london(FIRST_THURSDAY, 19, 30), NOW) == 0
    assert free_times.seats_left(circle, london(FIRST_THURSDAY, 19), NOW) == 11


def test_another_services_booking_blocks_the_circle(ctx):
    practitioner = make_practitioner(timezone=ZONE)
    make_weekly_hours(practitioner, start=time(9), end=time(21))
    massage = make_service(practitioner, duration_minutes=60, slot_step_minutes=30)
    circle = make_service(practitioner, duration_minutes=90, slot_step_minutes=90, capacity=12, own_hours=True)
    session(circle, FIRST_THURSDAY)

    book(service_id=massage.id, start=london(FIRST_THURSDAY, 20), client=CLIENT, now=NOW)

    assert two_weeks(circle) == []
    assert free_times.is_offered_when_free(circle, london(FIRST_THURSDAY, 19), NOW)


def test_booking_an_own_hours_service_in_the_general_hours_is_refused(practice):
    _, _, circle = practice
    session(circle, FIRST_THURSDAY)

    assert not free_times.is_offered_when_free(circle, london(date(2027, 3, 2), 12), NOW)
    with pytest.raises(TimeNotOffered):
        book(service_id=circle.id, start=london(date(2027, 3, 2), 12), client=CLIENT, now=NOW)


def test_own_hours_cost_no_more_queries_than_general_hours(practice):
    practitioner, massage, circle = practice
    session(circle, FIRST_THURSDAY)
    counts = {}
    for service in (massage, circle):
        assert service.practitioner is practitioner  # loaded once, before counting
        statements = []

        def listener(connection, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            free_times.open_slots(service, NOW, NOW + timedelta(days=14), NOW)
            first = len(statements)
            free_times.open_slots(service, NOW, NOW + timedelta(days=14), NOW)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        counts[service.name] = (first, len(statements) - first)

    # The first time: the schedule's version, weekly hours, dated hours, time off and bookings, one query each.
    # After: the version alone; the free times are kept in memory while it stands.
    assert counts == {"Massage": (5, 1), "Circle": (5, 1)}
