"""Free times: a service's availability with its practitioner's bookings counted, asked of the pure engine."""
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, func, select

from practice.app_memory import AppMemory
from practice.booking.models import Booking, BookingStatus
from practice.catalog.models import Service
from practice.extensions import db
from practice.scheduling import slots
from practice.scheduling.availability import Offer, availability_for, offer_of, schedule_version
from practice.scheduling.signals import time_closed

#: No booking blocks more than this (the longest session plus both buffers), which lets
#: the busy query use a bounded index range instead of scanning the whole history.
LONGEST_BLOCK = timedelta(hours=24)


#: Built once: building the statement would cost more than running it. `ignored` is 0 when no booking is left out.
_BUSY = select(
    Booking.starts_at,
    Booking.ends_at,
    Booking.blocked_start,
    Booking.blocked_end,
    Booking.service_id,
    Booking.seats,
    Booking.status,
    Booking.hold_expires_at,
).where(
    Booking.practitioner_id == bindparam("practitioner"),
    Booking.blocked_start >= bindparam("reach_start"),
    Booking.blocked_start < bindparam("end"),
    Booking.blocked_end > bindparam("start"),
    Booking.occupies_time_at(bindparam("now")),
    Booking.id != bindparam("ignored"),
)
#: Free times worked out for a window, kept while nothing they depend on changes.
_answers = AppMemory("free_times", size=4096)
NEVER = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class FreeTimes:
    slots: list[slots.Slot]
    #: The first instant at which the clock alone may change them; `now` when they were not kept.
    true_until: datetime


@dataclass(frozen=True)
class _Answer:
    """The free times of one window, as worked out at `worked_out_at` from what `depends_on` names."""

    depends_on: tuple
    worked_out_at: datetime
    found: FreeTimes


@dataclass(frozen=True)
class _Busy:
    intervals: list[slots.BusyInterval]
    #: When the first payment or email hold among them lapses and frees its time; NEVER without holds.
    first_hold_lapses: datetime


def busy_intervals(
    practitioner_id: int, start: datetime, end: datetime, now: datetime, *, ignore_booking_id: int | None = None
) -> list[slots.BusyInterval]:
    """Bookings that occupy any of [start, end): confirmed ones and holds not yet expired.

    `ignore_booking_id` leaves one booking out: a booking being moved must not block its new time.
    """
    return _busy(practitioner_id, start, end, now, ignore_booking_id).intervals


def _busy(practitioner_id: int, start: datetime, end: datetime, now: datetime, ignore_booking_id: int | None) -> _Busy:
    rows = db.session.execute(
        _BUSY,
        {
            "practitioner": practitioner_id,
            "reach_start": start - LONGEST_BLOCK,
            "start": start,
            "end": end,
            "now": now,
            "ignored": ignore_booking_id or 0,
        },
    ).all()
    intervals = [
        slots.BusyInterval(
            start=starts_at,
            end=ends_at,
            blocked_start=blocked_start,
            blocked_end=blocked_end,
            service_id=service_id,
            seats=seats,
        )
        for starts_at, ends_at, blocked_start, blocked_end, service_id, seats, _, _ in rows
    ]
    holds = [expires for *_, status, expires in rows if status is BookingStatus.held]
    return _Busy(intervals, min(holds, default=NEVER))


def open_slots(
    service: Service | Offer,
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    ignore_booking_id: int | None = None,
    version: str | None = None,
) -> list[slots.Slot]:
    """The free slots of a service that start in [start, end).

    `version` is the practitioner's schedule_version when the caller read it with the service.
    """
    return free_times(service, start, end, now, ignore_booking_id=ignore_booking_id, version=version).slots


def free_times(
    service: Service | Offer,
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    ignore_booking_id: int | None = None,
    version: str | None = None,
) -> FreeTimes:
    """The free slots that start in [start, end), and until when they stay so if nothing is written.

    Kept in memory while the practitioner's schedule_version, the service's and the practice's
    settings and the clock leave them true (see _true_until); a booking being moved is never kept.
    """
    offer = service if isinstance(service, Offer) else offer_of(service)
    version = version if version is not None else schedule_version(offer.practitioner_id)
    key = (offer.spec.id, start, end)
    kept = _answers.get(key) if ignore_booking_id is None else None
    if kept is not None and kept.depends_on == (version, offer) and kept.worked_out_at <= now < kept.found.true_until:
        return kept.found
    availability = availability_for(offer, start, end, version=version)
    spec = offer.spec
    reach = spec.duration + spec.buffer_before + spec.buffer_after
    busy = _busy(offer.practitioner_id, start - reach, end + reach, now, ignore_booking_id)
    offered = slots.available_slots(spec, availability, busy.intervals, start, end, now)
    if ignore_booking_id is not None:
        return FreeTimes(offered, true_until=now)
    found = FreeTimes(offered, _true_until(offered, availability, busy, end, now))
    _answers.put(key, _Answer((version, offer), now, found))
    return found


def _true_until(found: list[slots.Slot], availability: slots.Availability, busy: _Busy, end: datetime, now: datetime) -> datetime:
    """Until when the same window, asked later, has the same free times if nothing is written meanwhile.

    The clock alone changes them three ways: the first free time comes within the practice's notice,
    a hold lapses and frees its time, or the booking window's far edge moves into the window.
    """
    if end > now + availability.max_advance:
        return now
    # The first free time is offered while now + notice <= its start: up to and including that microsecond.
    first_too_soon = found[0].start - availability.min_notice + slots.RESOLUTION if found else NEVER
    return min(first_too_soon, busy.first_hold_lapses)


def seats_left(service: Service, start: datetime, now: datetime, *, ignore_booking_id: int | None = None) -> int:
    """Seats still free at exactly `start`; 0 when taken or never offered."""
    offer = offer_of(service)
    spec = offer.spec
    blocked = slots.blocked_interval(spec, start)
    return slots.slot_remaining(
        spec,
        availability_for(offer, start, start + spec.duration),
        busy_intervals(service.practitioner_id, blocked.start, blocked.end, now, ignore_booking_id=ignore_booking_id),
        start,
        now,
    )


def is_offered_when_free(service: Service, start: datetime, now: datetime) -> bool:
    """Whether `start` is a time the service offers at all, ignoring other bookings."""
    offer = offer_of(service)
    availability = availability_for(offer, start, start + offer.spec.duration)
    return slots.slot_remaining(offer.spec, availability, [], start, now) > 0


@time_closed.connect
def sessions_standing_in(practitioner_id: int, *, start: datetime, end: datetime, now: datetime, **_) -> int:
    """How many of the practitioner's sessions still occupy [start, end): closing time frees none by itself."""
    return db.session.scalar(
        select(func.count(Booking.id)).where(
            Booking.practitioner_id == practitioner_id,
            Booking.starts_at < end,
            Booking.ends_at > start,
            Booking.occupies_time_at(now),
        )
    )
