"""A service's hours as the pure engine reads them: weekly ranges, dated changes and time off near a window."""
from datetime import date, datetime, timedelta

from sqlalchemy import select

from practice.catalog.models import Service
from practice.extensions import db
from practice.scheduling import slots
from practice.scheduling.models import DateOverride, TimeOff, WeeklyHours, hours_set

#: Widening of a window so overrides on neighbouring local dates are seen in any zone.
ZONE_MARGIN = timedelta(days=2)


def service_spec(service: Service) -> slots.ServiceSpec:
    return slots.ServiceSpec(
        id=service.id,
        duration=timedelta(minutes=service.duration_minutes),
        buffer_before=timedelta(minutes=service.buffer_before_minutes),
        buffer_after=timedelta(minutes=service.buffer_after_minutes),
        capacity=service.capacity,
        slot_step=timedelta(minutes=service.slot_step_minutes),
    )


def availability_for(service: Service, start: datetime, end: datetime) -> slots.Availability:
    """The hours `service` is offered in, with only the overrides and time off near [start, end).

    Those are its own rows when it keeps its own hours, else the practitioner's general ones.
    Time off belongs to the practitioner and the booking window to the practice; both apply to every service.
    """
    practitioner, practice = service.practitioner, service.practice
    hours_of = hours_owner(service)
    first_day = (start - ZONE_MARGIN).date()
    last_day = (end + ZONE_MARGIN).date()
    return slots.Availability(
        timezone=practice.timezone,
        weekly=_weekly_ranges(practitioner.id, hours_of),
        overrides=_override_ranges(practitioner.id, hours_of, first_day, last_day),
        time_off=_time_off(practitioner.id, start - ZONE_MARGIN, end + ZONE_MARGIN),
        min_notice=timedelta(minutes=practice.min_notice_minutes),
        max_advance=timedelta(days=practice.max_advance_days),
    )


def hours_owner(service: Service) -> int | None:
    """Whose hours rows the service follows: its own id, or None for the general hours."""
    return service.id if service.own_hours else None


def _weekly_ranges(practitioner_id: int, service_id: int | None) -> dict[int, tuple[slots.TimeRange, ...]]:
    rows = db.session.scalars(
        select(WeeklyHours)
        .where(hours_set(WeeklyHours, practitioner_id, service_id))
        .order_by(WeeklyHours.weekday, WeeklyHours.start_time)
    )
    weekly: dict[int, list[slots.TimeRange]] = {}
    for row in rows:
        weekly.setdefault(row.weekday, []).append(slots.TimeRange(row.start_time, row.end_time))
    return {weekday: tuple(ranges) for weekday, ranges in weekly.items()}


def _override_ranges(
    practitioner_id: int, service_id: int | None, first: date, last: date
) -> dict[date, tuple[slots.TimeRange, ...]]:
    rows = db.session.scalars(
        select(DateOverride)
        .where(
            hours_set(DateOverride, practitioner_id, service_id),
            DateOverride.day >= first,
            DateOverride.day <= last,
        )
        .order_by(DateOverride.day, DateOverride.start_time)
    )
    overrides: dict[date, list[slots.TimeRange]] = {}
    for row in rows:
        ranges = overrides.setdefault(row.day, [])
        if row.start_time is not None and row.end_time is not None:
            ranges.append(slots.TimeRange(row.start_time, row.end_time))
    return {day: tuple(ranges) for day, ranges in overrides.items()}


def _time_off(practitioner_id: int, start: datetime, end: datetime) -> tuple[slots.Interval, ...]:
    rows = db.session.scalars(
        select(TimeOff).where(
            TimeOff.practitioner_id == practitioner_id,
            TimeOff.starts_at < end,
            TimeOff.ends_at > start,
        )
    )
    return tuple(slots.Interval(row.starts_at, row.ends_at) for row in rows)
