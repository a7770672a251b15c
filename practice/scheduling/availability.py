"""A service's hours as the pure engine reads them: weekly ranges, dated changes and time off near a window.

The rows change seldom and are read on every public page and slots request, so each process
keeps them in memory (per app, per practitioner and set of hours) under the practitioner's
`schedule_version`. Triggers replace that token in the transaction that changes any of the rows
(migration 0009), and the token is read before the rows: a copy is never newer than its key.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, select

from practice.accounts.models import Practitioner
from practice.app_memory import AppMemory
from practice.catalog.models import Service
from practice.extensions import db
from practice.scheduling import slots
from practice.scheduling.models import DateOverride, TimeOff, WeeklyHours, hours_set

#: Widening of a window so overrides on neighbouring local dates are seen in any zone.
ZONE_MARGIN = timedelta(days=2)
#: A copy reaches this far before the window that loaded it, so a slightly earlier window needs no reload.
EARLIER_REACH = timedelta(days=7)
#: One copy per practitioner's general hours and per service with hours of its own.
_copies = AppMemory("hours", size=1024)

_weekly, _override, _time_off = WeeklyHours.__table__.c, DateOverride.__table__.c, TimeOff.__table__.c
_VERSION = select(Practitioner.__table__.c.schedule_version).where(Practitioner.__table__.c.id == bindparam("practitioner"))


def _statements(service) -> tuple:
    """Built once for each kind of hours (None: general; a bound parameter: a service's own), as
    building a statement costs more than running it."""
    practitioner = bindparam("practitioner")
    return (
        select(_weekly.weekday, _weekly.start_time, _weekly.end_time)
        .where(hours_set(_weekly, practitioner, service))
        .order_by(_weekly.weekday, _weekly.start_time),
        select(_override.day, _override.start_time, _override.end_time)
        .where(hours_set(_override, practitioner, service), _override.day >= bindparam("first_day"))
        .order_by(_override.day, _override.start_time),
        select(_time_off.starts_at, _time_off.ends_at).where(
            _time_off.practitioner_id == practitioner, _time_off.ends_at > bindparam("reach_from")
        ),
    )


_GENERAL, _OWN = _statements(None), _statements(bindparam("service"))


@dataclass(frozen=True)
class _Hours:
    """One set of hours with the overrides and time off from `reach_from` on, as of `version`."""

    version: str
    reach_from: datetime
    weekly: dict[int, tuple[slots.TimeRange, ...]]
    overrides: dict[date, tuple[slots.TimeRange, ...]]
    time_off: tuple[slots.Interval, ...]


@dataclass(frozen=True)
class Offer:
    """What working out a service's free times needs of it and of its practice, as plain values."""

    spec: slots.ServiceSpec
    practitioner_id: int
    #: Whether the service keeps hours of its own rather than following the practitioner's.
    own_hours: bool
    timezone: str
    min_notice: timedelta
    max_advance: timedelta

    @property
    def hours_owner(self) -> int | None:
        """Whose hours rows the service follows: its own id, or None for the general hours."""
        return self.spec.id if self.own_hours else None


def offer_of(service: Service) -> Offer:
    practice = service.practice
    return Offer(
        spec=service_spec(service),
        practitioner_id=service.practitioner_id,
        own_hours=service.own_hours,
        timezone=practice.timezone,
        min_notice=timedelta(minutes=practice.min_notice_minutes),
        max_advance=timedelta(days=practice.max_advance_days),
    )


def service_spec(service: Service) -> slots.ServiceSpec:
    """The engine's view of a service: a Service, or a row with its id and timing columns."""
    return slots.ServiceSpec(
        id=service.id,
        duration=timedelta(minutes=service.duration_minutes),
        buffer_before=timedelta(minutes=service.buffer_before_minutes),
        buffer_after=timedelta(minutes=service.buffer_after_minutes),
        capacity=service.capacity,
        slot_step=timedelta(minutes=service.slot_step_minutes),
    )


def schedule_version(practitioner_id: int) -> str:
    """The token that changes with the practitioner's hours, overrides, time off and bookings, as this transaction sees them."""
    # Changes this session has not yet written must move the version too, as an ORM query would see them.
    if db.session.new or db.session.dirty or db.session.deleted:
        db.session.flush()
    return db.session.execute(_VERSION, {"practitioner": practitioner_id}).scalar_one()


def availability_for(offer: Offer, start: datetime, end: datetime, *, version: str | None = None) -> slots.Availability:
    """The hours the service is offered in, with the overrides and time off that can touch [start, end).

    Those are its own rows when it keeps its own hours, else the practitioner's general ones.
    Time off belongs to the practitioner and the booking window to the practice; both apply to every service.
    `version` is the practitioner's schedule_version when the caller has just read it.
    """
    version = version if version is not None else schedule_version(offer.practitioner_id)
    hours = _hours(version, offer.practitioner_id, offer.hours_owner, start - ZONE_MARGIN)
    return slots.Availability(
        timezone=offer.timezone,
        weekly=hours.weekly,
        overrides=hours.overrides,
        time_off=hours.time_off,
        min_notice=offer.min_notice,
        max_advance=offer.max_advance,
    )


def _hours(version: str, practitioner_id: int, service_id: int | None, reach_from: datetime) -> _Hours:
    """The practitioner's hours as of `version`, from memory when the copy there is of that version."""
    key = (practitioner_id, service_id)
    kept = _copies.get(key)
    if kept is not None and kept.version == version and kept.reach_from <= reach_from:
        return kept
    loaded = _load(version, practitioner_id, service_id, reach_from - EARLIER_REACH)
    _copies.put(key, loaded)
    return loaded


def _load(version: str, practitioner_id: int, service_id: int | None, reach_from: datetime) -> _Hours:
    weekly_rows, override_rows, time_off_rows = _GENERAL if service_id is None else _OWN
    values = {"practitioner": practitioner_id, "service": service_id, "reach_from": reach_from}
    # The day before reach_from's date in UTC: a local date there can be a day behind.
    first_day = (reach_from.astimezone(slots.UTC) - timedelta(days=1)).date()
    weekly: dict[int, list[slots.TimeRange]] = {}
    for weekday, start, end in db.session.execute(weekly_rows, values):
        weekly.setdefault(weekday, []).append(slots.TimeRange(start, end))
    overrides: dict[date, list[slots.TimeRange]] = {}
    for day, start, end in db.session.execute(override_rows, {**values, "first_day": first_day}):
        ranges = overrides.setdefault(day, [])
        if start is not None and end is not None:
            ranges.append(slots.TimeRange(start, end))
    return _Hours(
        version=version,
        reach_from=reach_from,
        weekly={weekday: tuple(ranges) for weekday, ranges in weekly.items()},
        overrides={day: tuple(ranges) for day, ranges in overrides.items()},
        time_off=tuple(slots.Interval(start, end) for start, end in db.session.execute(time_off_rows, values)),
    )
