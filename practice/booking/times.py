"""The day-then-time pages: two weeks of a service's free times, grouped by the client's local day."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby

from practice.booking import free_times
from practice.booking.free_times import FreeTimes
from practice.booking.models import Booking
from practice.catalog.models import Service
from practice.scheduling.slots import Slot
from practice.timeformats import day_start, days_window, local_day

#: At most this many places left reads as "a few places left" (never more than half a group).
FEW_PLACES = 3

#: The day-then-time pages show this many days at once, and page no further ahead than a year.
DAYS_SHOWN = 14
FURTHEST_PAGE = timedelta(days=366)


@dataclass(frozen=True)
class TimesPage:
    """Two weeks of a service's free times, grouped by local day, for the day-then-time pages."""

    first: date
    days: dict[date, list[Slot]]
    #: The day whose times are listed: the one asked for, if it has any free.
    day: date | None
    later: date
    earlier: date | None
    #: Until when the same page, asked again, lists the same times if nothing is written meanwhile.
    true_until: datetime


def times_page(
    service: Service,
    *,
    zone: str,
    first: date | None,
    day: date | None,
    now: datetime,
    moving: Booking | None = None,
) -> TimesPage:
    """The free times of `service` for DAYS_SHOWN local days from `first` (today if unset or out of range).

    With `moving`, the booking being rescheduled does not block any time, and its own start is left out.
    """
    today = local_day(now, zone)
    chosen_page = first is not None and today <= first <= today + FURTHEST_PAGE
    first = first if chosen_page else today
    ignored = moving.id if moving else None
    found = _free_times(service, first, zone, now, ignored)
    if not found.slots and not chosen_page:
        # Nothing in the first two weeks (a monthly circle, say): open where the times begin.
        # Found by a search to the booking window's edge, which moves with the clock: never kept.
        first = _first_free_day(service, first, zone, now, ignored) or first
        found = FreeTimes(_free_times(service, first, zone, now, ignored).slots, true_until=now)
    free = found.slots
    if moving is not None:
        free = [slot for slot in free if slot.start != moving.starts_at]
    days = {day: list(group) for day, group in groupby(free, key=lambda slot: local_day(slot.start, zone))}
    return TimesPage(
        first=first,
        days=days,
        day=day if day in days else None,
        later=first + timedelta(days=DAYS_SHOWN),
        earlier=max(today, first - timedelta(days=DAYS_SHOWN)) if first > today else None,
        # Tomorrow the page opens on another day.
        true_until=min(found.true_until, day_start(today + timedelta(days=1), zone)),
    )


def _free_times(service: Service, first: date, zone: str, now: datetime, ignored: int | None) -> FreeTimes:
    window_start, window_end = days_window(first, DAYS_SHOWN, zone)
    return free_times.free_times(service, window_start, window_end, now, ignore_booking_id=ignored)


def next_free_slot(service: Service, after: datetime, now: datetime) -> Slot | None:
    """The first free time that starts after `after`, within the advance window: for a full gathering, the next one."""
    end = now + timedelta(days=service.practice.max_advance_days)
    if after >= end:
        return None
    return next((slot for slot in free_times.open_slots(service, after, end, now) if slot.start > after), None)


def _first_free_day(service: Service, after: date, zone: str, now: datetime, ignored: int | None) -> date | None:
    """The first local day with a free time beyond the first page, within the advance window."""
    start = days_window(after, DAYS_SHOWN, zone)[1]
    end = now + timedelta(days=service.practice.max_advance_days)
    if start >= end:
        return None
    later = free_times.open_slots(service, start, end, now, ignore_booking_id=ignored)
    return local_day(later[0].start, zone) if later else None


def places_word(remaining: int, capacity: int) -> str:
    """"few" or "available": how a group's free places are told when the practice keeps counts private."""
    if capacity == 1:
        return "available"
    return "few" if remaining <= max(1, min(FEW_PLACES, capacity // 2)) else "available"


def shown_remaining(remaining: int, capacity: int, exact: bool) -> int | None:
    """The count the public may see: exact for one-to-one sessions or when the practice chose exact counts."""
    return remaining if exact or capacity == 1 else None
