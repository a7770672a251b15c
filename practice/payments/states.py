"""A payment's statuses and moves, and what a cancellation refunds. No Flask, no database."""
import enum
from datetime import datetime, timedelta

from practice.translatable import N_


class PaymentStatus(enum.Enum):
    #: A Checkout Session exists; the client has not paid yet.
    created = "created"
    #: The client finished checkout with a method that settles later (a bank debit).
    pending = "pending"
    succeeded = "succeeded"
    #: Declined, or the checkout expired unpaid.
    failed = "failed"
    refunded = "refunded"
    partially_refunded = "partially_refunded"


#: Also on the client's "Your information" page, which translates them.
STATUS_LABELS = {
    PaymentStatus.created: N_("Awaiting payment"),
    PaymentStatus.pending: N_("Processing"),
    PaymentStatus.succeeded: N_("Paid"),
    PaymentStatus.failed: N_("Not paid"),
    PaymentStatus.refunded: N_("Refunded"),
    PaymentStatus.partially_refunded: N_("Partly refunded"),
}

#: Why a payment did not go through (Payment.failure_reason): stored in English for the
#: practitioner; the client's page translates it.
CARD_DECLINED = N_("The card was declined")
PAYMENT_FAILED = N_("The payment failed")
CHECKOUT_EXPIRED = N_("The checkout expired before payment")
LET_GO_UNPAID = N_("Let go before payment")

#: Statuses in which money was received (and may be refunded).
PAID_STATUSES = frozenset({PaymentStatus.succeeded, PaymentStatus.partially_refunded, PaymentStatus.refunded})


class PaymentEvent(enum.Enum):
    processing = "processing"
    paid = "paid"
    failed = "failed"


#: (from, event) → to. A paid payment never fails afterwards, whatever order Stripe's events arrive in.
TRANSITIONS = {
    (PaymentStatus.created, PaymentEvent.processing): PaymentStatus.pending,
    (PaymentStatus.created, PaymentEvent.paid): PaymentStatus.succeeded,
    (PaymentStatus.created, PaymentEvent.failed): PaymentStatus.failed,
    (PaymentStatus.pending, PaymentEvent.paid): PaymentStatus.succeeded,
    (PaymentStatus.pending, PaymentEvent.failed): PaymentStatus.failed,
    # A declined card leaves the checkout open: the client may try another and pay.
    (PaymentStatus.failed, PaymentEvent.paid): PaymentStatus.succeeded,
    (PaymentStatus.failed, PaymentEvent.processing): PaymentStatus.pending,
}


def after(status: PaymentStatus, event: PaymentEvent) -> PaymentStatus | None:
    """The status `event` leads to, or None when it changes nothing (a replay, or news older than what we know)."""
    return TRANSITIONS.get((status, event))


def status_after_refunds(amount: int, refunded: int) -> PaymentStatus:
    """A paid payment's status once `refunded` of its `amount` has gone back."""
    if refunded <= 0:
        return PaymentStatus.succeeded
    if refunded >= amount:
        return PaymentStatus.refunded
    return PaymentStatus.partially_refunded


class RefundStatus(enum.Enum):
    #: Recorded, not yet confirmed by Stripe (sent, or waiting to be sent).
    pending = "pending"
    succeeded = "succeeded"
    failed = "failed"


REFUND_STATUS_LABELS = {
    RefundStatus.pending: "On its way",
    RefundStatus.succeeded: "Refunded",
    RefundStatus.failed: "Not made",
}


class RefundReason(enum.Enum):
    client_cancelled = "client_cancelled"
    practitioner_cancelled = "practitioner_cancelled"
    #: The payment came after the held time had gone to someone else.
    late_payment = "late_payment"
    #: An amount the practitioner chose in the admin panel.
    by_practitioner = "by_practitioner"


REFUND_REASON_LABELS = {
    RefundReason.client_cancelled: "Client cancelled",
    RefundReason.practitioner_cancelled: "Practice cancelled",
    RefundReason.late_payment: "Paid after the time was taken",
    RefundReason.by_practitioner: "Refunded by the practice",
}


def cancellation_refund(
    *,
    refundable: int,
    starts_at: datetime,
    now: datetime,
    full_refund_hours: int,
    keep_percent: int,
    by_client: bool,
    in_grace: bool = False,
) -> int:
    """What goes back to the client when a paid booking is cancelled at `now`.

    The practice cancelling refunds everything. A client cancelling at least
    `full_refund_hours` before the start, or in the grace just after booking, is refunded in
    full; later, the practice keeps `keep_percent` of what was paid (rounded in the client's favour).
    """
    if refundable <= 0:
        return 0
    if not by_client or in_grace or now <= starts_at - timedelta(hours=full_refund_hours):
        return refundable
    kept = refundable * keep_percent // 100
    return refundable - kept

