"""What each process keeps in memory of a practitioner's schedule: their hours, and the free times worked
out from them and their bookings. Replaced the moment anything they depend on changes, however it changes,
and never kept past the moment the clock alone changes them."""
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import event, select, text

from practice.accounts.models import Practitioner
from practice.booking import free_times
from practice.booking.models import BookingStatus
from practice.extensions import db
from practice.scheduling.models import DateOverride, TimeOff, WeeklyHours
from tests.factories import make_booking, make_practitioner, make_service, make_weekly_hours

NOW = datetime(2027, 3, 1, 8, 0, tzinfo=timezone.utc)  # a Monday, before the London day opens
MONDAY = date(2027, 3, 1)
WINDOW = datetime.combine(MONDAY, time(0), tzinfo=timezone.utc)  # London is on UTC in March
TRIGGERS = {"weekly_hours", "date_override", "time_off", "booking"}


@pytest.fixture
def massage(any_app):
    with any_app.app_context():
        practitioner = make_practitioner()
        make_weekly_hours(practitioner, weekdays=[0], start=time(9), end=time(12))
        yield make_service(practitioner, duration_minutes=60, slot_step_minutes=60)


def monday_starts(service, now: datetime = NOW) -> list[int]:
    """The hours at which the Monday has a free start."""
    return [slot.start.hour for slot in free_times.open_slots(service, WINDOW, WINDOW + timedelta(days=1), now)]


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(MONDAY, time(hour, minute), tzinfo=timezone.utc)


def version(practitioner_id: int) -> str:
    return db.session.scalar(select(Practitioner.schedule_version).where(Practitioner.id == practitioner_id))


def queries_while(action) -> list[str]:
    statements = []

    def listener(connection, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return statements


def test_each_table_has_its_triggers(any_app):
    with any_app.app_context():
        if db.engine.dialect.name == "postgresql":
            rows = db.session.execute(text("SELECT DISTINCT event_object_table FROM information_schema.triggers"))
        else:
            rows = db.session.execute(text("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger'"))
        assert TRIGGERS <= {table for (table,) in rows}


def test_asking_again_costs_one_query_for_the_version(massage):
    assert monday_starts(massage) == [9, 10, 11]

    statements = queries_while(lambda: monday_starts(massage))

    assert len(statements) == 1 and "schedule_version" in statements[0]
    assert monday_starts(massage) == [9, 10, 11]


CHANGES = [
    pytest.param(lambda s: db.session.add(
        WeeklyHours(practitioner_id=s.practitioner_id, weekday=0, start_time=time(14), end_time=time(15))
    ), id="hours added"),
    pytest.param(lambda s: db.session.execute(
        text("UPDATE weekly_hours SET end_time = '15:00:00' WHERE practitioner_id = :id"), {"id": s.practitioner_id}
    ), id="hours changed by hand-written SQL"),
    pytest.param(lambda s: db.session.execute(
        text("DELETE FROM weekly_hours WHERE practitioner_id = :id"), {"id": s.practitioner_id}
    ), id="hours deleted by hand-written SQL"),
    pytest.param(lambda s: db.session.add(
        DateOverride(practitioner_id=s.practitioner_id, day=MONDAY, start_time=time(14), end_time=time(15))
    ), id="day overridden"),
    pytest.param(lambda s: db.session.add(
        TimeOff(practitioner_id=s.practitioner_id, starts_at=at(9), ends_at=at(10))
    ), id="time off taken"),
    pytest.param(lambda s: make_booking(s, at(10)), id="booked"),
]


@pytest.mark.parametrize("change", CHANGES)
def test_any_change_is_seen_by_the_next_read(massage, change):
    before = monday_starts(massage)
    old = version(massage.practitioner_id)

    change(massage)
    db.session.commit()

    assert version(massage.practitioner_id) != old
    assert monday_starts(massage) != before


def test_a_booking_cancelled_by_hand_written_sql_frees_its_time(massage):
    booking = make_booking(massage, at(10))
    assert monday_starts(massage) == [9, 11]

    db.session.execute(text("UPDATE booking SET status = 'cancelled' WHERE id = :id"), {"id": booking.id})
    db.session.commit()

    assert monday_starts(massage) == [9, 10, 11]


def test_a_change_that_leaves_the_time_as_busy_keeps_the_version(massage):
    booking = make_booking(massage, at(10))
    old = version(massage.practitioner_id)

    db.session.execute(text("UPDATE booking SET client_note = 'x' WHERE id = :id"), {"id": booking.id})
    db.session.commit()

    assert version(massage.practitioner_id) == old


def test_a_change_not_yet_flushed_is_seen_within_its_own_transaction(massage):
    monday_starts(massage)
    db.session.add(WeeklyHours(practitioner_id=massage.practitioner_id, weekday=0, start_time=time(14), end_time=time(15)))

    assert monday_starts(massage) == [9, 10, 11, 14]


def test_a_rolled_back_change_leaves_no_trace(massage):
    monday_starts(massage)
    db.session.add(WeeklyHours(practitioner_id=massage.practitioner_id, weekday=0, start_time=time(14), end_time=time(15)))
    assert monday_starts(massage) == [9, 10, 11, 14]

    db.session.rollback()

    assert monday_starts(massage) == [9, 10, 11]
    db.session.add(WeeklyHours(practitioner_id=massage.practitioner_id, weekday=0, start_time=time(15), end_time=time(16)))
    db.session.commit()
    assert monday_starts(massage) == [9, 10, 11, 15]


def test_a_time_that_comes_within_the_notice_is_no_longer_offered(massage):
    massage.practice.min_notice_minutes = 120
    db.session.commit()
    assert monday_starts(massage, now=at(6, 59)) == [9, 10, 11]
    assert monday_starts(massage, now=at(7)) == [9, 10, 11]

    assert monday_starts(massage, now=at(7) + timedelta(microseconds=1)) == [10, 11]


def test_a_hold_that_lapses_frees_its_time(massage):
    make_booking(massage, at(10), status=BookingStatus.held, hold_expires_at=at(8, 30))
    assert monday_starts(massage, now=at(8, 29)) == [9, 11]

    assert monday_starts(massage, now=at(8, 30)) == [9, 10, 11]


def test_an_earlier_clock_than_the_kept_answer_s_is_worked_out_again(massage):
    assert monday_starts(massage, now=at(9, 30)) == [10, 11]

    assert monday_starts(massage, now=at(8)) == [9, 10, 11]


def test_a_window_reaching_past_the_booking_window_is_not_kept(massage):
    massage.practice.max_advance_days = 1
    db.session.commit()
    sunday_night = datetime(2027, 2, 28, 9, 30, tzinfo=timezone.utc)
    assert monday_starts(massage, now=sunday_night) == [9]

    assert monday_starts(massage, now=sunday_night + timedelta(hours=1)) == [9, 10]


def test_a_window_earlier_than_the_hours_kept_reads_the_rows_again(massage):
    db.session.add(DateOverride(practitioner_id=massage.practitioner_id, day=date(2027, 1, 4), start_time=None, end_time=None))
    db.session.commit()
    monday_starts(massage)
    january = datetime(2027, 1, 4, tzinfo=timezone.utc)

    offered = free_times.open_slots(massage, january, january + timedelta(days=1), january - timedelta(days=1))

    assert offered == []  # the closed day, which the hours kept for March did not reach


def test_copies_are_kept_apart_per_app(make_app):
    """Two databases in one process can hold the same ids: neither may read the other's schedule."""
    starts = []
    for hour in (9, 13):
        app = make_app()
        with app.app_context():
            practitioner = make_practitioner()
            make_weekly_hours(practitioner, weekdays=[0], start=time(hour), end=time(hour + 1))
            starts.append(monday_starts(make_service(practitioner, duration_minutes=60, slot_step_minutes=60)))

    assert starts == [[9], [13]]
