"""The pure slot engine: which start times a service offers, given hours, bookings and time off."""
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "Availability",
    "BusyInterval",
    "Interval",
    "ServiceSpec",
    "Slot",
    "TimeRange",
    "available_slots",
    "blocked_interval",
    "slot_remaining",
]

UTC = timezone.utc
ONE_DAY = timedelta(days=1)
# Datetimes have microsecond resolution, so "at or before x" is exactly "before x + 1 µs".
RESOLUTION = timedelta(microseconds=1)


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {value!r}")


@dataclass(frozen=True)
class TimeRange:
    """A local wall-clock range within one day; start < end (so it cannot run past 23:59)."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("TimeRange takes wall-clock times without tzinfo")
        if not self.start < self.end:
            raise ValueError(f"TimeRange start {self.start} must be before end {self.end}")


@dataclass(frozen=True)
class ServiceSpec:
    id: int
    duration: timedelta
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    capacity: int = 1
    slot_step: timedelta = timedelta(minutes=30)

    def __post_init__(self) -> None:
        if self.duration <= timedelta(0):
            raise ValueError("duration must be positive")
        if self.slot_step <= timedelta(0):
            raise ValueError("slot_step must be positive")
        if self.buffer_before < timedelta(0) or self.buffer_after < timedelta(0):
            raise ValueError("buffers must not be negative")
        if self.capacity < 1:
            raise ValueError("capacity must be at least 1")


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_aware(self.start, "Interval.start")
        _require_aware(self.end, "Interval.end")
        if not self.start < self.end:
            raise ValueError("Interval end must be after its start")


@dataclass(frozen=True)
class Availability:
    timezone: str
    weekly: Mapping[int, tuple[TimeRange, ...]]
    overrides: Mapping[date, tuple[TimeRange, ...]] = field(default_factory=dict)
    time_off: tuple[Interval, ...] = ()
    min_notice: timedelta = timedelta(0)
    max_advance: timedelta = timedelta(days=60)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown timezone {self.timezone!r}") from error


@dataclass(frozen=True)
class BusyInterval:
    """An existing held/confirmed booking of the same practitioner."""

    start: datetime
    end: datetime
    blocked_start: datetime
    blocked_end: datetime
    service_id: int
    seats: int = 1

    def __post_init__(self) -> None:
        for name in ("start", "end", "blocked_start", "blocked_end"):
            _require_aware(getattr(self, name), f"BusyInterval.{name}")
        if not self.blocked_start <= self.start < self.end <= self.blocked_end:
            raise ValueError("BusyInterval needs blocked_start <= start < end <= blocked_end")


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    remaining: int


def blocked_interval(service: ServiceSpec, start: datetime) -> Interval:
    """The time a booking starting at `start` keeps the practitioner busy, buffers included."""
    _require_aware(start, "start")
    return Interval(
        start - service.buffer_before,
        start + service.duration + service.buffer_after,
    )


def available_slots(
    service: ServiceSpec,
    availability: Availability,
    busy: Sequence[BusyInterval],
    window_start: datetime,
    window_end: datetime,
    now: datetime,
) -> list[Slot]:
    """Offered slots whose start lies in [window_start, window_end), ascending, in UTC."""
    _require_aware(window_start, "window_start")
    _require_aware(window_end, "window_end")
    _require_aware(now, "now")
    return _offered_slots(service, availability, busy, window_start, window_end, now)


def slot_remaining(
    service: ServiceSpec,
    availability: Availability,
    busy: Sequence[BusyInterval],
    start: datetime,
    now: datetime,
) -> int:
    """Seats left at exactly `start`: 0 when that start is not offered or is full."""
    _require_aware(start, "start")
    _require_aware(now, "now")
    slots = _offered_slots(service, availability, busy, start, start + RESOLUTION, now)
    return slots[0].remaining if slots else 0


def _offered_slots(
    service: ServiceSpec,
    availability: Availability,
    busy: Sequence[BusyInterval],
    window_start: datetime,
    window_end: datetime,
    now: datetime,
) -> list[Slot]:
    # Notice and advance are real durations, added to the instant (not to the wall clock).
    now = now.astimezone(UTC)
    earliest = max(window_start.astimezone(UTC), now + availability.min_notice)
    before = min(window_end.astimezone(UTC), now + availability.max_advance + RESOLUTION)
    if earliest >= before:
        return []
    reach_before = service.buffer_before
    reach_after = service.duration + service.buffer_after
    conflicts = _ConflictIndex(
        service,
        busy,
        availability.time_off,
        span_start=earliest - reach_before,
        span_end=before + reach_after,
    )
    starts = set(_candidate_starts(service, availability, earliest, before))
    slots = []
    for start in sorted(starts):
        remaining = conflicts.remaining_seats(start)
        if remaining > 0:
            slots.append(Slot(start, start + service.duration, remaining))
    return slots


def _candidate_starts(
    service: ServiceSpec, availability: Availability, earliest: datetime, before: datetime
) -> Iterator[datetime]:
    """Grid starts in [earliest, before) whose whole session fits one working range."""
    zone = ZoneInfo(availability.timezone)
    for day in _local_days(zone, earliest, before):
        for time_range in _ranges_on(availability, day):
            yield from _starts_in_range(service, zone, day, time_range, earliest, before)


def _ranges_on(availability: Availability, day: date) -> tuple[TimeRange, ...]:
    if day in availability.overrides:
        return tuple(availability.overrides[day])
    return tuple(availability.weekly.get(day.weekday(), ()))


def _local_days(zone: ZoneInfo, earliest: datetime, before: datetime) -> Iterator[date]:
    # One spare day each side: where clocks go back across midnight the local date steps
    # back (Antarctica/Casey, 2010-03-05 02:00 -> 03-04 23:00), so a window whose ends read
    # as one date can still hold the next date's hours.
    day = earliest.astimezone(zone).date() - ONE_DAY
    last = before.astimezone(zone).date() + ONE_DAY
    while day <= last:
        yield day
        day += ONE_DAY


def _starts_in_range(
    service: ServiceSpec,
    zone: ZoneInfo,
    day: date,
    time_range: TimeRange,
    earliest: datetime,
    before: datetime,
) -> Iterator[datetime]:
    # Stepping is done in absolute (UTC) time, so ranges spanning a DST change hold their
    # real length (e.g. 00:00-04:00 is 3 h on spring-forward day, 5 h on fall-back).
    range_start = _first_instant_showing(zone, day, time_range.start)
    range_end = _first_instant_showing(zone, day, time_range.end)
    latest_fitting = range_end - service.duration
    steps_to_window = max(0, -((range_start - earliest) // service.slot_step))
    start = range_start + steps_to_window * service.slot_step
    while start < before and start <= latest_fitting:
        yield start
        start += service.slot_step


def _first_instant_showing(zone: ZoneInfo, day: date, wall: time) -> datetime:
    """The first instant the clock in `zone` shows `wall` on `day`, or a later time, in UTC.

    An ambiguous wall time (clocks going back) is its first occurrence. A wall time the
    clocks skip (springing forward) is the change-over instant, where the skipped hour begins
    and ends: a range that starts or ends inside the gap starts or ends as the clocks jump,
    so none of its slots shows on the clock outside it (00:00-02:30 offers no 03:00 session).
    """
    local = datetime.combine(day, wall, tzinfo=zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return instant
    # Skipped. fold=0 reads it with the offset before the gap, landing after the change-over;
    # fold=1 reads it with the offset after the gap, landing before it.
    return _change_over(zone, local.replace(fold=1).astimezone(UTC), instant)


def _change_over(zone: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """The instant in (before, after] at which `zone` leaves the offset it has at `before`.

    zoneinfo does not list its transitions, so this halves the span to the microsecond:
    about 35 steps for an hour's gap, taken only for a range that names a skipped time.
    """
    offset = before.astimezone(zone).utcoffset()
    while after - before > RESOLUTION:
        middle = before + (after - before) / 2
        if middle.astimezone(zone).utcoffset() == offset:
            before = middle
        else:
            after = middle
    return after


class _ConflictIndex:
    """Answers "how many seats are left at this start?" in O(log n) per candidate.

    Overlaps are counted, not searched: for half-open intervals with start <= end, the
    number overlapping [a, b) is #(starts < b) - #(ends <= a), two bisects on sorted
    lists. Joiners of the same group session overlap the candidate too, so they are
    subtracted from that count and their seats counted instead.
    """

    def __init__(
        self,
        service: ServiceSpec,
        busy: Sequence[BusyInterval],
        time_off: Sequence[Interval],
        span_start: datetime,
        span_end: datetime,
    ) -> None:
        self._capacity = service.capacity
        self._reach_before = service.buffer_before
        self._reach_after = service.duration + service.buffer_after
        # One linear pass keeps only entries that can touch a candidate in the window (past
        # ones fail the first test), normalised to UTC so later comparisons are plain and exact.
        relevant = [
            _in_utc(entry)
            for entry in busy
            if entry.blocked_end > span_start and entry.blocked_start < span_end
        ]
        off = [
            Interval(interval.start.astimezone(UTC), interval.end.astimezone(UTC))
            for interval in time_off
            if interval.start < span_end and interval.end > span_start
        ]
        self._busy_starts = sorted(entry.blocked_start for entry in relevant)
        self._busy_ends = sorted(entry.blocked_end for entry in relevant)
        self._off_starts = sorted(interval.start for interval in off)
        self._off_ends = sorted(interval.end for interval in off)
        self._joiners: dict[datetime, list[BusyInterval]] = {}
        if service.capacity > 1:
            for entry in relevant:
                if entry.service_id == service.id:
                    self._joiners.setdefault(entry.start, []).append(entry)

    def remaining_seats(self, start: datetime) -> int:
        # The blocked interval's ends, as blocked_interval() gives them, without building and checking one per candidate.
        blocked_start, blocked_end = start - self._reach_before, start + self._reach_after
        if _count_overlapping(self._off_starts, self._off_ends, blocked_start, blocked_end) > 0:
            return 0
        joiners = [
            j for j in self._joiners.get(start, ()) if j.blocked_start < blocked_end and j.blocked_end > blocked_start
        ]
        others = _count_overlapping(self._busy_starts, self._busy_ends, blocked_start, blocked_end) - len(joiners)
        if others > 0:
            return 0
        return self._capacity - sum(j.seats for j in joiners)


def _in_utc(entry: BusyInterval) -> BusyInterval:
    return BusyInterval(
        start=entry.start.astimezone(UTC),
        end=entry.end.astimezone(UTC),
        blocked_start=entry.blocked_start.astimezone(UTC),
        blocked_end=entry.blocked_end.astimezone(UTC),
        service_id=entry.service_id,
        seats=entry.seats,
    )


def _count_overlapping(starts: list[datetime], ends: list[datetime], start: datetime, end: datetime) -> int:
    """How many of the intervals (sorted `starts`, sorted `ends`) overlap [start, end)."""
    return bisect_left(starts, end) - bisect_right(ends, start)
