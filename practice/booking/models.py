"""Bookings: a client's claim on a service at a time."""
import secrets
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import CheckConstraint, ColumnElement, Enum, ForeignKey, Index, String, and_, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from practice.accounts.models import Practice, Practitioner
from practice.booking.states import ACTIVE_STATUSES, STATUS_LABELS, BookingStatus, ChangedBy, HoldReason
from practice.catalog.models import Service
from practice.clients.models import Client
from practice.extensions import db
from practice.security.access import Access
from practice.security.sealing import SealedText
from practice.sqltypes import UTCDateTime, enum_check

#: Booking.cancelled_by for a hold that lapsed before it was paid.
HOLD_EXPIRY = ChangedBy.expiry


def new_public_id() -> str:
    return secrets.token_urlsafe(18)


class Booking(db.Model):
    __access__ = Access.practitioner
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(
            "blocked_start <= starts_at AND blocked_end >= ends_at", name="blocks_cover_session"
        ),
        CheckConstraint("seats >= 1", name="seats_positive"),
        enum_check("status", BookingStatus),
        enum_check("cancelled_by", ChangedBy),
        enum_check("hold_reason", HoldReason),
        # The engine reads only bookings that overlap the window it is asked for.
        Index("ix_booking_practitioner_blocked", "practitioner_id", "blocked_start", "blocked_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Random and unguessable; the manage link carries it, signed.
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"), index=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioner.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), index=True)
    status: Mapped[BookingStatus] = mapped_column(
        Enum(BookingStatus, native_enum=False, length=20, create_constraint=False), default=BookingStatus.confirmed
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The session plus the service's buffers: the time no other booking may touch.
    blocked_start: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_end: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Copied from the service, so PostgreSQL's exclusion constraint can skip group sessions.
    is_group: Mapped[bool] = mapped_column(default=False)
    seats: Mapped[int] = mapped_column(default=1)
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why a held booking waits: payment or the client's email confirmation.
    hold_reason: Mapped[HoldReason | None] = mapped_column(
        Enum(HoldReason, native_enum=False, length=20, create_constraint=False)
    )
    #: The language the client booked in (a Babel locale such as "en_US" or "es"): their emails follow it.
    locale: Mapped[str] = mapped_column(String(35), default="en", server_default="en")
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    #: What the client wrote when booking: it may speak of a loss, so it is sealed.
    client_note: Mapped[str] = mapped_column(SealedText, server_default="")
    #: Random, from the confirm form: the same form sent twice finds this booking instead of making another.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: The zone the client chose to see times in; emails use it too.
    client_timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=lambda: datetime.now(UTC)
    )
    #: iCalendar SEQUENCE: raised on every reschedule so calendars replace the old time.
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by: Mapped[ChangedBy | None] = mapped_column(
        Enum(ChangedBy, native_enum=False, length=20, create_constraint=False)
    )

    practice: Mapped[Practice] = relationship()
    practitioner: Mapped[Practitioner] = relationship()
    service: Mapped[Service] = relationship()
    client: Mapped[Client] = relationship()

    @classmethod
    def occupies_time_at(cls, now: datetime) -> ColumnElement[bool]:
        """SQL test: confirmed, or held by a hold that has not lapsed by `now`."""
        return and_(
            cls.status.in_(ACTIVE_STATUSES),
            or_(cls.status != BookingStatus.held, cls.hold_expires_at > now),
        )

    @property
    def display_name(self) -> str:
        return self.client.display_name

    @property
    def is_cancelled(self) -> bool:
        return self.status is BookingStatus.cancelled

    @property
    def is_confirmed(self) -> bool:
        return self.status is BookingStatus.confirmed

    @property
    def status_label(self) -> str:
        """The status in the reader's language (English outside a request or a forced locale)."""
        if self.awaiting == HoldReason.email.value:
            return _("Awaiting your email confirmation")
        return _(STATUS_LABELS[self.status])

    @property
    def awaiting(self) -> str | None:
        """What a held booking waits for ("payment" or "email"); None once it is not held."""
        if self.status is not BookingStatus.held or self.hold_reason is None:
            return None
        return self.hold_reason.value

    @property
    def cancelled_by_client(self) -> bool:
        return self.cancelled_by is ChangedBy.client

    @property
    def lapsed_unpaid(self) -> bool:
        return self.cancelled_by is ChangedBy.expiry
