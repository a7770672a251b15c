"""Operations that edit a practitioner's hours, overrides and time off, and a service's own hours."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from itertools import groupby
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, select

from practice.accounts.models import Practitioner
from practice.catalog.models import Service
from practice.extensions import begin_write_transaction, db
from practice.scheduling.models import DateOverride, TimeOff, WeeklyHours, hours_set
from practice.scheduling.signals import time_closed
from practice.timeformats import days_window, local_day

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: Overrides and time off further ahead than this are almost certainly a typo in the year.
FURTHEST_AHEAD = timedelta(days=3 * 366)
#: Time off may start in the past ("since this morning"), but not implausibly long ago.
FURTHEST_BACK = timedelta(days=366)
MAX_NOTE_LENGTH = 200


class RuleError(Exception):
    """An availability change that cannot be made; messages are safe to show the practitioner."""

    def __init__(self, field_errors: dict[str, str]):
        super().__init__("; ".join(field_errors.values()))
        self.field_errors = field_errors


@dataclass(frozen=True)
class DayOverride:
    """One local date whose weekly hours are replaced: closed, or open at its rows' ranges."""

    day: date
    rows: list[DateOverride]

    @property
    def closed(self) -> bool:
        return all(row.start_time is None for row in self.rows)


def weekly_hours(practitioner_id: int, service_id: int | None = None) -> dict[int, list[WeeklyHours]]:
    """Every weekday (0 is Monday) with its ranges in start order; empty when closed.

    The general hours, or with `service_id` that service's own weekly times.
    """
    rows = db.session.scalars(
        select(WeeklyHours)
        .where(hours_set(WeeklyHours, practitioner_id, service_id))
        .order_by(WeeklyHours.weekday, WeeklyHours.start_time)
    )
    week: dict[int, list[WeeklyHours]] = {weekday: [] for weekday in range(7)}
    for row in rows:
        week[row.weekday].append(row)
    return week


def upcoming_overrides(practitioner: Practitioner, now: datetime, service_id: int | None = None) -> list[DayOverride]:
    """Overrides from today on, in the practitioner's own calendar; with `service_id`, its dated sessions."""
    today = local_day(now, practitioner.practice.timezone)
    rows = db.session.scalars(
        select(DateOverride)
        .where(hours_set(DateOverride, practitioner.id, service_id), DateOverride.day >= today)
        .order_by(DateOverride.day, DateOverride.start_time)
    )
    return [DayOverride(day, list(group)) for day, group in groupby(rows, key=lambda row: row.day)]


def upcoming_time_off(practitioner_id: int, now: datetime) -> list[TimeOff]:
    """Time off that has not ended yet, soonest first."""
    return list(
        db.session.scalars(
            select(TimeOff)
            .where(TimeOff.practitioner_id == practitioner_id, TimeOff.ends_at > now)
            .order_by(TimeOff.starts_at)
        )
    )


def add_weekly_range(practitioner: Practitioner, weekday: int, start: time, end: time) -> WeeklyHours:
    """Add working hours to a weekday, or raise RuleError if they are backwards or overlap."""
    begin_write_transaction()
    _check_weekday(weekday)
    _check_range(start, end)
    return _add_weekly_range(practitioner.id, None, weekday, start, end, f"your {WEEKDAYS[weekday]} hours")


def _add_weekly_range(
    practitioner_id: int, service_id: int | None, weekday: int, start: time, end: time, what: str
) -> WeeklyHours:
    existing = db.session.scalars(
        select(WeeklyHours).where(hours_set(WeeklyHours, practitioner_id, service_id), WeeklyHours.weekday == weekday)
    )
    _check_no_overlap(start, end, [(row.start_time, row.end_time) for row in existing], what)
    row = WeeklyHours(
        practitioner_id=practitioner_id, service_id=service_id, weekday=weekday, start_time=start, end_time=end
    )
    db.session.add(row)
    db.session.commit()
    return row


def remove_weekly_range(row: WeeklyHours) -> None:
    begin_write_transaction()
    db.session.delete(row)
    db.session.commit()


def close_day(practitioner: Practitioner, day: date, now: datetime) -> tuple[DateOverride, int]:
    """Close one local date, replacing any other hours set for it.

    Returns the override and how many bookings that day still stand: closing a day frees no
    one's session by itself, so the practitioner is told and decides.
    """
    begin_write_transaction()
    _check_day(practitioner, day, now)
    _clear_day(practitioner.id, day)
    row = DateOverride(practitioner_id=practitioner.id, day=day, start_time=None, end_time=None)
    db.session.add(row)
    db.session.commit()
    start, end = days_window(day, 1, practitioner.practice.timezone)
    return row, _bookings_between(practitioner.id, max(start, now), end, now)


def add_override_range(practitioner: Practitioner, day: date, start: time, end: time, now: datetime) -> DateOverride:
    """Open a local date at these hours instead of its weekly ones (a closed day opens again)."""
    begin_write_transaction()
    _check_day(practitioner, day, now)
    _check_range(start, end)
    return _add_override_range(practitioner.id, None, day, start, end, "the other hours that day")


def _add_override_range(
    practitioner_id: int, service_id: int | None, day: date, start: time, end: time, what: str
) -> DateOverride:
    same_day = and_(hours_set(DateOverride, practitioner_id, service_id), DateOverride.day == day)
    existing = db.session.scalars(select(DateOverride).where(same_day, DateOverride.start_time.is_not(None)))
    _check_no_overlap(start, end, [(row.start_time, row.end_time) for row in existing], what)
    db.session.execute(delete(DateOverride).where(same_day, DateOverride.start_time.is_(None)))
    row = DateOverride(practitioner_id=practitioner_id, service_id=service_id, day=day, start_time=start, end_time=end)
    db.session.add(row)
    db.session.commit()
    return row


def remove_override(row: DateOverride) -> None:
    """Remove one override range; a date left with none follows its weekly hours again."""
    begin_write_transaction()
    db.session.delete(row)
    db.session.commit()


def set_own_hours(service: Service, own_hours: bool) -> Service:
    """Offer the service only at its own times, or in the general hours again.

    Its own rows are kept either way, so switching back brings its times back unchanged.
    """
    begin_write_transaction()
    service.own_hours = own_hours
    db.session.commit()
    return service


def add_service_weekly_range(service: Service, weekday: int, start: time, end: time) -> WeeklyHours:
    """Offer a service every week at these times, or raise RuleError."""
    begin_write_transaction()
    _check_weekday(weekday)
    _check_service_range(service, start, end)
    return _add_weekly_range(
        service.practitioner_id, service.id, weekday, start, end, f"this service's {WEEKDAYS[weekday]} times"
    )


def add_service_session(service: Service, day: date, start: time, end: time, now: datetime) -> DateOverride:
    """Offer a service on one local date at these times, such as a monthly circle's evening.

    As with the general hours, a date with sessions replaces the service's weekly times that day.
    """
    begin_write_transaction()
    _check_day(service.practitioner, day, now)
    _check_service_range(service, start, end)
    return _add_override_range(service.practitioner_id, service.id, day, start, end, "another session that day")


def add_time_off(
    practitioner: Practitioner, starts_local: datetime, ends_local: datetime, note: str, now: datetime
) -> tuple[TimeOff, int]:
    """Block a stretch of time given as wall-clock times in the practitioner's zone.

    Stored as UTC instants. A wall time that a DST change skips or repeats takes the earlier
    offset (zoneinfo's fold=0), as working hours do. Returns the row and how many bookings
    fall inside it: they stand until the practitioner cancels them.
    """
    begin_write_transaction()
    zone = ZoneInfo(practitioner.practice.timezone)
    today = local_day(now, practitioner.practice.timezone)
    errors = {}
    for field, value in (("starts", starts_local), ("ends", ends_local)):
        if not today - FURTHEST_BACK <= value.date() <= today + FURTHEST_AHEAD:
            errors[field] = "Please choose a date within the next three years."
    if len(note) > MAX_NOTE_LENGTH:
        errors["note"] = f"Please keep the note under {MAX_NOTE_LENGTH} characters."
    if errors:
        raise RuleError(errors)
    starts_at = starts_local.replace(tzinfo=zone).astimezone(timezone.utc)
    ends_at = ends_local.replace(tzinfo=zone).astimezone(timezone.utc)
    if ends_at <= starts_at:
        raise RuleError({"ends": "The end needs to be after the start."})
    if ends_at <= now:
        raise RuleError({"ends": "That time has already passed."})
    row = TimeOff(practitioner_id=practitioner.id, starts_at=starts_at, ends_at=ends_at, note=note)
    db.session.add(row)
    db.session.commit()
    return row, _bookings_between(practitioner.id, max(starts_at, now), ends_at, now)


def remove_time_off(row: TimeOff) -> None:
    begin_write_transaction()
    db.session.delete(row)
    db.session.commit()


def _check_weekday(weekday: int) -> None:
    if weekday not in range(7):
        raise RuleError({"weekday": "Please choose a day of the week."})


def _check_range(start: time, end: time) -> None:
    if start >= end:
        raise RuleError({"end": "The end time needs to be after the start time."})


def _check_service_range(service: Service, start: time, end: time) -> None:
    # A range shorter than one session could never be booked: say so now, not by silence later.
    _check_range(start, end)
    length = datetime.combine(date.min, end) - datetime.combine(date.min, start)
    if length < service.duration:
        raise RuleError(
            {"end": f"A session of this service lasts {service.duration_minutes} minutes, "
                    "so these times need to be at least that long."}
        )


def _check_no_overlap(start: time, end: time, others: list[tuple[time, time]], what: str) -> None:
    # Ranges are half-open, so 09:00–12:00 and 12:00–17:00 sit side by side without overlapping.
    for other_start, other_end in others:
        if start < other_end and other_start < end:
            raise RuleError(
                {"start": f"These hours overlap {what} ({other_start:%H:%M}–{other_end:%H:%M}). Please adjust them."}
            )


def _check_day(practitioner: Practitioner, day: date, now: datetime) -> None:
    today = local_day(now, practitioner.practice.timezone)
    if day < today:
        raise RuleError({"day": "That date has already passed."})
    if day > today + FURTHEST_AHEAD:
        raise RuleError({"day": "Please choose a date within the next three years."})


def _clear_day(practitioner_id: int, day: date) -> None:
    # General hours only: a service's own sessions that day are not the practitioner's hours.
    db.session.execute(
        delete(DateOverride).where(hours_set(DateOverride, practitioner_id, None), DateOverride.day == day)
    )


def _bookings_between(practitioner_id: int, start: datetime, end: datetime, now: datetime) -> int:
    if end <= start:
        return 0
    return sum(count for _, count in time_closed.send(practitioner_id, start=start, end=end, now=now))
