"""Free times: a service's availability with its practitioner's bookings counted, asked of the pure engine."""
from datetime import datetime, timedelta

from sqlalchemy import func, select

from practice.booking.models import Booking
from practice.catalog.models import Service
from practice.extensions import db
from practice.scheduling import slots
from practice.scheduling.availability import availability_for, service_spec
from practice.scheduling.signals import time_closed

#: No booking blocks more than this (the longest session plus both buffers), which lets
#: the busy query use a bounded index range instead of scanning the whole history.
LONGEST_BLOCK = timedelta(hours=24)


def busy_intervals(
    practitioner_id: int, start: datetime, end: datetime, now: datetime, *, ignore_booking_id: int | None = None
) -> list[slots.BusyInterval]:
    """Bookings that occupy any of [start, end): confirmed ones and holds not yet expired.

    `ignore_booking_id` leaves one booking out: a booking being moved must not block its new time.
    """
    ignored = () if ignore_booking_id is None else (Booking.id != ignore_booking_id,)
    rows = db.session.execute(
        select(
            Booking.starts_at,
            Booking.ends_at,
            Booking.blocked_start,
            Booking.blocked_end,
            Booking.service_id,
            Booking.seats,
        ).where(
            Booking.practitioner_id == practitioner_id,
            Booking.blocked_start >= start - LONGEST_BLOCK,
            Booking.blocked_start < end,
            Booking.blocked_end > start,
            Booking.occupies_time_at(now),
            *ignored,
        )
    )
    return [
        slots.BusyInterval(
            start=row.starts_at,
            end=row.ends_at,
            blocked_start=row.blocked_start,
            blocked_end=row.blocked_end,
            service_id=row.service_id,
            seats=row.seats,
        )
        for row in rows
    ]


def open_slots(
    service: Service, start: datetime, end: datetime, now: datetime, *, ignore_booking_id: int | None = None
) -> list[slots.Slot]:
    """The free slots of a service that start in [start, end)."""
    spec = service_spec(service)
    reach = spec.duration + spec.buffer_before + spec.buffer_after
    return slots.available_slots(
        spec,
        availability_for(service, start, end),
        busy_intervals(service.practitioner_id, start - reach, end + reach, now, ignore_booking_id=ignore_booking_id),
        start,
        end,
        now,
    )


def seats_left(service: Service, start: datetime, now: datetime, *, ignore_booking_id: int | None = None) -> int:
    """Seats still free at exactly `start`; 0 when taken or never offered."""
    spec = service_spec(service)
    blocked = slots.blocked_interval(spec, start)
    return slots.slot_remaining(
        spec,
        availability_for(service, start, start + spec.duration),
        busy_intervals(service.practitioner_id, blocked.start, blocked.end, now, ignore_booking_id=ignore_booking_id),
        start,
        now,
    )


def is_offered_when_free(service: Service, start: datetime, now: datetime) -> bool:
    """Whether `start` is a time the service offers at all, ignoring other bookings."""
    spec = service_spec(service)
    availability = availability_for(service, start, start + spec.duration)
    return slots.slot_remaining(spec, availability, [], start, now) > 0


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
