"""Refunds: a client cancelling by their link is refunded by the practice's policy, through Stripe's Refunds API."""
from datetime import datetime, timezone

import pytest

from practice.booking import links
from practice.booking import service as booking_service
from practice.booking.models import BookingStatus
from practice.catalog.models import Service
from practice.extensions import db
from practice.notifications.models import MessageKind
from practice.payments import service as payments_service
from practice.payments.states import PaymentStatus, RefundReason, RefundStatus
from tests.payments.support import emails, offer, pay, payments, refunds, session_id, the_booking


def paid_booking(paying, *, days: int, full_refund_hours: int = 48, keep_percent: int = 100, n: int = 1):
    offered = offer(paying.app, days=days)
    _set_policy(paying.app, offered, full_refund_hours, keep_percent)
    client = paying.app.test_client()
    answer = pay(client, offered, n=n)
    completed = paying.stripe.complete(session_id(answer.headers["Location"]))
    assert completed["deliveries"] == [200]
    return offered, client


def _set_policy(app, offered, hours: int, keep: int) -> None:
    with app.app_context():
        practice = db.session.get(Service, offered.service_id).practice
        practice.full_refund_hours, practice.late_cancel_keep_percent = hours, keep
        practice.cancellation_window_hours = 0
        # The policy after the grace just after booking, in which a cancellation is refunded in full.
        practice.cancel_grace_minutes = 0
        db.session.commit()


def cancel_by_link(paying, client, offered, n: int = 1):
    booking = the_booking(paying.app, offered, n)
    token = links.manage_token(booking.public_id, paying.app.config["SECRET_KEY"])
    page = client.get(f"/manage/{token}").get_data(as_text=True)
    answer = client.post(f"/manage/{token}/cancel")
    assert answer.status_code == 303
    with paying.app.app_context():
        payments_service.issue_owed_refunds(now=datetime.now(timezone.utc))
    return page


def stripe_refunds(paying, payment_intent: str) -> list[dict]:
    return paying.stripe.get(f"/v1/refunds?payment_intent={payment_intent}")["data"]


def test_cancelling_before_the_policy_window_refunds_in_full(paying):
    offered, client = paid_booking(paying, days=5)

    page = cancel_by_link(paying, client, offered)

    assert "Cancelling now refunds £20.00" in page
    assert the_booking(paying.app, offered).status is BookingStatus.cancelled
    [payment] = payments(paying.app)
    assert (payment.status, payment.refunded_cents) == (PaymentStatus.refunded, 2000)
    [refund] = refunds(paying.app)
    assert (refund.reason, refund.status) == (RefundReason.client_cancelled, RefundStatus.succeeded)
    assert [r["amount"] for r in stripe_refunds(paying, payment.payment_intent_id)] == [2000]
    assert ("/v1/refunds", refund.idempotency_key) in paying.stripe.idempotency_keys
    [told] = emails(paying.app, MessageKind.payment_refunded)
    assert "£20.00" in told.subject


def test_cancelling_inside_the_window_keeps_the_deposit(paying):
    offered, client = paid_booking(paying, days=1, full_refund_hours=48, keep_percent=100)

    page = cancel_by_link(paying, client, offered)

    assert "Cancelling now refunds nothing" in page
    assert the_booking(paying.app, offered).status is BookingStatus.cancelled
    assert refunds(paying.app) == []
    assert [p.status for p in payments(paying.app)] == [PaymentStatus.succeeded]
    assert emails(paying.app, MessageKind.payment_refunded) == []


@pytest.mark.parametrize(("keep", "back"), [(50, 1000), (25, 1500)])
def test_cancelling_inside_the_window_refunds_what_the_practice_does_not_keep(paying, keep, back):
    offered, client = paid_booking(paying, days=1, full_refund_hours=48, keep_percent=keep)

    cancel_by_link(paying, client, offered)

    [payment] = payments(paying.app)
    assert (payment.status, payment.refunded_cents) == (PaymentStatus.partially_refunded, back)
    assert [r["amount"] for r in stripe_refunds(paying, payment.payment_intent_id)] == [back]


def test_cancelling_twice_refunds_once(paying):
    offered, client = paid_booking(paying, days=5)
    cancel_by_link(paying, client, offered)
    cancel_by_link(paying, client, offered)

    [payment] = payments(paying.app)
    assert len(stripe_refunds(paying, payment.payment_intent_id)) == 1
    assert len(refunds(paying.app)) == 1


def test_a_refund_stripe_could_not_take_is_tried_again_with_the_same_key(paying):
    offered, client = paid_booking(paying, days=5)
    stripe_url = paying.app.config["STRIPE_API_BASE"]
    paying.app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"  # nothing listens: Stripe is unreachable
    try:
        cancel_by_link(paying, client, offered)
    finally:
        paying.app.config["STRIPE_API_BASE"] = stripe_url
    [refund] = refunds(paying.app)
    assert (refund.status, refund.attempts) == (RefundStatus.pending, 1)

    with paying.app.app_context():
        payments_service.issue_owed_refunds(now=datetime.now(timezone.utc))

    [refund] = refunds(paying.app)
    assert refund.status is RefundStatus.succeeded
    [payment] = payments(paying.app)
    assert len(stripe_refunds(paying, payment.payment_intent_id)) == 1


def test_the_practice_cancelling_refunds_everything_even_inside_the_window(paying):
    offered, _ = paid_booking(paying, days=1, full_refund_hours=48, keep_percent=100)
    booking = the_booking(paying.app, offered)

    with paying.app.app_context():
        booking_service.cancel_booking(booking.id, by=booking_service.PRACTITIONER, now=datetime.now(timezone.utc))
        payments_service.issue_owed_refunds(now=datetime.now(timezone.utc))

    [refund] = refunds(paying.app)
    assert (refund.reason, refund.status, refund.amount_cents) == (RefundReason.practitioner_cancelled, RefundStatus.succeeded, 2000)
    [told] = emails(paying.app, MessageKind.payment_refunded)
    assert "everything you paid" in told.body_text


def test_a_stripe_unreachable_at_checkout_holds_nothing(paying):
    offered = offer(paying.app)
    paying.app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"
    try:
        answer = pay(paying.app.test_client(), offered)
    finally:
        paying.app.config["STRIPE_API_BASE"] = paying.stripe.url

    assert answer.status_code == 503 and "Nothing was charged" in answer.get_data(as_text=True)
    booking = the_booking(paying.app, offered)
    assert booking.status is BookingStatus.cancelled
    assert [p.status for p in payments(paying.app)] == [PaymentStatus.failed]
    assert pay(paying.app.test_client(), offered, n=2).status_code == 303
