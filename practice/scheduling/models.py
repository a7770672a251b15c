"""A practitioner's working hours, date overrides and time off; a service may keep its own hours."""
from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, ColumnElement, ForeignKey, String, and_
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from practice.accounts.models import Practitioner
from practice.extensions import db
from practice.security.access import Access
from practice.sqltypes import UTCDateTime


class PractitionersRow:
    """A row of one practitioner's hours; it reaches their practice through them (see security.authz)."""

    __access__ = Access.practitioner

    @declared_attr
    def practitioner(cls) -> Mapped[Practitioner]:
        return relationship(Practitioner)

    @property
    def practice_id(self) -> int:
        return self.practitioner.practice_id


class WeeklyHours(PractitionersRow, db.Model):
    """One working range on a weekday, in the practitioner's own timezone."""

    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_valid"),
        CheckConstraint("start_time < end_time", name="range_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioner.id"), index=True)
    #: NULL for the practitioner's general hours; a service's id for that service's own hours,
    #: used only while the service has own_hours set.
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"), index=True)
    #: 0 is Monday, as in datetime.weekday().
    weekday: Mapped[int]
    start_time: Mapped[time]
    end_time: Mapped[time]


class DateOverride(PractitionersRow, db.Model):
    """Replaces one local date's weekly hours; a row without times closes the day."""

    __table_args__ = (
        CheckConstraint(
            "(start_time IS NULL AND end_time IS NULL) OR start_time < end_time",
            name="range_ordered_or_closed",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioner.id"), index=True)
    #: NULL for the practitioner's general hours; a service's id for one of its dated sessions.
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"), index=True)
    day: Mapped[date] = mapped_column(index=True)
    start_time: Mapped[time | None]
    end_time: Mapped[time | None]


class TimeOff(PractitionersRow, db.Model):
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioner.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(String(200), default="")


def hours_set(model, practitioner_id, service_id) -> ColumnElement[bool]:
    """Selects one set of hours: a service's own (its id), or the general ones (None).

    `model` is WeeklyHours or DateOverride, or their table's columns; the ids may be bound parameters.
    """
    # `service_id == None` would also read IS NULL, but spelled out the two sets can't be confused.
    owner = model.service_id.is_(None) if service_id is None else model.service_id == service_id
    return and_(model.practitioner_id == practitioner_id, owner)
