"""Payment operations: hold a time and send the client to Stripe Checkout, settle what Stripe reports, refund.

Stripe's word is a trigger, never the truth on its own: a webhook is verified, recorded once,
and the Checkout Session it names is fetched again from Stripe before anything changes. Each
settlement runs in the booking's serialised transaction with the payment row locked, so the
same news arriving twice, or in any order, changes things once. Network calls never happen
inside a transaction.
"""
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _, lazy_gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from practice.booking import service as booking_service
from practice.booking.models import Booking
from practice.booking.service import BookingError, ClientDetails, HoldOutcome
from practice.booking.signals import booking_cancelled, booking_hold_released
from practice.booking.states import BookingStatus, ChangedBy
from practice.catalog.models import Service, ServiceStatus
from practice.catalog.pricing import AmountNotAccepted, PaymentMode
from practice.extensions import begin_write_transaction, db
from practice.external_urls import external_url
from practice.money import format_money
from practice.payment_settings import online_payments_enabled, test_keys_in_use
from practice.payments import gateway
from practice.payments.links import payment_key_from_token, return_token
from practice.payments.models import Payment, Refund, StripeEvent
from practice.payments.signals import refund_succeeded
from practice.payments.states import (
    CARD_DECLINED,
    CHECKOUT_EXPIRED,
    LET_GO_UNPAID,
    PAYMENT_FAILED,
    PaymentEvent,
    PaymentStatus,
    RefundReason,
    RefundStatus,
    after,
    cancellation_refund,
    status_after_refunds,
)

log = logging.getLogger(__name__)

#: Stripe counts a Checkout Session's 30 minutes from its own clock, a moment after ours:
#: the hold (and the session's expiry with it) runs this much longer so Stripe never refuses it.
HOLD_MARGIN = timedelta(minutes=1)
#: A refund Stripe would not take is tried again by the worker this many times, then marked failed.
MAX_REFUND_ATTEMPTS = 5
#: The events a practice's Stripe webhook should send (the README lists them).
HANDLED_EVENTS = frozenset({
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "payment_intent.payment_failed",
})


class PaidAtVisit(Exception):
    """The service asks for no online payment (or the install takes none): it is booked the ordinary way."""

    message = lazy_gettext("This service is paid at your visit: please choose your time again.")


class PaymentError(Exception):
    """A payment step that cannot go on; `message` is safe to show, `field` names the input at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class StripeStatus:
    test_keys: bool
    #: No keys, while some of the practice's services ask for payment online.
    off_for_paid_services: bool


def stripe_status(practice_id: int, config) -> StripeStatus:
    if online_payments_enabled(config):
        return StripeStatus(test_keys=test_keys_in_use(config), off_for_paid_services=False)
    asking = db.session.scalar(
        select(Service.id)
        .where(
            Service.practice_id == practice_id,
            Service.payment_mode != PaymentMode.at_visit,
            Service.status != ServiceStatus.archived,
        )
        .limit(1)
    )
    return StripeStatus(test_keys=False, off_for_paid_services=asking is not None)


@dataclass(frozen=True)
class Checkout:
    booking: Booking
    #: Stripe's hosted page; empty when the booking is already confirmed (a second tap after paying).
    url: str


def start_checkout(
    *,
    service_id: int,
    start: datetime,
    client: ClientDetails,
    now: datetime,
    submission_key: str | None,
    chosen_amount: int | None = None,
) -> Checkout:
    """Hold the time for the client and open a Stripe Checkout Session for it; BookingError or PaymentError if not.

    The same confirmation sent twice finds the hold and the session the first one made.
    Nothing is held if Stripe cannot be reached.
    """
    service = booking_service.published_service_by_id(service_id)
    if service is None:
        raise BookingError(_("That service isn't available for booking."))
    if not booking_service.paid_when_booking(service):
        raise PaidAtVisit()
    try:
        amount = service.pricing.amount_online(chosen_amount)
    except AmountNotAccepted as refused:
        raise PaymentError(str(refused), field="amount") from None
    hold_until = now + timedelta(minutes=current_app.config["PAYMENT_HOLD_MINUTES"]) + HOLD_MARGIN
    booking = booking_service.book(
        service_id=service_id,
        start=start,
        client=client,
        now=now,
        submission_key=submission_key,
        hold_until=hold_until,
        from_client=True,
    )
    if booking.status is BookingStatus.confirmed:
        return Checkout(booking, "")
    if booking.status is not BookingStatus.held:
        raise PaymentError(_("The time held for you has been released. Please choose a time again."))
    payment = _payment_to_use(booking.id, amount, now)
    if payment.checkout_url:
        return Checkout(booking, payment.checkout_url)
    # A second tap while the first is still asking Stripe sends the same idempotency key: one session.
    return Checkout(booking, _open_checkout_session(payment, booking, now))


def _open_payment(booking_id: int, now: datetime) -> Payment | None:
    """The booking's checkout still payable: unpaid (a declined card leaves it open) and not yet expired."""
    return db.session.scalar(
        select(Payment)
        .where(
            Payment.booking_id == booking_id,
            Payment.status.in_((PaymentStatus.created, PaymentStatus.failed)),
            Payment.expires_at > now,
        )
        .order_by(Payment.id.desc())
    )


def _payment_to_use(booking_id: int, amount: int, now: datetime) -> Payment:
    """The booking's open payment, or a new one: decided under the booking's lock, so a double tap makes one."""
    with booking_service.serialised_change():
        booking = booking_service.locked_booking(booking_id)
        payment = _open_payment(booking_id, now)
        if payment is None:
            payment = Payment(
                practice_id=booking.practice_id,
                practitioner_id=booking.practitioner_id,
                booking_id=booking.id,
                client_id=booking.client_id,
                amount_cents=amount,
                currency=booking.practice.currency,
                status=PaymentStatus.created,
                test_mode=test_keys_in_use(current_app.config),
                created_at=now,
                expires_at=booking.hold_expires_at,
            )
            db.session.add(payment)
    return payment


def _open_checkout_session(payment: Payment, booking: Booking, now: datetime) -> str:
    request = gateway.CheckoutRequest(
        amount=payment.amount_cents,
        currency=payment.currency,
        description=_statement_description(booking),
        booking_reference=booking.public_id,
        customer_email=booking.client.email,
        expires_at=payment.expires_at,
        success_url=external_url("payments.returned", token=return_token(payment.idempotency_key)),
        cancel_url=external_url("payments.not_paid", token=return_token(payment.idempotency_key)),
        idempotency_key=payment.idempotency_key,
    )
    payment_id, booking_id = payment.id, booking.id
    try:
        session = gateway.create_checkout_session(request)
    except gateway.GatewayError as failed:
        _abandon(payment_id, booking_id, reason="Stripe couldn't be reached", now=now)
        log.warning("checkout session not created for payment %s: %s", payment_id, type(failed.__cause__).__name__)
        raise PaymentError(_gateway_message(failed)) from None
    begin_write_transaction()
    payment = db.session.get(Payment, payment_id, populate_existing=True)
    payment.checkout_session_id, payment.checkout_url = session.id, session.url
    db.session.commit()
    return session.url


def _gateway_message(failed: gateway.GatewayError) -> str:
    """The gateway's safe message, in the client's language."""
    if failed.declined:
        return _("The card was declined.")
    return _("The payment service couldn't be reached. Nothing was charged — please try again.")


def _statement_description(booking: Booking) -> str:
    # Stripe's page and the card statement are read by others too: discreet practices name no service.
    when = booking.starts_at.astimezone(ZoneInfo(booking.practice.timezone)).strftime("%d %b %Y")
    if booking.practice.discreet_emails:
        return f"Appointment with {booking.practice.name}, {when}"
    return f"{booking.service.name} with {booking.practice.name}, {when}"


def _abandon(payment_id: int, booking_id: int, *, reason: str, now: datetime) -> None:
    """Give up on a payment that never reached Stripe, and let the time go at once."""
    with booking_service.serialised_change():
        payment = _locked_payment(payment_id)
        if _move(payment, PaymentEvent.failed):
            payment.failure_reason = reason
        booking_service.release_hold(booking_id, now=now, by=ChangedBy.client)


def let_go(booking: Booking, *, now: datetime) -> None:
    """The client chose another time instead of paying: close their checkout at Stripe, then free the time."""
    payment = _open_payment(booking.id, now)
    if payment is not None and payment.checkout_session_id:
        try:
            session = gateway.expire_checkout_session(payment.checkout_session_id)
        except gateway.GatewayError:
            session = None
        if session is not None and session.payment_status == "paid":
            # They paid in another tab after all: keep the booking.
            settle(payment.id, session, now=now)
            return
    with booking_service.serialised_change():
        booking_service.release_hold(booking.id, now=now, by=ChangedBy.client)


def sync_with_stripe(payment: Payment, *, now: datetime) -> Payment:
    """Ask Stripe how the checkout stands and settle it: the return page does not wait for the webhook."""
    if not payment.checkout_session_id or payment.is_paid:
        return payment
    payment_id = payment.id
    try:
        session = gateway.retrieve_checkout_session(payment.checkout_session_id)
    except gateway.GatewayError:
        return payment
    settle(payment_id, session, now=now)
    return db.session.get(Payment, payment_id)


def payment_for_return_token(token: str) -> Payment | None:
    key = payment_key_from_token(token)
    return None if key is None else db.session.scalar(select(Payment).where(Payment.idempotency_key == key))


def latest_payment(booking_id: int) -> Payment | None:
    return db.session.scalar(select(Payment).where(Payment.booking_id == booking_id).order_by(Payment.id.desc()))


def payments_of(booking_id: int) -> list[Payment]:
    return list(db.session.scalars(select(Payment).where(Payment.booking_id == booking_id).order_by(Payment.id)))


class EventReplayed(Exception):
    """This event id was handled before."""


def handle_event(event, *, now: datetime) -> str:
    """Act on a verified Stripe event; return what happened, in a word, for the log.

    Raises gateway.GatewayError when Stripe can't be asked again: the webhook then answers
    5xx and Stripe delivers the event later. Nothing is recorded in that case.
    """
    if event.type not in HANDLED_EVENTS:
        return "ignored"
    if _seen(event.id):
        return "replayed"
    payment = _payment_named_by(event)
    if payment is None:
        _record_event_alone(event, now)
        return "unknown"
    session = gateway.retrieve_checkout_session(payment.checkout_session_id)
    declined = event.type in ("payment_intent.payment_failed", "checkout.session.async_payment_failed")
    try:
        settle(payment.id, session, now=now, event=event, declined=declined)
    except EventReplayed:
        return "replayed"
    return "handled"


def _seen(event_id: str) -> bool:
    return db.session.scalar(select(StripeEvent.id).where(StripeEvent.event_id == event_id)) is not None


def _payment_named_by(event) -> Payment | None:
    found = event.data.object
    if event.type.startswith("checkout.session."):
        return db.session.scalar(select(Payment).where(Payment.checkout_session_id == found.id))
    session = gateway.checkout_session_for_payment_intent(found.id)
    if session is None:
        return None
    return db.session.scalar(select(Payment).where(Payment.checkout_session_id == session.id))


def _record_event_alone(event, now: datetime) -> None:
    begin_write_transaction()
    try:
        _record_event(event, now)
        db.session.commit()
    except EventReplayed:
        db.session.rollback()


def _record_event(event, now: datetime) -> None:
    """Record the event id in the open transaction; EventReplayed if another delivery got there first."""
    db.session.add(StripeEvent(event_id=event.id, type=event.type, received_at=now))
    try:
        db.session.flush()
    except IntegrityError:
        raise EventReplayed() from None


def settle(payment_id: int, session: gateway.CheckoutSession, *, now: datetime, event=None, declined: bool = False) -> None:
    """Bring a payment and its booking in line with the Checkout Session as Stripe reports it now.

    Paid: the payment succeeds and the held booking is confirmed (its confirmation email
    queued in the same transaction); if the time has meanwhile gone to someone else, the
    payment is refunded in full. Expired unpaid: the hold is released. With `event`, the
    event id is recorded in the same transaction, once (EventReplayed if it already was).
    """
    with booking_service.serialised_change():
        if event is not None:
            _record_event(event, now)
        payment = _locked_payment(payment_id)
        refunds_owed = _apply(payment, session, now=now, declined=declined)
    for refund_id in refunds_owed:
        issue_refund(refund_id, now=now)


def _locked_payment(payment_id: int) -> Payment:
    practitioner_id = db.session.scalar(select(Payment.practitioner_id).where(Payment.id == payment_id))
    # The practitioner first, as every booking change does, so two paths never wait on each other.
    booking_service.lock_practitioner(practitioner_id)
    return db.session.scalar(
        select(Payment).where(Payment.id == payment_id).with_for_update().execution_options(populate_existing=True)
    )


def _apply(payment: Payment, session: gateway.CheckoutSession, *, now: datetime, declined: bool) -> list[int]:
    if session.payment_status == "paid":
        return _settle_paid(payment, session, now)
    if declined:
        if _move(payment, PaymentEvent.failed):
            payment.failure_reason = CARD_DECLINED if session.status == "open" else PAYMENT_FAILED
        if session.status == "complete":
            # A bank payment that failed after checkout: nothing more can be paid on it.
            booking_service.release_hold(payment.booking_id, now=now)
    elif session.status == "complete":
        _move(payment, PaymentEvent.processing)
    elif session.status == "expired":
        if _move(payment, PaymentEvent.failed):
            payment.failure_reason = CHECKOUT_EXPIRED
        booking_service.release_hold(payment.booking_id, now=now)
    return []


def _move(payment: Payment, event: PaymentEvent) -> bool:
    status = after(payment.status, event)
    if status is None:
        return False
    payment.status = status
    return True


def _settle_paid(payment: Payment, session: gateway.CheckoutSession, now: datetime) -> list[int]:
    if not _move(payment, PaymentEvent.paid):
        return []
    payment.payment_intent_id = session.payment_intent_id
    payment.paid_at = now
    payment.failure_reason = ""
    outcome = booking_service.confirm_hold(payment.booking_id, now=now)
    if outcome is not HoldOutcome.unavailable:
        return []
    # Never a double booking: the time is someone else's now, so the money goes back.
    log.info("payment %s arrived after its time was taken; refunding in full", payment.id)
    return [_owe_refund(payment, payment.amount_cents, RefundReason.late_payment, now=now).id]


def _owe_refund(
    payment: Payment, amount: int, reason: RefundReason, *, now: datetime, requested_by_id: int | None = None
) -> Refund:
    refund = Refund(
        practice_id=payment.practice_id,
        practitioner_id=payment.practitioner_id,
        payment=payment,
        amount_cents=amount,
        reason=reason,
        status=RefundStatus.pending,
        requested_by_id=requested_by_id,
        created_at=now,
    )
    db.session.add(refund)
    db.session.flush()
    return refund


@booking_cancelled.connect
def _booking_cancelled(booking: Booking, *, now: datetime, by: ChangedBy, **_) -> None:
    """A paid booking cancelled: owe the refund the practice's policy gives (in full when the practice cancelled)."""
    practice = booking.practice
    for payment in payments_of(booking.id):
        amount = cancellation_refund(
            refundable=payment.refundable_cents,
            starts_at=booking.starts_at,
            now=now,
            full_refund_hours=practice.full_refund_hours,
            keep_percent=practice.late_cancel_keep_percent,
            by_client=by is ChangedBy.client,
            in_grace=booking_service.in_cancel_grace(booking, now),
        )
        if amount > 0:
            reason = RefundReason.client_cancelled if by is ChangedBy.client else RefundReason.practitioner_cancelled
            _owe_refund(payment, amount, reason, now=now)


@booking_hold_released.connect
def _booking_hold_released(booking: Booking, *, now: datetime, by: ChangedBy, **_) -> None:
    for payment in payments_of(booking.id):
        if _move(payment, PaymentEvent.failed):
            payment.failure_reason = CHECKOUT_EXPIRED if by is ChangedBy.expiry else LET_GO_UNPAID


def refund_due_on_cancelling(booking: Booking, *, now: datetime) -> int:
    """What cancelling now by the manage link would refund, for the page to say before the client confirms."""
    practice = booking.practice
    return sum(
        cancellation_refund(
            refundable=payment.refundable_cents,
            starts_at=booking.starts_at,
            now=now,
            full_refund_hours=practice.full_refund_hours,
            keep_percent=practice.late_cancel_keep_percent,
            by_client=True,
            in_grace=booking_service.in_cancel_grace(booking, now),
        )
        for payment in payments_of(booking.id)
    )


def refund_by_practitioner(payment: Payment, amount: int, *, practitioner_id: int, now: datetime) -> Refund:
    """Refund `amount` (at most what is left to refund) of a payment, as the practitioner chose; Stripe is asked at once."""
    with booking_service.serialised_change():
        locked = _locked_payment(payment.id)
        if locked.refundable_cents <= 0:
            raise PaymentError("There is nothing left to refund on this payment.", field="amount")
        if amount <= 0:
            raise PaymentError("Please enter an amount above zero.", field="amount")
        if amount > locked.refundable_cents:
            left = format_money(locked.refundable_cents, locked.currency)
            raise PaymentError(f"At most {left} can still be refunded.", field="amount")
        refund = _owe_refund(locked, amount, RefundReason.by_practitioner, now=now, requested_by_id=practitioner_id)
    issue_refund(refund.id, now=now)
    return db.session.get(Refund, refund.id, populate_existing=True)


def issue_refund(refund_id: int, *, now: datetime) -> None:
    """Ask Stripe for a refund recorded as owed, with its own idempotency key, and record the outcome."""
    refund = db.session.get(Refund, refund_id, populate_existing=True)
    if refund is None or refund.status is not RefundStatus.pending or refund.stripe_refund_id:
        return
    payment = refund.payment
    try:
        stripe_id, status = gateway.create_refund(
            payment_intent_id=payment.payment_intent_id,
            amount=refund.amount_cents,
            idempotency_key=refund.idempotency_key,
            reference=str(refund.id),
        )
    except gateway.GatewayError as failed:
        _record_refund_failure(refund_id, failed.message, now=now)
        return
    _record_refund(refund_id, stripe_id, status, now=now)


def _record_refund(refund_id: int, stripe_id: str, status: str, *, now: datetime) -> None:
    with booking_service.serialised_change():
        refund = db.session.get(Refund, refund_id, populate_existing=True)
        payment = _locked_payment(refund.payment_id)
        refund.stripe_refund_id = stripe_id
        refund.attempts += 1
        if status == "succeeded" and refund.status is RefundStatus.pending:
            refund.status = RefundStatus.succeeded
            refund.settled_at = now
            payment.refunded_cents += refund.amount_cents
            payment.status = status_after_refunds(payment.amount_cents, payment.refunded_cents)
            refund_succeeded.send(refund, now=now)
        elif status in ("failed", "canceled"):
            refund.status = RefundStatus.failed
            refund.failure_reason = "Stripe could not make this refund"


def _record_refund_failure(refund_id: int, reason: str, *, now: datetime) -> None:
    begin_write_transaction()
    refund = db.session.get(Refund, refund_id, populate_existing=True)
    refund.attempts += 1
    refund.failure_reason = reason
    if refund.attempts >= MAX_REFUND_ATTEMPTS:
        refund.status = RefundStatus.failed
        refund.settled_at = now
    db.session.commit()


def issue_owed_refunds(*, now: datetime) -> int:
    """The worker's sweep: send every refund still owed, and ask Stripe again about those it left pending; return how many."""
    pending = db.session.execute(
        select(Refund.id, Refund.stripe_refund_id).where(Refund.status == RefundStatus.pending).order_by(Refund.id)
    ).all()
    for refund_id, stripe_id in pending:
        if stripe_id is None:
            issue_refund(refund_id, now=now)
            continue
        try:
            status = gateway.refund_status(stripe_id)
        except gateway.GatewayError:
            continue
        _record_refund(refund_id, stripe_id, status, now=now)
    return len(pending)
