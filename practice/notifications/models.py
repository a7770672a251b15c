"""The outbox: every email a change owes, written in the same transaction as the change."""
import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from practice.accounts.models import Practitioner
from practice.booking.models import Booking
from practice.extensions import db
from practice.security.access import Access
from practice.security.sealing import SealedText
from practice.sqltypes import UTCDateTime, enum_check


class OutboxStatus(enum.Enum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    #: Never sent: a newer email about the same booking replaced it, or its session began.
    superseded = "superseded"


class MessageKind(enum.Enum):
    booking_confirmed = "booking_confirmed"
    booking_rescheduled = "booking_rescheduled"
    booking_cancelled = "booking_cancelled"
    booking_reminder = "booking_reminder"
    practitioner_new_booking = "practitioner_new_booking"
    practitioner_cancellation = "practitioner_cancellation"
    practitioner_reschedule = "practitioner_reschedule"
    password_reset = "password_reset"
    invitation = "invitation"
    #: To the practitioner: an intake needs attention. A link, never a word of the answers.
    intake_attention = "intake_attention"
    #: To the practitioner: a client asked for their data to be erased.
    erasure_requested = "erasure_requested"
    #: To the client: a time held while they paid was released; nothing was charged.
    hold_released = "hold_released"
    #: To the client: money is on its way back (a cancellation, the practice's choice, or a payment that came too late).
    payment_refunded = "payment_refunded"
    #: To the client who lost their link: their upcoming bookings at the practice, with fresh links.
    lost_link = "lost_link"
    #: To a first-time client: confirm this address to make the held booking final.
    email_confirmation = "email_confirmation"


#: What each kind of message is, as the Emails page names it.
KIND_LABELS = {
    MessageKind.booking_confirmed: "Booking confirmation",
    MessageKind.booking_rescheduled: "New time",
    MessageKind.booking_cancelled: "Cancellation",
    MessageKind.booking_reminder: "Reminder",
    MessageKind.practitioner_new_booking: "New booking notice",
    MessageKind.practitioner_cancellation: "Cancellation notice",
    MessageKind.practitioner_reschedule: "Booking moved notice",
    MessageKind.password_reset: "Password reset link",
    MessageKind.invitation: "Invitation to join the practice",
    MessageKind.intake_attention: "Intake needs attention",
    MessageKind.erasure_requested: "Erasure request",
    MessageKind.hold_released: "Held time released",
    MessageKind.payment_refunded: "Refund",
    MessageKind.lost_link: "Lost link: bookings re-sent",
    MessageKind.email_confirmation: "Email confirmation request",
}
#: Messages to the client; the practice's contact address takes their replies.
CLIENT_KINDS = frozenset(
    {
        MessageKind.booking_confirmed,
        MessageKind.booking_rescheduled,
        MessageKind.booking_cancelled,
        MessageKind.booking_reminder,
        MessageKind.hold_released,
        MessageKind.payment_refunded,
        MessageKind.lost_link,
        MessageKind.email_confirmation,
    }
)
STATUS_LABELS = {
    OutboxStatus.pending: "Waiting to send",
    OutboxStatus.sending: "Sending",
    OutboxStatus.sent: "Sent",
    OutboxStatus.failed: "Couldn't send",
    OutboxStatus.superseded: "Superseded — a newer email replaced it",
}


class OutboxMessage(db.Model):
    """One email, rendered when it was owed, so what was sent is exactly what was meant.

    Rendered content never includes intake answers or the client's note. Who it went to and
    what it said are sealed at rest, and dropped once the message has been sent a while
    (see notifications.service.drop_sent_content).
    """

    __access__ = Access.practitioner

    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        enum_check("kind", MessageKind),
        enum_check("status", OutboxStatus),
        # The sweep asks for due messages in order; keep that an index range.
        Index("ix_outbox_message_status_next_attempt", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MessageKind] = mapped_column(Enum(MessageKind, native_enum=False, length=40, create_constraint=False))
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"), index=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioner.id"), index=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"), index=True)
    recipient: Mapped[str] = mapped_column(SealedText)
    #: Set for messages that must exist at most once (a reminder for one start time).
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    subject: Mapped[str] = mapped_column(SealedText)
    body_text: Mapped[str] = mapped_column(SealedText)
    body_html: Mapped[str] = mapped_column(SealedText)
    #: An iCalendar attachment, when the message carries one.
    ics: Mapped[str | None] = mapped_column(SealedText)
    status: Mapped[OutboxStatus] = mapped_column(
        Enum(OutboxStatus, native_enum=False, length=20, create_constraint=False), default=OutboxStatus.pending
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When a worker claimed it; a claim older than the lease is taken to have died.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The SMTP error's type and code only: server replies can quote addresses.
    last_error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the recipient, subject and bodies of a sent message were dropped.
    content_dropped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    practitioner: Mapped[Practitioner] = relationship()
    booking: Mapped[Booking | None] = relationship()

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def addressee_for(self, viewer_id: int) -> str:
        """Who the message went to, as the practitioner `viewer_id` reads it on the Emails page."""
        if self.kind in CLIENT_KINDS:
            return "the client"
        if self.kind is MessageKind.invitation:
            return "the person invited"
        return "you" if self.practitioner_id == viewer_id else self.practitioner.name

    @property
    def is_sent(self) -> bool:
        return self.status is OutboxStatus.sent

    @property
    def is_failed(self) -> bool:
        return self.status is OutboxStatus.failed

    @property
    def is_retrying(self) -> bool:
        return self.status is OutboxStatus.pending and self.attempts > 0

    @property
    def can_be_sent_again(self) -> bool:
        return self.is_failed and self.content_dropped_at is None


def made_pending_again(message: OutboxMessage) -> bool:
    """Whether "Send again" in the admin panel has just made the message due: the worker should not wait for the sweep."""
    return OutboxStatus.pending in inspect(message).attrs.status.history.added
