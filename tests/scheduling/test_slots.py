"""The slot engine, without an app: DST tables, examples and properties."""
import functools
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from practice.scheduling.slots import (
    Availability,
    BusyInterval,
    Interval,
    ServiceSpec,
    Slot,
    TimeRange,
    available_slots,
    blocked_interval,
    slot_remaining,
)

UTC = timezone.utc
LONDON = ZoneInfo("Europe/London")
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
MICROSECOND = timedelta(microseconds=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def hours(start: str, end: str) -> TimeRange:
    return TimeRange(time.fromisoformat(start), time.fromisoformat(end))


def booking(service: ServiceSpec, start: datetime, seats: int = 1) -> BusyInterval:
    blocked = blocked_interval(service, start)
    return BusyInterval(start, start + service.duration, blocked.start, blocked.end, service.id, seats)


# --- Examples: a London practitioner in June (BST, UTC+1), Monday 2025-06-02 ------------

MONDAY = date(2025, 6, 2)
HOURLY = ServiceSpec(id=1, duration=HOUR, slot_step=HOUR)
NINE_TO_FIVE = Availability("Europe/London", weekly={0: (hours("09:00", "17:00"),)})
LONG_BEFORE = utc(2025, 5, 1)


def at(day: date, clock: str) -> datetime:
    """A London wall-clock time on `day`, as a UTC instant."""
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=LONDON).astimezone(UTC)


def starts_on(day: date, service=HOURLY, availability=NINE_TO_FIVE, busy=(), now=LONG_BEFORE):
    window_start = datetime.combine(day, time(0), tzinfo=LONDON)
    slots = available_slots(service, availability, list(busy), window_start, window_start + timedelta(days=1), now)
    return [slot.start for slot in slots]


def clocks(*wall_times: str, day: date = MONDAY) -> list[datetime]:
    return [at(day, wall) for wall in wall_times]


def test_weekly_hours_give_hourly_slots_in_local_time():
    assert starts_on(MONDAY) == clocks("09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00")


def test_a_day_without_weekly_hours_has_no_slots():
    assert starts_on(MONDAY + timedelta(days=1)) == []


def test_an_empty_override_closes_the_day_and_leaves_other_weeks_alone():
    closed = replace(NINE_TO_FIVE, overrides={MONDAY: ()})
    assert starts_on(MONDAY, availability=closed) == []
    assert len(starts_on(MONDAY + timedelta(days=7), availability=closed)) == 8


def test_an_override_with_hours_replaces_the_weekly_hours_of_that_date():
    afternoon = replace(NINE_TO_FIVE, overrides={MONDAY: (hours("13:00", "15:00"),)})
    assert starts_on(MONDAY, availability=afternoon) == clocks("13:00", "14:00")


def test_an_override_can_open_a_day_without_weekly_hours():
    tuesday = MONDAY + timedelta(days=1)
    opened = replace(NINE_TO_FIVE, overrides={tuesday: (hours("10:00", "12:00"),)})
    assert starts_on(tuesday, availability=opened) == clocks("10:00", "11:00", day=tuesday)


def test_several_ranges_a_day_each_fit_whole_sessions_and_are_stepped_from_their_own_start():
    split = Availability("Europe/London", weekly={0: (hours("09:00", "11:30"), hours("13:15", "15:15"))})
    assert starts_on(MONDAY, availability=split) == clocks("09:00", "10:00", "13:15", "14:15")


def test_a_session_does_not_span_two_adjacent_ranges():
    adjacent = Availability("Europe/London", weekly={0: (hours("09:00", "10:30"), hours("10:30", "12:00"))})
    assert starts_on(MONDAY, availability=adjacent) == clocks("09:00", "10:30")


def test_overlapping_ranges_give_each_start_once():
    overlapping = Availability("Europe/London", weekly={0: (hours("09:00", "12:00"), hours("10:00", "13:00"))})
    assert starts_on(MONDAY, availability=overlapping) == clocks("09:00", "10:00", "11:00", "12:00")


def test_time_off_removes_every_slot_it_touches_and_touching_ends_are_fine():
    away = replace(NINE_TO_FIVE, time_off=(Interval(at(MONDAY, "11:00"), at(MONDAY, "12:30")),))
    assert starts_on(MONDAY, availability=away) == clocks(
        "09:00", "10:00", "13:00", "14:00", "15:00", "16:00"
    )


def test_time_off_is_checked_against_the_buffers_too():
    buffered = replace(HOURLY, buffer_after=timedelta(minutes=10))
    away = replace(NINE_TO_FIVE, time_off=(Interval(at(MONDAY, "11:05"), at(MONDAY, "11:55")),))
    assert at(MONDAY, "10:00") not in starts_on(MONDAY, service=buffered, availability=away)
    assert at(MONDAY, "10:00") in starts_on(MONDAY, availability=away)


def test_blocked_interval_adds_both_buffers():
    service = ServiceSpec(id=1, duration=HOUR, buffer_before=timedelta(minutes=5), buffer_after=timedelta(minutes=15))
    assert blocked_interval(service, utc(2025, 6, 2, 10)) == Interval(utc(2025, 6, 2, 9, 55), utc(2025, 6, 2, 11, 15))


def test_a_60_minute_booking_with_15_minute_buffer_after_blocks_the_next_15_minutes():
    with_buffer = ServiceSpec(id=2, duration=HOUR, buffer_after=timedelta(minutes=15))
    quarter_hourly = ServiceSpec(id=1, duration=HOUR, slot_step=timedelta(minutes=15))
    starts = starts_on(MONDAY, service=quarter_hourly, busy=[booking(with_buffer, at(MONDAY, "09:00"))])
    assert at(MONDAY, "10:00") not in starts
    assert starts[0] == at(MONDAY, "10:15")


def test_the_candidates_own_buffer_before_must_clear_an_earlier_booking():
    needs_setup = ServiceSpec(id=1, duration=HOUR, buffer_before=timedelta(minutes=15), slot_step=timedelta(minutes=15))
    starts = starts_on(MONDAY, service=needs_setup, busy=[booking(HOURLY, at(MONDAY, "09:00"))])
    assert starts[0] == at(MONDAY, "10:15")


def test_a_booking_ending_exactly_at_a_slot_start_does_not_block_it():
    assert starts_on(MONDAY, busy=[booking(HOURLY, at(MONDAY, "09:00"))])[0] == at(MONDAY, "10:00")


def test_busy_intervals_in_any_zone_are_compared_as_instants():
    in_new_york = booking(HOURLY, at(MONDAY, "12:00").astimezone(ZoneInfo("America/New_York")))
    assert at(MONDAY, "12:00") not in starts_on(MONDAY, busy=[in_new_york])
    assert len(starts_on(MONDAY, busy=[in_new_york])) == 7


GROUP = ServiceSpec(id=7, duration=HOUR, capacity=3, slot_step=HOUR)


def test_a_group_session_is_offered_with_the_seats_left_until_full():
    ten = at(MONDAY, "10:00")
    window = (at(MONDAY, "00:00"), at(MONDAY, "23:00"))

    def seats_at_ten(busy):
        slots = available_slots(GROUP, NINE_TO_FIVE, busy, *window, LONG_BEFORE)
        return {slot.start: slot.remaining for slot in slots}.get(ten, 0)

    assert seats_at_ten([]) == 3
    assert seats_at_ten([booking(GROUP, ten)]) == 2
    assert seats_at_ten([booking(GROUP, ten), booking(GROUP, ten)]) == 1
    assert seats_at_ten([booking(GROUP, ten, seats=2), booking(GROUP, ten)]) == 0
    assert slot_remaining(GROUP, NINE_TO_FIVE, [booking(GROUP, ten, seats=2)], ten, LONG_BEFORE) == 1
    assert slot_remaining(GROUP, NINE_TO_FIVE, [booking(GROUP, ten, seats=3)], ten, LONG_BEFORE) == 0


def test_a_group_session_is_blocked_by_other_services_and_by_its_own_sessions_at_other_starts():
    ten = at(MONDAY, "10:00")
    other_service = replace(GROUP, id=8)
    half_hour_later = at(MONDAY, "10:30")
    assert slot_remaining(GROUP, NINE_TO_FIVE, [booking(other_service, ten)], ten, LONG_BEFORE) == 0
    assert slot_remaining(GROUP, NINE_TO_FIVE, [booking(GROUP, half_hour_later)], ten, LONG_BEFORE) == 0


def test_a_one_to_one_service_is_blocked_by_its_own_booking_at_the_same_start():
    ten = at(MONDAY, "10:00")
    assert slot_remaining(HOURLY, NINE_TO_FIVE, [booking(HOURLY, ten)], ten, LONG_BEFORE) == 0
    assert slot_remaining(HOURLY, NINE_TO_FIVE, [], ten, LONG_BEFORE) == 1


def test_min_notice_keeps_slots_from_now_plus_notice_inclusive():
    notice = replace(NINE_TO_FIVE, min_notice=timedelta(hours=2))
    now = at(MONDAY, "08:00")
    assert starts_on(MONDAY, availability=notice, now=now)[0] == at(MONDAY, "10:00")
    assert starts_on(MONDAY, availability=notice, now=now + MINUTE)[0] == at(MONDAY, "11:00")


def test_max_advance_keeps_slots_up_to_now_plus_advance_inclusive():
    two_days = replace(NINE_TO_FIVE, max_advance=timedelta(days=2))
    now = at(MONDAY - timedelta(days=2), "12:00")
    assert starts_on(MONDAY, availability=two_days, now=now)[-1] == at(MONDAY, "12:00")
    assert starts_on(MONDAY, availability=two_days, now=now - MINUTE)[-1] == at(MONDAY, "11:00")


def test_past_slots_are_never_offered():
    assert starts_on(MONDAY, now=at(MONDAY, "12:30"))[0] == at(MONDAY, "13:00")


def test_the_window_is_half_open():
    slots = available_slots(HOURLY, NINE_TO_FIVE, [], at(MONDAY, "10:00"), at(MONDAY, "12:00"), LONG_BEFORE)
    assert [slot.start for slot in slots] == clocks("10:00", "11:00")


def test_slots_are_utc_with_end_at_start_plus_duration_and_one_seat():
    slot = available_slots(HOURLY, NINE_TO_FIVE, [], at(MONDAY, "09:00"), at(MONDAY, "10:00"), LONG_BEFORE)[0]
    assert slot == Slot(utc(2025, 6, 2, 8), utc(2025, 6, 2, 9), 1)
    assert slot.start.tzinfo is UTC and slot.end.tzinfo is UTC


def test_slot_remaining_is_zero_off_the_step_grid_and_outside_hours():
    assert slot_remaining(HOURLY, NINE_TO_FIVE, [], at(MONDAY, "09:30"), LONG_BEFORE) == 0
    assert slot_remaining(HOURLY, NINE_TO_FIVE, [], at(MONDAY, "16:30"), LONG_BEFORE) == 0
    assert slot_remaining(HOURLY, NINE_TO_FIVE, [], at(MONDAY, "17:00"), LONG_BEFORE) == 0


NAIVE = datetime(2025, 6, 2, 9)
AWARE = at(MONDAY, "09:00")


@pytest.mark.parametrize(
    "call",
    [
        lambda: available_slots(HOURLY, NINE_TO_FIVE, [], NAIVE, AWARE, AWARE),
        lambda: available_slots(HOURLY, NINE_TO_FIVE, [], AWARE, NAIVE, AWARE),
        lambda: available_slots(HOURLY, NINE_TO_FIVE, [], AWARE, AWARE, NAIVE),
        lambda: slot_remaining(HOURLY, NINE_TO_FIVE, [], NAIVE, AWARE),
        lambda: slot_remaining(HOURLY, NINE_TO_FIVE, [], AWARE, NAIVE),
        lambda: blocked_interval(HOURLY, NAIVE),
        lambda: Interval(NAIVE, AWARE + HOUR),
        lambda: BusyInterval(NAIVE, NAIVE + HOUR, NAIVE, NAIVE + HOUR, service_id=1),
    ],
    ids=["window_start", "window_end", "now", "slot_start", "slot_now", "blocked", "interval", "busy"],
)
def test_a_naive_datetime_raises_value_error(call):
    with pytest.raises(ValueError, match="aware"):
        call()


@pytest.mark.parametrize(
    "build",
    [
        lambda: TimeRange(time(10), time(10)),
        lambda: TimeRange(time(17), time(9)),
        lambda: ServiceSpec(id=1, duration=timedelta(0)),
        lambda: ServiceSpec(id=1, duration=HOUR, slot_step=timedelta(0)),
        lambda: ServiceSpec(id=1, duration=HOUR, capacity=0),
        lambda: ServiceSpec(id=1, duration=HOUR, buffer_after=-MINUTE),
        lambda: Availability("Mars/Olympus_Mons", weekly={}),
        lambda: Interval(AWARE, AWARE),
    ],
    ids=["empty_range", "reversed_range", "zero_duration", "zero_step", "no_capacity", "negative_buffer",
         "unknown_zone", "empty_interval"],
)
def test_inconsistent_inputs_raise_value_error(build):
    with pytest.raises(ValueError):
        build()


# --- DST tables: a 60-minute service stepping hourly, on the transition days --------------
# London 2025-03-30: 01:00 GMT -> 02:00 BST.  2025-10-26: 02:00 BST -> 01:00 GMT.
# New York 2025-03-09 and 2027-03-14: 02:00 EST -> 03:00 EDT.  2025-11-02: 02:00 EDT -> 01:00 EST.
# A range starting or ending in the gap starts or ends as the clocks jump; an ambiguous time is
# its first occurrence.

DST_DAYS = [
    # zone, day, range, first start, last start (UTC), count
    ("Europe/London", date(2025, 3, 30), "09:00-17:00", utc(2025, 3, 30, 8), utc(2025, 3, 30, 15), 8),
    ("Europe/London", date(2025, 3, 30), "00:00-04:00", utc(2025, 3, 30, 0), utc(2025, 3, 30, 2), 3),
    ("Europe/London", date(2025, 3, 30), "01:30-03:00", utc(2025, 3, 30, 1), utc(2025, 3, 30, 1), 1),  # 01:00Z-02:00Z
    ("Europe/London", date(2025, 3, 30), "01:30-05:00", utc(2025, 3, 30, 1), utc(2025, 3, 30, 3), 3),
    ("Europe/London", date(2025, 3, 30), "00:30-01:45", None, None, 0),  # 00:30Z-01:00Z
    ("Europe/London", date(2025, 10, 26), "09:00-17:00", utc(2025, 10, 26, 9), utc(2025, 10, 26, 16), 8),
    ("Europe/London", date(2025, 10, 26), "00:00-04:00", utc(2025, 10, 25, 23), utc(2025, 10, 26, 3), 5),
    ("Europe/London", date(2025, 10, 26), "01:30-03:00", utc(2025, 10, 26, 0, 30), utc(2025, 10, 26, 1, 30), 2),
    ("America/New_York", date(2025, 3, 9), "09:00-17:00", utc(2025, 3, 9, 13), utc(2025, 3, 9, 20), 8),
    ("America/New_York", date(2025, 3, 9), "00:00-04:00", utc(2025, 3, 9, 5), utc(2025, 3, 9, 7), 3),
    ("America/New_York", date(2025, 3, 9), "02:30-05:00", utc(2025, 3, 9, 7), utc(2025, 3, 9, 8), 2),
    ("America/New_York", date(2027, 3, 14), "00:00-02:30", utc(2027, 3, 14, 5), utc(2027, 3, 14, 6), 2),
    ("America/New_York", date(2027, 3, 14), "00:30-02:30", utc(2027, 3, 14, 5, 30), utc(2027, 3, 14, 5, 30), 1),
    ("America/New_York", date(2027, 3, 14), "01:30-02:30", None, None, 0),  # 06:30Z-07:00Z
    ("America/New_York", date(2027, 3, 14), "02:15-02:45", None, None, 0),  # both ends at 07:00Z
    ("America/New_York", date(2027, 3, 14), "02:15-04:00", utc(2027, 3, 14, 7), utc(2027, 3, 14, 7), 1),
    ("America/New_York", date(2025, 11, 2), "09:00-17:00", utc(2025, 11, 2, 14), utc(2025, 11, 2, 21), 8),
    ("America/New_York", date(2025, 11, 2), "00:00-04:00", utc(2025, 11, 2, 4), utc(2025, 11, 2, 8), 5),
    ("America/New_York", date(2025, 11, 2), "01:30-03:00", utc(2025, 11, 2, 5, 30), utc(2025, 11, 2, 6, 30), 2),
]


@pytest.mark.parametrize(
    ("zone", "day", "span", "first", "last", "count"),
    DST_DAYS,
    ids=[f"{zone}-{day}-{span}" for zone, day, span, *_ in DST_DAYS],
)
def test_ranges_on_dst_days_last_their_real_length(zone, day, span, first, last, count):
    availability = Availability(zone, weekly={day.weekday(): (hours(*span.split("-")),)})
    window_start = datetime.combine(day, time(0), tzinfo=UTC) - timedelta(days=1)
    now = window_start - timedelta(days=7)
    slots = available_slots(HOURLY, availability, [], window_start, window_start + timedelta(days=3), now)
    starts = [slot.start for slot in slots]
    assert len(starts) == count
    if count:
        assert (starts[0], starts[-1]) == (first, last)
    assert all(later - earlier == HOUR for earlier, later in zip(starts, starts[1:]))


def test_a_range_ending_in_the_spring_forward_gap_ends_as_the_clocks_jump():
    # New York 2027-03-14: 02:00 EST -> 03:00 EDT, so 00:00-02:30 ends at 07:00Z and the last
    # half-hour session is 01:30-02:00 EST; nothing starts or ends at 03:00 or 03:30 EDT.
    new_york = ZoneInfo("America/New_York")
    half_hourly = ServiceSpec(id=1, duration=timedelta(minutes=30))
    early = Availability("America/New_York", weekly={}, overrides={date(2027, 3, 14): (hours("00:00", "02:30"),)})
    slots = available_slots(half_hourly, early, [], utc(2027, 3, 14), utc(2027, 3, 15), utc(2027, 3, 1))
    assert [slot.start.astimezone(new_york).strftime("%H:%M %Z") for slot in slots] == [
        "00:00 EST", "00:30 EST", "01:00 EST", "01:30 EST",
    ]
    assert slots[-1].end == utc(2027, 3, 14, 7)


def test_a_date_the_clocks_skip_entirely_has_no_slots():
    # Samoa skipped Friday 2011-12-30: 2011-12-29 23:59:59 -10 was followed by 2011-12-31 00:00 +14.
    fridays = Availability("Pacific/Apia", weekly={4: (hours("09:00", "17:00"),)})
    slots = available_slots(HOURLY, fridays, [], utc(2011, 12, 28), utc(2012, 1, 2), utc(2011, 12, 1))
    assert slots == []


def test_hours_of_a_date_are_found_when_clocks_go_back_across_midnight():
    # Antarctica/Casey, 2010-03-05 02:00 +11 -> 2010-03-04 23:00 +08, at 15:00Z: both ends
    # of the window read as 03-04 locally, yet 03-05 00:00-05:00 (13:00Z-21:00Z) starts inside it.
    friday_nights = Availability("Antarctica/Casey", weekly={4: (hours("00:00", "05:00"),)})
    slots = available_slots(HOURLY, friday_nights, [], utc(2010, 3, 4, 12), utc(2010, 3, 4, 15, 30), utc(2010, 3, 1))
    assert [slot.start for slot in slots] == [utc(2010, 3, 4, 13), utc(2010, 3, 4, 14), utc(2010, 3, 4, 15)]


# --- Properties ------------------------------------------------------------------------

ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]
# Spring-forward and fall-back dates of the zones above, which the windows straddle.
DST_DATES = [
    date(2025, 3, 9), date(2025, 3, 30), date(2025, 4, 6),
    date(2025, 10, 5), date(2025, 10, 26), date(2025, 11, 2),
]
#: Spring-forward days of the zones above: London 01:00 -> 02:00, the others 02:00 -> 03:00.
SPRING_FORWARD_DAYS = [
    ("Europe/London", date(2025, 3, 30)), ("America/New_York", date(2025, 3, 9)), ("Australia/Sydney", date(2025, 10, 5)),
]
LAST_MINUTE = 23 * 60 + 59
OTHER_SERVICE_ID = 2


def minutes(count: int) -> timedelta:
    return timedelta(minutes=count)


@st.composite
def time_ranges(draw) -> TimeRange:
    start = draw(st.integers(0, 95).map(lambda quarter: quarter * 15) | st.integers(0, LAST_MINUTE - 1))
    length = draw(st.integers(60, 10 * 60) | st.integers(1, 14 * 60))
    end = min(LAST_MINUTE, start + length)
    return TimeRange(time(*divmod(start, 60)), time(*divmod(end, 60)))


@st.composite
def early_time_ranges(draw) -> TimeRange:
    """A range within 00:00-05:00, where ends in the spring-forward gaps are common."""
    start = draw(st.integers(0, 4 * 60))
    end = draw(st.integers(start + 1, 5 * 60))
    return TimeRange(time(*divmod(start, 60)), time(*divmod(end, 60)))


day_ranges = st.lists(time_ranges(), max_size=3).map(tuple)
open_day_ranges = st.lists(time_ranges(), min_size=1, max_size=3).map(tuple)
working_weeks = st.fixed_dictionaries({weekday: open_day_ranges for weekday in range(7)})


@st.composite
def services(draw) -> ServiceSpec:
    return ServiceSpec(
        id=1,
        duration=minutes(draw(st.sampled_from([15, 30, 45, 50, 60, 90, 120]))),
        buffer_before=minutes(draw(st.integers(0, 6)) * 5),
        buffer_after=minutes(draw(st.integers(0, 6)) * 5),
        capacity=draw(st.integers(1, 4)),
        slot_step=minutes(draw(st.sampled_from([5, 10, 15, 20, 30, 45, 60, 90]))),
    )


@st.composite
def intervals_near(draw, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    span = int((end - start) / MINUTE)
    first = start.astimezone(UTC) + minutes(draw(st.integers(-24 * 60, span + 24 * 60)))
    return first, first + minutes(draw(st.integers(1, 36 * 60)))


class Scenario:
    def __init__(self, service, availability, busy, joined, window_start, window_end, now, free):
        self.service = service
        self.availability = availability
        self.busy = busy
        #: start -> seats of this service's bookings at exactly that start
        self.joined = joined
        self.window_start = window_start
        self.window_end = window_end
        self.now = now
        #: the slots offered with no bookings and no time off
        self.free = free

    def slots(self) -> list[Slot]:
        return available_slots(self.service, self.availability, self.busy, self.window_start, self.window_end, self.now)

    def remaining(self, start: datetime) -> int:
        return slot_remaining(self.service, self.availability, self.busy, start, self.now)

    def conflicting_busy(self, slot: Slot) -> list[BusyInterval]:
        blocked = blocked_interval(self.service, slot.start)
        return [
            entry for entry in self.busy
            if entry.blocked_start < blocked.end and blocked.start < entry.blocked_end
            and not (self.service.capacity > 1 and entry.service_id == self.service.id and entry.start == slot.start)
        ]

    def conflicting_time_off(self, slot: Slot) -> list[Interval]:
        blocked = blocked_interval(self.service, slot.start)
        return [off for off in self.availability.time_off if off.start < blocked.end and blocked.start < off.end]


@st.composite
def scenarios(draw) -> Scenario:
    zone_name = draw(st.sampled_from(ZONES))
    zone = ZoneInfo(zone_name)
    pivot = draw(st.sampled_from(DST_DATES))
    pivot_midnight = datetime.combine(pivot, time(0), tzinfo=zone)
    window_start = (pivot_midnight + minutes(draw(st.integers(-3 * 24 * 60, 24 * 60)))).astimezone(zone)
    window_end = window_start + timedelta(days=draw(st.integers(0, 4))) + minutes(draw(st.integers(1, 24 * 60)))
    near_days = [pivot + timedelta(days=offset) for offset in range(-4, 7)]
    service = draw(services())
    open_availability = Availability(
        timezone=zone_name,
        weekly=draw(working_weeks | st.dictionaries(st.integers(0, 6), day_ranges)),
        overrides=draw(st.dictionaries(st.sampled_from(near_days), day_ranges, max_size=3)),
        min_notice=minutes(draw(st.sampled_from([0, 30, 120, 24 * 60 + 7]))),
        max_advance=minutes(draw(st.sampled_from([60 * 24 * 60, 3 * 24 * 60]) | st.integers(0, 10 * 24 * 60))),
    )
    now = window_start - minutes(draw(st.integers(-24 * 60, 3 * 24 * 60)))
    free = available_slots(service, open_availability, [], window_start, window_end, now)

    time_off = tuple(Interval(*span) for span in draw(st.lists(intervals_near(window_start, window_end), max_size=3)))
    busy = []
    for first, last in draw(st.lists(intervals_near(window_start, window_end), max_size=8)):
        busy.append(BusyInterval(
            start=first,
            end=last,
            blocked_start=first - minutes(draw(st.integers(0, 30))),
            blocked_end=last + minutes(draw(st.integers(0, 30))),
            service_id=draw(st.sampled_from([service.id, OTHER_SERVICE_ID])),
            seats=draw(st.integers(1, 3)),
        ))
    if free:
        for slot in draw(st.lists(st.sampled_from(free), max_size=6)):
            busy.append(booking(service, slot.start, draw(st.integers(1, service.capacity))))
    # Every entry of this service counts at its start, the random ones above too: the engine
    # takes any of them starting there as a seat taken in that session, whatever its end.
    joined: dict[datetime, int] = {}
    for entry in busy:
        if entry.service_id == service.id:
            joined[entry.start] = joined.get(entry.start, 0) + entry.seats
    busy = draw(st.permutations(busy))
    availability = replace(open_availability, time_off=time_off)
    return Scenario(service, availability, busy, joined, window_start, window_end, now, free)


PROPERTY_SETTINGS = settings(max_examples=150, deadline=None)


@PROPERTY_SETTINGS
@given(scenarios())
def test_no_slot_overlaps_a_busy_interval_including_buffers(scenario):
    for slot in scenario.slots():
        assert scenario.conflicting_busy(slot) == []


@PROPERTY_SETTINGS
@given(scenarios())
def test_no_slot_overlaps_time_off_including_buffers(scenario):
    for slot in scenario.slots():
        assert scenario.conflicting_time_off(slot) == []


@PROPERTY_SETTINGS
@given(scenarios())
def test_bookings_and_time_off_remove_exactly_the_conflicting_slots(scenario):
    expected = [
        slot.start for slot in scenario.free
        if not scenario.conflicting_busy(slot) and not scenario.conflicting_time_off(slot)
        and scenario.joined.get(slot.start, 0) < scenario.service.capacity
    ]
    assert [slot.start for slot in scenario.slots()] == expected


def ranges_of(availability: Availability, day: date) -> tuple[TimeRange, ...]:
    return availability.overrides.get(day, availability.weekly.get(day.weekday(), ()))


@functools.cache
def first_instant_showing(zone_name: str, day: date, wall: time) -> datetime:
    """The first instant the clock shows `wall` on `day` or later, found by walking minutes.

    It lies between the two readings of the wall time (fold=0 and fold=1), which differ only
    around a change; every change of the zones in ZONES falls on a whole minute.
    """
    zone = ZoneInfo(zone_name)
    wanted = datetime.combine(day, wall)
    readings = [datetime.combine(day, wall, tzinfo=zone).replace(fold=fold).astimezone(UTC) for fold in (0, 1)]
    instant, last = min(readings), max(readings)
    while instant.astimezone(zone).replace(tzinfo=None) < wanted and instant < last:
        instant += MINUTE
    return instant


def wall_clock(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def shown_inside(slot: Slot, zone: ZoneInfo, day: date, time_range: TimeRange) -> bool:
    """Whether the clock shows the slot starting and ending within `time_range` on `day`.

    An end is what the clock showed just before it: a session ending as the clocks jump
    from 02:00 to 03:00 ends at 02:00.
    """
    start = wall_clock(slot.start, zone)
    end = wall_clock(slot.end - MICROSECOND, zone) + MICROSECOND
    return datetime.combine(day, time_range.start) <= start and end <= datetime.combine(day, time_range.end)


def clocks_go_back_on(day: date, zone: ZoneInfo) -> bool:
    return zone.utcoffset(datetime.combine(day + timedelta(days=1), time(0))) < zone.utcoffset(datetime.combine(day, time(0)))


@PROPERTY_SETTINGS
@given(scenarios())
def test_every_slot_is_stepped_from_a_working_range_of_its_local_day_and_fits_inside_it(scenario):
    zone_name = scenario.availability.timezone
    service = scenario.service
    for slot in scenario.slots():
        day = slot.start.astimezone(ZoneInfo(zone_name)).date()
        ranges = ranges_of(scenario.availability, day)
        fitting = []
        for time_range in ranges:
            range_start = first_instant_showing(zone_name, day, time_range.start)
            range_end = first_instant_showing(zone_name, day, time_range.end)
            if (range_start <= slot.start and slot.end <= range_end
                    and (slot.start - range_start) % service.slot_step == timedelta(0)):
                fitting.append(time_range)
        assert fitting, f"{slot} is outside {ranges} on {day}"


@PROPERTY_SETTINGS
@given(scenarios())
def test_unless_clocks_go_back_every_slot_starts_and_ends_on_the_clock_inside_a_range_of_its_day(scenario):
    # Where clocks go back, a range holding the repeated hour shows earlier times after the
    # change (01:30 EDT-03:00 EST passes 01:00 EST): that day is the property above's to check.
    zone = ZoneInfo(scenario.availability.timezone)
    for slot in scenario.slots():
        day = wall_clock(slot.start, zone).date()
        if clocks_go_back_on(day, zone):
            continue
        ranges = ranges_of(scenario.availability, day)
        assert any(shown_inside(slot, zone, day, time_range) for time_range in ranges), f"{slot} is outside {ranges}"


@PROPERTY_SETTINGS
@given(st.sampled_from(SPRING_FORWARD_DAYS), early_time_ranges(), services())
def test_on_spring_forward_days_no_slot_starts_or_ends_on_the_clock_outside_its_range(zone_and_day, time_range, service):
    zone_name, day = zone_and_day
    zone = ZoneInfo(zone_name)
    availability = Availability(zone_name, weekly={}, overrides={day: (time_range,)})
    midnight = datetime.combine(day, time(0), tzinfo=zone)
    slots = available_slots(service, availability, [], midnight, midnight + timedelta(days=1), midnight - timedelta(days=7))
    for slot in slots:
        assert shown_inside(slot, zone, day, time_range), f"{slot} is outside {time_range}"


@PROPERTY_SETTINGS
@given(scenarios())
def test_a_group_never_exceeds_capacity_and_a_full_session_is_absent(scenario):
    capacity = scenario.service.capacity
    slots = {slot.start: slot.remaining for slot in scenario.slots()}
    for start, remaining in slots.items():
        joined = scenario.joined.get(start, 0) if capacity > 1 else 0
        assert remaining == capacity - joined
        assert 1 <= remaining <= capacity
    for start, seats in scenario.joined.items():
        if seats >= capacity:
            assert start not in slots


@PROPERTY_SETTINGS
@given(scenarios(), st.data())
def test_slot_remaining_agrees_with_available_slots(scenario, data):
    slots = scenario.slots()
    offered = {slot.start: slot.remaining for slot in slots}
    for start, remaining in offered.items():
        assert scenario.remaining(start) == remaining
    window_minutes = int((scenario.window_end - scenario.window_start) / MINUTE)
    probes = {slot.start for slot in scenario.free}
    probes |= {slot.start + MINUTE for slot in slots} | {slot.start - timedelta(microseconds=1) for slot in slots}
    probes |= {
        scenario.window_start + minutes(offset)
        for offset in data.draw(st.lists(st.integers(0, window_minutes - 1), max_size=5))
    }
    for start in probes:
        if scenario.window_start <= start < scenario.window_end and start not in offered:
            assert scenario.remaining(start) == 0


@PROPERTY_SETTINGS
@given(scenarios())
def test_slots_are_sorted_utc_inside_the_window_and_booking_limits(scenario):
    slots = scenario.slots()
    starts = [slot.start for slot in slots]
    assert starts == sorted(set(starts))
    # Notice and advance are real durations: add them to the instant, not to the local wall clock.
    now = scenario.now.astimezone(UTC)
    earliest = now + scenario.availability.min_notice
    latest = now + scenario.availability.max_advance
    for slot in slots:
        assert slot.start.tzinfo is UTC and slot.end.tzinfo is UTC
        assert slot.end - slot.start == scenario.service.duration
        assert scenario.window_start <= slot.start < scenario.window_end
        assert earliest <= slot.start <= latest
