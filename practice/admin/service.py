"""The practitioner's panel: bookings by day (the whole practice's for its owner), intake flags, setup progress, private details read."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from practice.accounts.models import Practitioner
from practice.booking.models import HOLD_EXPIRY, Booking, BookingStatus
from practice.catalog.models import Service, ServiceStatus
from practice.extensions import db
from practice.intake import service as intake
from practice.intake.definitions import ATTENTION_LABELS, Attention
from practice.scheduling.models import WeeklyHours
from practice.security import audit
from practice.security.audit import Actor
from practice.security.authz import holds, may_manage, visible_to
from practice.security.models import AuditAction
from practice.timeformats import local_day

#: The dashboard is a glance, not an archive: beyond this many it says there are more.
UPCOMING_LIMIT = 200
RECENTLY = timedelta(days=7)
RECENT_CANCELLATIONS_LIMIT = 20
#: The dashboard's "Needs your attention" list is short: the badges on each day show the rest.
ATTENTION_LIST_LIMIT = 10


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


def upcoming_by_day(actor: Actor, zone: str, now: datetime) -> tuple[list[BookingDay], bool]:
    """Bookings the actor may see that are not yet over, grouped by local day in `zone`; and whether more were left out.

    An owner sees the whole practice's, a practitioner their own. A session already under
    way still shows under Today until it ends. Holds whose payment window has lapsed are
    left out: they no longer keep anyone's time.
    """
    bookings = db.session.scalars(
        select(Booking)
        .options(joinedload(Booking.service), joinedload(Booking.client), joinedload(Booking.practitioner))
        .where(
            visible_to(actor, Booking),
            Booking.ends_at > now,
            Booking.occupies_time_at(now),
        )
        .order_by(Booking.starts_at, Booking.id)
        .limit(UPCOMING_LIMIT + 1)
    ).all()
    more = len(bookings) > UPCOMING_LIMIT
    days = [
        BookingDay(day, list(group))
        for day, group in groupby(bookings[:UPCOMING_LIMIT], key=lambda b: local_day(b.starts_at, zone))
    ]
    return days, more


def recently_cancelled(actor: Actor, now: datetime) -> list[Booking]:
    """Bookings cancelled in the last week, most recent first.

    Holds that lapsed unpaid are left out: no one had been booked, so nothing was lost.
    """
    return list(
        db.session.scalars(
            select(Booking)
            .options(joinedload(Booking.service), joinedload(Booking.client))
            .where(
                visible_to(actor, Booking),
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


def record_private_details_read(booking: Booking, *, actor: Actor, now: datetime) -> None:
    """Write to the audit trail that `actor` is being shown the booking's sealed details (note, phone).

    Called before the page is drawn, in a transaction of its own; nothing is recorded for a
    booking with no note and no phone, since nothing private is shown.
    """
    shown = [name for name, value in (("note", booking.client_note), ("phone", booking.client.phone)) if value]
    if not shown:
        return
    booking_id = booking.id
    audit.record_now(
        AuditAction.sealed_read, actor=actor, now=now, object_type="booking", object_id=booking_id, detail=", ".join(shown)
    )


@dataclass(frozen=True)
class IntakeFlag:
    """A booking whose intake flagged something for its practitioner."""

    booking: Booking
    attention: Attention

    @property
    def label(self) -> str:
        return ATTENTION_LABELS[self.attention]


def intake_flags(actor: Actor, days: list[BookingDay]) -> dict[int, IntakeFlag]:
    """Booking id → flag, for the actor's own bookings among `days`.

    Only the practitioner who holds a booking learns that its intake raised a flag: an owner
    sees no badge on a colleague's booking, as they may not read the intake behind it.
    """
    if actor.practitioner_id is None:
        return {}
    own = {booking.id: booking for day in days for booking in day.bookings if booking.practitioner_id == actor.practitioner_id}
    return {
        booking_id: IntakeFlag(own[booking_id], attention)
        for booking_id, attention in intake.attention_by_booking(list(own), actor.practitioner_id).items()
    }


def needing_attention(flags: dict[int, IntakeFlag]) -> list[IntakeFlag]:
    """The flagged bookings for the top of the dashboard: the most urgent first, then the soonest."""
    ordered = sorted(flags.values(), key=lambda flag: (-flag.attention, flag.booking.starts_at, flag.booking.id))
    return ordered[:ATTENTION_LIST_LIMIT]


@dataclass(frozen=True)
class IntakeLine:
    """One of a booking's forms, as the booking's page lists it."""

    title: str
    #: "Not started", "Started" or "Sent".
    status: str
    sent: bool
    #: When it was sent, or last saved; None before the client began.
    changed_at: datetime | None
    #: The response to open, and its flag: for the practitioner who holds the booking only.
    response_id: int | None
    attention_label: str


@dataclass(frozen=True)
class BookingIntake:
    lines: list[IntakeLine]
    #: Whether the actor holds the booking, the only one who may read its intake.
    readable: bool
    holder_name: str


def booking_intake(booking: Booking, actor: Actor) -> BookingIntake:
    """The booking's forms and how far the client got; what they answered and flagged only for its practitioner."""
    lines = []
    for item in intake.forms_to_fill(booking):
        response = item.response
        readable = response is not None and may_manage(actor, response)
        if response is None:
            status, changed_at = "Not started", None
        else:
            status, changed_at = response.status_label, response.submitted_at or response.updated_at
        lines.append(
            IntakeLine(
                title=item.form.title,
                status=status,
                sent=item.done,
                changed_at=changed_at,
                response_id=response.id if readable else None,
                attention_label=response.attention_label if readable else "",
            )
        )
    return BookingIntake(lines=lines, readable=holds(actor, booking), holder_name=booking.practitioner.name)
