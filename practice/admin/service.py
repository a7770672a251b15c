"""The practitioner's panel: their bookings by day, and the ownership check every admin page uses."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from practice.accounts.models import Practitioner
from practice.booking.models import HOLD_EXPIRY, Booking, BookingStatus
from practice.catalog.models import Service, ServiceStatus
from practice.extensions import db
from practice.scheduling.models import WeeklyHours
from practice.sqltypes import MAX_ID
from practice.timeformats import local_day

Owned = TypeVar("Owned")

#: The dashboard is a glance, not an archive: beyond this many it says there are more.
UPCOMING_LIMIT = 200
RECENTLY = timedelta(days=7)
RECENT_CANCELLATIONS_LIMIT = 20


@dataclass(frozen=True)
class BookingDay:
    """One local day of the practitioner's bookings, in start order."""

    day: date
    bookings: list[Booking]


@dataclass(frozen=True)
class SetupProgress:
    has_published_service: bool
    has_weekly_hours: bool

    @property
    def complete(self) -> bool:
        return self.has_published_service and self.has_weekly_hours


def owned(model: type[Owned], object_id: int, practitioner_id: int) -> Owned | None:
    """The `model` row with this id if it belongs to the practitioner, else None."""
    if not 0 < object_id <= MAX_ID:
        return None
    return db.session.scalar(
        select(model).where(model.id == object_id, model.practitioner_id == practitioner_id)
    )


def upcoming_by_day(practitioner: Practitioner, now: datetime) -> tuple[list[BookingDay], bool]:
    """Bookings not yet over, grouped by the practitioner's local day; and whether more were left out.

    A session already under way still shows under Today until it ends. Holds whose payment
    window has lapsed are left out: they no longer keep anyone's time.
    """
    bookings = db.session.scalars(
        select(Booking)
        .options(joinedload(Booking.service))
        .where(
            Booking.practitioner_id == practitioner.id,
            Booking.ends_at > now,
            Booking.occupies_time_at(now),
        )
        .order_by(Booking.starts_at, Booking.id)
        .limit(UPCOMING_LIMIT + 1)
    ).all()
    more = len(bookings) > UPCOMING_LIMIT
    days = [
        BookingDay(day, list(group))
        for day, group in groupby(bookings[:UPCOMING_LIMIT], key=lambda b: local_day(b.starts_at, practitioner.timezone))
    ]
    return days, more


def recently_cancelled(practitioner: Practitioner, now: datetime) -> list[Booking]:
    """Bookings cancelled in the last week, most recent first.

    Holds that lapsed unpaid are left out: no one had been booked, so nothing was lost.
    """
    return list(
        db.session.scalars(
            select(Booking)
            .options(joinedload(Booking.service))
            .where(
                Booking.practitioner_id == practitioner.id,
                Booking.status == BookingStatus.cancelled,
                Booking.cancelled_at >= now - RECENTLY,
                Booking.cancelled_by.is_distinct_from(HOLD_EXPIRY),
            )
            .order_by(Booking.cancelled_at.desc(), Booking.id.desc())
            .limit(RECENT_CANCELLATIONS_LIMIT)
        )
    )


def setup_progress(practitioner: Practitioner) -> SetupProgress:
    """What a new practice still needs before clients can book it."""
    published = select(Service.id).where(
        Service.practitioner_id == practitioner.id, Service.status == ServiceStatus.published
    )
    hours = select(WeeklyHours.id).where(WeeklyHours.practitioner_id == practitioner.id, WeeklyHours.service_id.is_(None))
    return SetupProgress(
        has_published_service=db.session.scalar(published.limit(1)) is not None,
        has_weekly_hours=db.session.scalar(hours.limit(1)) is not None,
    )
