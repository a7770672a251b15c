"""Payments: one row per attempt to pay for a booking, its refunds, and the Stripe events already handled.

The booking's state and the money's state are separate records (the pretix split): a
booking is confirmed, moved or cancelled; a payment is created, paid, refunded.
"""
import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from practice.booking.models import Booking
from practice.extensions import db
from practice.payments.states import (
    PAID_STATUSES,
    REFUND_REASON_LABELS,
    REFUND_STATUS_LABELS,
    STATUS_LABELS,
    PaymentStatus,
    RefundReason,
    RefundStatus,
)
from practice.security.access import Access
from practice.sqltypes import UTCDateTime, enum_check


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)


class Payment(db.Model):
    """One attempt to pay for a booking through a Stripe Checkout Session."""

    __access__ = Access.practitioner
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("refunded_cents >= 0 AND refunded_cents <= amount_cents", name="refunds_within_amount"),
        enum_check("status", PaymentStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"), index=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioner.id"), index=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    amount_cents: Mapped[int]
    #: ISO 4217, upper case, as the practice's prices.
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[PaymentStatus] = mapped_column(
        Enum(PaymentStatus, native_enum=False, length=20, create_constraint=False), default=PaymentStatus.created
    )
    #: Sent with the Checkout Session's creation: a retry finds the same session instead of a second one.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True, default=new_idempotency_key)
    checkout_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    #: Where the client pays: kept so that a second tap on "Confirm and pay" goes back to the same page.
    checkout_url: Mapped[str] = mapped_column(String(2000), server_default="")
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    #: Confirmed by Stripe, summed from succeeded refunds.
    refunded_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Why it failed, in words the practitioner can read ("Card declined", "Checkout expired").
    failure_reason: Mapped[str] = mapped_column(String(200), server_default="")
    #: Stripe test keys made it: no real money moved.
    test_mode: Mapped[bool] = mapped_column(server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    booking: Mapped[Booking] = relationship()
    refunds: Mapped[list["Refund"]] = relationship(back_populates="payment", order_by="Refund.id")

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def is_paid(self) -> bool:
        return self.status in PAID_STATUSES

    @property
    def refund_owed_cents(self) -> int:
        """Asked for and not yet confirmed (nor failed)."""
        return sum(refund.amount_cents for refund in self.refunds if refund.status is RefundStatus.pending)

    @property
    def refundable_cents(self) -> int:
        """What may still be refunded: paid, less refunds made or on their way."""
        if not self.is_paid:
            return 0
        return self.amount_cents - self.refunded_cents - self.refund_owed_cents


class Refund(db.Model):
    """Money sent back for a payment: recorded first, then asked of Stripe with the row's idempotency key."""

    __access__ = Access.practitioner
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        enum_check("status", RefundStatus),
        enum_check("reason", RefundReason),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"), index=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioner.id"), index=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id"), index=True)
    amount_cents: Mapped[int]
    status: Mapped[RefundStatus] = mapped_column(
        Enum(RefundStatus, native_enum=False, length=20, create_constraint=False), default=RefundStatus.pending
    )
    reason: Mapped[RefundReason] = mapped_column(Enum(RefundReason, native_enum=False, length=30, create_constraint=False))
    #: Sent to Stripe with every attempt, so a retry after a lost answer never refunds twice.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True, default=new_idempotency_key)
    stripe_refund_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    #: The practitioner who asked for it from the admin panel; None when a policy did.
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("practitioner.id"))
    failure_reason: Mapped[str] = mapped_column(String(200), server_default="")
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    payment: Mapped[Payment] = relationship(back_populates="refunds")

    @property
    def reason_label(self) -> str:
        return REFUND_REASON_LABELS[self.reason]

    @property
    def status_label(self) -> str:
        return REFUND_STATUS_LABELS[self.status]

    @property
    def succeeded(self) -> bool:
        return self.status is RefundStatus.succeeded

    @property
    def failed(self) -> bool:
        return self.status is RefundStatus.failed


class StripeEvent(db.Model):
    """A Stripe event already acted on: the unique id makes a replay change nothing."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
