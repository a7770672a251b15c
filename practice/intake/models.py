"""Intake forms, their versions, the services that ask for them, clients' responses and erasure requests."""
import enum
from datetime import datetime, timezone

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from practice.accounts.models import Practice, Practitioner
from practice.booking.models import Booking
from practice.catalog.models import Service
from practice.clients.models import Client
from practice.extensions import db
from practice.intake import definitions
from practice.intake.definitions import ATTENTION_LABELS, Attention, FormDefinition
from practice.security.access import Access
from practice.security.sealing import SealedText
from practice.sqltypes import UTCDateTime, enum_check


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class IntakeForm(db.Model):
    """A practitioner's form. What it asks lives in its versions; the newest is the one clients get."""

    __access__ = Access.practitioner

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"), index=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioner.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    #: The starter template it was made from ("epds" …), or "" for a form begun blank.
    template: Mapped[str] = mapped_column(String(40), server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    practice: Mapped[Practice] = relationship()
    practitioner: Mapped[Practitioner] = relationship()
    versions: Mapped[list["IntakeFormVersion"]] = relationship(
        back_populates="form", order_by="IntakeFormVersion.number", cascade="all, delete-orphan"
    )

    @property
    def latest(self) -> "IntakeFormVersion":
        return self.versions[-1]


class IntakeFormVersion(db.Model):
    """What a form asked at one time. A version that has responses is never changed: an edit makes the next."""

    __table_args__ = (UniqueConstraint("form_id", "number", name="uq_intake_form_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("intake_form.id"))
    number: Mapped[int]
    #: definitions.to_json of a FormDefinition: the practitioner's questions, nothing of any client.
    definition_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)

    form: Mapped[IntakeForm] = relationship(back_populates="versions")

    @property
    def definition(self) -> FormDefinition:
        return definitions.from_json(self.definition_json)


class ServiceIntakeForm(db.Model):
    """A form a service's clients fill before the appointment."""

    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("intake_form.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(server_default="0")

    service: Mapped[Service] = relationship()
    form: Mapped[IntakeForm] = relationship()


class ResponseStatus(enum.Enum):
    in_progress = "in_progress"
    submitted = "submitted"


RESPONSE_STATUS_LABELS = {ResponseStatus.in_progress: "Started", ResponseStatus.submitted: "Sent"}


class IntakeResponse(db.Model):
    """One client's answers to one form for one booking, saved page by page, sealed.

    Only the practitioner who holds the booking may read it: not even the practice's owner.
    """

    __access__ = Access.holder
    __table_args__ = (
        UniqueConstraint("booking_id", "form_id", name="uq_intake_response_booking_form"),
        enum_check("status", ResponseStatus),
        CheckConstraint("attention_level BETWEEN 0 AND 2", name="attention_level_valid"),
        CheckConstraint("step >= 0", name="step_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"), index=True)
    #: The booking's practitioner, copied so lists can be filtered without a join.
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioner.id"), index=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("intake_form.id"), index=True)
    form_version_id: Mapped[int] = mapped_column(ForeignKey("intake_form_version.id"))
    status: Mapped[ResponseStatus] = mapped_column(
        Enum(ResponseStatus, native_enum=False, length=20, create_constraint=False), default=ResponseStatus.in_progress
    )
    #: The index of the section to show when the client comes back.
    step: Mapped[int] = mapped_column(default=0)
    #: JSON of question key → answer.
    answers_json: Mapped[str] = mapped_column(SealedText, server_default="")
    #: JSON of the screener's score, when the form is one.
    score_json: Mapped[str] = mapped_column(SealedText, server_default="")
    #: JSON list of the reasons the booking was flagged ("Heavy bleeding now").
    flag_reasons_json: Mapped[str] = mapped_column(SealedText, server_default="")
    #: definitions.Attention: shown on the dashboard as a badge, so it is not sealed; why is.
    attention_level: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Set when the practitioner was emailed that this intake needs attention: once only.
    attention_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    booking: Mapped[Booking] = relationship()
    client: Mapped[Client] = relationship()
    form: Mapped[IntakeForm] = relationship()
    version: Mapped[IntakeFormVersion] = relationship()

    @property
    def attention(self) -> Attention:
        return Attention(self.attention_level)

    @property
    def attention_label(self) -> str:
        return ATTENTION_LABELS[self.attention]

    @property
    def status_label(self) -> str:
        return RESPONSE_STATUS_LABELS[self.status]

    @property
    def is_submitted(self) -> bool:
        return self.status is ResponseStatus.submitted


#: One open erasure request per client.
OPEN_REQUEST = "completed_at IS NULL"


class ErasureOutcome(enum.Enum):
    #: The practitioner who holds the booking confirmed it.
    confirmed = "confirmed"
    #: The practice's retention period ran out.
    retention = "retention"


class ErasureRequest(db.Model):
    """A client asked, by their manage link, for what the practice holds about them to be erased."""

    __access__ = Access.practitioner
    __table_args__ = (
        enum_check("outcome", ErasureOutcome),
        Index(
            "uq_erasure_request_open_per_client",
            "client_id",
            unique=True,
            sqlite_where=text(OPEN_REQUEST),
            postgresql_where=text(OPEN_REQUEST),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"), index=True)
    #: Who confirms it: the practitioner of the booking whose link asked.
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioner.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"))
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[ErasureOutcome | None] = mapped_column(
        Enum(ErasureOutcome, native_enum=False, length=20, create_constraint=False)
    )

    client: Mapped[Client] = relationship()
    booking: Mapped[Booking] = relationship()
