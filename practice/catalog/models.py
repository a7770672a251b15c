"""Services a practitioner offers: length, price, buffers, place and capacity."""
import enum
from datetime import datetime, timedelta, timezone

from flask_babel import lazy_gettext
from sqlalchemy import CheckConstraint, Enum, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from practice.accounts.models import Practice, Practitioner
from practice.catalog.pricing import PaymentMode, Pricing
from practice.extensions import db
from practice.security.access import Access
from practice.sqltypes import UTCDateTime, enum_check


class ServiceStatus(enum.Enum):
    draft = "draft"
    published = "published"
    archived = "archived"


class LocationKind(enum.Enum):
    in_person = "in_person"
    video = "video"
    phone = "phone"


#: Lazy: each is read in the language of the page or email that shows it.
LOCATION_LABELS = {
    LocationKind.in_person: lazy_gettext("In person"),
    LocationKind.video: lazy_gettext("Video call"),
    LocationKind.phone: lazy_gettext("Phone call"),
}


#: Bounds that keep any booking's blocked time under booking.free_times.LONGEST_BLOCK.
MAX_DURATION_MINUTES = 720
MAX_BUFFER_MINUTES = 240


class Service(db.Model):
    __access__ = Access.practitioner
    __table_args__ = (
        CheckConstraint("duration_minutes > 0 AND duration_minutes <= 720", name="duration_in_range"),
        CheckConstraint("price_cents >= 0", name="price_not_negative"),
        CheckConstraint("buffer_before_minutes BETWEEN 0 AND 240", name="buffer_before_in_range"),
        CheckConstraint("buffer_after_minutes BETWEEN 0 AND 240", name="buffer_after_in_range"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint("slot_step_minutes > 0", name="slot_step_positive"),
        enum_check("location_kind", LocationKind),
        enum_check("status", ServiceStatus),
        enum_check("payment_mode", PaymentMode),
        CheckConstraint(
            "payment_mode != 'deposit' OR (deposit_cents > 0 AND deposit_cents <= price_cents)",
            name="deposit_within_price",
        ),
        CheckConstraint(
            "payment_mode != 'sliding' OR "
            "(sliding_min_cents > 0 AND sliding_min_cents <= price_cents AND price_cents <= sliding_max_cents)",
            name="sliding_range_holds_price",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"), index=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioner.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    #: What a first session (or, for a group, a gathering) is like: shown on the service and confirmation pages.
    what_to_expect: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Shown before the description, for a service whose subject may be hard to meet unprepared.
    content_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    duration_minutes: Mapped[int]
    #: Money is an integer in minor units of the practice's currency, never a float.
    price_cents: Mapped[int] = mapped_column(default=0)
    payment_mode: Mapped[PaymentMode] = mapped_column(
        Enum(PaymentMode, native_enum=False, length=20, create_constraint=False),
        default=PaymentMode.at_visit,
        server_default=PaymentMode.at_visit.value,
    )
    #: What a deposit service asks online; the rest of price_cents is paid at the visit.
    deposit_cents: Mapped[int | None]
    #: A sliding scale's range; price_cents is the suggested amount between them.
    sliding_min_cents: Mapped[int | None]
    sliding_max_cents: Mapped[int | None]
    buffer_before_minutes: Mapped[int] = mapped_column(default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(default=0)
    location_kind: Mapped[LocationKind] = mapped_column(
        Enum(LocationKind, native_enum=False, length=20, create_constraint=False), default=LocationKind.in_person
    )
    #: The address, video link or phone number, depending on location_kind.
    location_detail: Mapped[str] = mapped_column(String(500), default="")
    #: 1 is a one-to-one session; more is a group such as a support circle.
    capacity: Mapped[int] = mapped_column(default=1)
    slot_step_minutes: Mapped[int] = mapped_column(default=30)
    #: When set, the service is offered only at its own weekly times and dated sessions
    #: (scheduling rows with this service_id), never in the practitioner's general hours.
    own_hours: Mapped[bool] = mapped_column(default=False, server_default=false())
    status: Mapped[ServiceStatus] = mapped_column(
        Enum(ServiceStatus, native_enum=False, length=20, create_constraint=False), default=ServiceStatus.draft
    )
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=lambda: datetime.now(timezone.utc)
    )

    practice: Mapped[Practice] = relationship()
    practitioner: Mapped[Practitioner] = relationship()

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def currency(self) -> str:
        return self.practice.currency

    @property
    def is_group(self) -> bool:
        return self.capacity > 1

    @property
    def is_published(self) -> bool:
        return self.status is ServiceStatus.published

    @property
    def is_draft(self) -> bool:
        return self.status is ServiceStatus.draft

    @property
    def pricing(self) -> Pricing:
        return Pricing(
            mode=self.payment_mode,
            price=self.price_cents,
            deposit=self.deposit_cents,
            low=self.sliding_min_cents,
            high=self.sliding_max_cents,
        )

    @property
    def location_label(self) -> str:
        """In the reader's language, as a plain string (an email's data and JSON need one)."""
        return str(LOCATION_LABELS[self.location_kind])
