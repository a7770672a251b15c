"""Paying for a booking end to end: our pages, a Stripe-compatible server, and its signed webhooks."""
import time
from datetime import datetime, timedelta, timezone
from unittest import mock

import pytest
from sqlalchemy import update

from practice.booking import links
from practice.booking.models import Booking, BookingStatus
from practice.booking.states import ChangedBy
from practice.catalog.pricing import PaymentMode
from practice.extensions import db
from practice.notifications.models import MessageKind
from practice.payments import gateway
from practice.payments import service as payments_service
from practice.payments.links import RETURN_LINK_SECONDS
from practice.payments.states import PaymentStatus, RefundReason, RefundStatus
from tests.payments.support import details, emails, events_recorded, offer, pay, payments, refunds, session_id, the_booking


def test_a_deposit_is_paid_on_stripe_and_confirms_the_booking(paying):
    offered = offer(paying.app)
    client = paying.app.test_client()

    answer = pay(client, offered)

    assert answer.status_code == 303
    checkout_url = answer.headers["Location"]
    assert checkout_url.startswith(paying.stripe.url)
    held = the_booking(paying.app, offered)
    assert held.status is BookingStatus.held
    session = paying.stripe.session(session_id(checkout_url))
    assert session["amount_total"] == 2000 and session["currency"] == "gbp"
    assert session["client_reference_id"] == held.public_id
    assert session["expires_at"] == int(held.hold_expires_at.timestamp())
    assert emails(paying.app, MessageKind.booking_confirmed) == []

    completed = paying.stripe.complete(session["id"])

    assert completed["deliveries"] == [200]
    assert the_booking(paying.app, offered).status is BookingStatus.confirmed
    [payment] = payments(paying.app)
    assert (payment.status, payment.amount_cents, payment.currency) == (PaymentStatus.succeeded, 2000, "GBP")
    assert payment.payment_intent_id == completed["session"]["payment_intent"]
    assert len(emails(paying.app, MessageKind.booking_confirmed)) == 1

    # Stripe's redirect lands after the webhook: the client sees the booking at once.
    returned = client.get(session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"]).removeprefix("http://localhost"))
    assert returned.status_code == 303
    manage = client.get(returned.headers["Location"])
    page = manage.get_data(as_text=True)
    assert "You paid £20.00" in page and "£45.00 is paid at your visit" in page


def test_the_return_page_confirms_before_the_webhook_arrives(paying):
    offered = offer(paying.app, mode=PaymentMode.full)
    client = paying.app.test_client()
    checkout_url = pay(client, offered).headers["Location"]
    # No webhook yet: Stripe's delivery is slower than the client's browser.
    paying.stripe.unregister_webhooks()
    completed = paying.stripe.complete(session_id(checkout_url))
    assert completed["deliveries"] == []

    session = paying.stripe.session(session_id(checkout_url))
    returned = client.get(_path(session["success_url"], session["id"]))

    assert returned.status_code == 303
    assert the_booking(paying.app, offered).status is BookingStatus.confirmed
    # The event, arriving late, finds the work done and changes nothing.
    paying.register_webhook_again()
    assert paying.stripe.redeliver(completed["event"], times=1)["deliveries"] == [200]
    assert len(emails(paying.app, MessageKind.booking_confirmed)) == 1
    assert [p.status for p in payments(paying.app)] == [PaymentStatus.succeeded]


def test_a_declined_card_leaves_the_time_held_and_nothing_confirmed(paying):
    offered = offer(paying.app)
    client = paying.app.test_client()
    checkout_url = pay(client, offered).headers["Location"]

    declined = paying.stripe.complete(session_id(checkout_url), payment_method="pm_card_chargeCustomerFail")

    assert declined["declined"] and declined["deliveries"] == [200]
    assert the_booking(paying.app, offered).status is BookingStatus.held
    [payment] = payments(paying.app)
    assert payment.status is PaymentStatus.failed and "declined" in payment.failure_reason
    assert emails(paying.app, MessageKind.booking_confirmed) == []
    session = paying.stripe.session(session_id(checkout_url))
    page = client.get(_path(session["success_url"], session["id"])).get_data(as_text=True)
    assert "Your payment didn't go through" in page

    # Another card on the same page still books it.
    paying.stripe.complete(session_id(checkout_url))
    assert the_booking(paying.app, offered).status is BookingStatus.confirmed


def test_the_same_event_five_times_changes_things_once(paying):
    offered = offer(paying.app)
    client = paying.app.test_client()
    completed = paying.stripe.complete(session_id(pay(client, offered).headers["Location"]))

    again = paying.stripe.redeliver(completed["event"], times=5)

    assert again["deliveries"] == [200] * 5
    assert events_recorded(paying.app) == 1
    assert len(emails(paying.app, MessageKind.booking_confirmed)) == 1
    assert [p.status for p in payments(paying.app)] == [PaymentStatus.succeeded]


def test_an_expired_event_after_completion_changes_nothing(paying):
    offered = offer(paying.app)
    client = paying.app.test_client()
    checkout = session_id(pay(client, offered).headers["Location"])
    paying.stripe.complete(checkout)

    assert paying.stripe.deliver(checkout, "checkout.session.expired")["deliveries"] == [200]

    assert the_booking(paying.app, offered).status is BookingStatus.confirmed
    assert [p.status for p in payments(paying.app)] == [PaymentStatus.succeeded]


def test_an_expired_checkout_releases_the_time_and_tells_the_client_kindly(paying):
    offered = offer(paying.app)
    client = paying.app.test_client()
    checkout = session_id(pay(client, offered).headers["Location"])

    paying.stripe.expire(checkout)

    booking = the_booking(paying.app, offered)
    assert (booking.status, booking.cancelled_by) == (BookingStatus.cancelled, ChangedBy.expiry)
    assert [p.status for p in payments(paying.app)] == [PaymentStatus.failed]
    [told] = emails(paying.app, MessageKind.hold_released)
    assert told.recipient == "client1@example.org" and "Nothing was charged" in told.body_text
    # The time is free again for the next client.
    assert pay(client, offered, n=2).status_code == 303


@pytest.mark.parametrize("paying", ["sqlite", "postgresql"], indirect=True)
def test_a_late_payment_for_a_time_someone_else_took_is_refunded_in_full(paying):
    offered = offer(paying.app)
    client = paying.app.test_client()
    first = session_id(pay(client, offered, n=1).headers["Location"])
    _lapse_holds(paying.app)
    second = pay(client, offered, n=2)
    assert second.status_code == 303

    late = paying.stripe.complete(first)

    assert late["deliveries"] == [200]
    assert the_booking(paying.app, offered, n=1).status is BookingStatus.cancelled
    assert the_booking(paying.app, offered, n=2).status is BookingStatus.held
    [payment, _] = payments(paying.app)
    assert (payment.status, payment.refunded_cents) == (PaymentStatus.refunded, 2000)
    [refund] = refunds(paying.app)
    assert (refund.reason, refund.status, refund.amount_cents) == (RefundReason.late_payment, RefundStatus.succeeded, 2000)
    stripe_refund = paying.stripe.get(f"/v1/refunds/{refund.stripe_refund_id}")
    assert (stripe_refund["amount"], stripe_refund["payment_intent"]) == (2000, payment.payment_intent_id)
    [apology] = emails(paying.app, MessageKind.payment_refunded)
    assert apology.recipient == "client1@example.org" and "We're so sorry" in apology.body_text
    assert emails(paying.app, MessageKind.booking_confirmed) == []


def test_a_late_payment_for_a_time_still_free_books_it(paying):
    offered = offer(paying.app)
    client = paying.app.test_client()
    checkout = session_id(pay(client, offered).headers["Location"])
    _lapse_holds(paying.app)

    paying.stripe.complete(checkout)

    assert the_booking(paying.app, offered).status is BookingStatus.confirmed
    assert refunds(paying.app) == []


def test_a_bad_signature_is_refused_and_changes_nothing(paying):
    offered = offer(paying.app)
    client = paying.app.test_client()
    checkout = session_id(pay(client, offered).headers["Location"])
    paying.stripe.unregister_webhooks()
    completed = paying.stripe.complete(checkout)
    event = paying.stripe.event(completed["event"])
    body = _json(event)

    for signature in ("", "t=1,v1=00", _signature(body, "whsec_someone_else"), _signature(body + " ", "whsec_tend_test_secret")):
        answer = client.post("/stripe/webhook", data=body, headers={"Stripe-Signature": signature}, content_type="application/json")
        assert answer.status_code == 400
    assert events_recorded(paying.app) == 0
    assert the_booking(paying.app, offered).status is BookingStatus.held


def _lapse_holds(app) -> None:
    with app.app_context():
        lapsed = datetime.now(timezone.utc) - timedelta(minutes=1)
        db.session.execute(update(Booking).where(Booking.status == BookingStatus.held).values(hold_expires_at=lapsed))
        db.session.commit()


def _path(success_url: str, checkout_id: str) -> str:
    return success_url.replace("{CHECKOUT_SESSION_ID}", checkout_id).removeprefix("http://localhost")


def _json(event: dict) -> str:
    import json

    return json.dumps(event)


def _signature(body: str, secret: str) -> str:
    from tests.payments.stripe_server import sign

    return sign(body, secret)


def test_on_a_sliding_scale_the_client_pays_what_they_choose_within_the_range(paying):
    offered = offer(paying.app, mode=PaymentMode.sliding)
    client = paying.app.test_client()

    too_little = pay(client, offered, amount="10.00")
    not_a_number = pay(client, offered, amount="ten")
    chosen = pay(client, offered, amount="45.50")

    assert too_little.status_code == 422 and "within the range" in too_little.get_data(as_text=True)
    assert not_a_number.status_code == 422 and "as a number" in not_a_number.get_data(as_text=True)
    assert chosen.status_code == 303
    assert paying.stripe.session(session_id(chosen.headers["Location"]))["amount_total"] == 4550
    assert [p.amount_cents for p in payments(paying.app)] == [4550]


def test_a_second_tap_on_confirm_and_pay_goes_back_to_the_same_checkout(paying):
    offered = offer(paying.app)
    client = paying.app.test_client()
    form = details(offered)

    first = client.post(f"{offered.path}/pay", data=form)
    second = client.post(f"{offered.path}/pay", data=form)

    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert len(payments(paying.app)) == 1
    assert len(paying.stripe.get("/v1/checkout/sessions")["data"]) == 1


def test_letting_the_time_go_closes_the_checkout_and_frees_the_time(paying):
    offered = offer(paying.app)
    client = paying.app.test_client()
    checkout = session_id(pay(client, offered).headers["Location"])
    session = paying.stripe.session(checkout)
    cancel_path = session["cancel_url"].removeprefix("http://localhost")

    page = client.get(cancel_path).get_data(as_text=True)
    gone = client.post(cancel_path.replace("/not-paid", "/let-go"))

    assert "You haven't paid yet" in page
    assert gone.status_code == 303
    assert paying.stripe.session(checkout)["status"] == "expired"
    booking = the_booking(paying.app, offered)
    assert (booking.status, booking.cancelled_by) == (BookingStatus.cancelled, ChangedBy.client)
    # The client chose this: no "your time was released" email.
    paying.stripe.wait_for_deliveries()
    assert emails(paying.app, MessageKind.hold_released) == []
    assert pay(client, offered, n=2).status_code == 303


def test_stripe_is_never_given_the_manage_link(paying):
    offered = offer(paying.app)
    client = paying.app.test_client()
    session = paying.stripe.session(session_id(pay(client, offered).headers["Location"]))
    booking = the_booking(paying.app, offered)
    manage_token = links.manage_token(booking.public_id, paying.app.config["SECRET_KEY"])

    assert manage_token not in session["success_url"] + session["cancel_url"]
    assert booking.public_id not in session["success_url"] + session["cancel_url"]
    assert client.get(_path(session["success_url"], session["id"]) + "x").status_code == 404

    a_day_later = time.time() + RETURN_LINK_SECONDS + 60
    with mock.patch("itsdangerous.timed.time.time", return_value=a_day_later):
        assert client.get(_path(session["success_url"], session["id"])).status_code == 404


def test_a_bank_payment_still_processing_keeps_the_hold_and_one_that_fails_releases_it(paying):
    offered = offer(paying.app)
    client = paying.app.test_client()
    checkout = session_id(pay(client, offered).headers["Location"])
    [payment] = payments(paying.app)
    stripe_says = dict(id=checkout, url="", status="complete", payment_status="unpaid", payment_intent_id="pi_bank", amount_total=2000, currency="GBP")

    with paying.app.app_context():
        payments_service.settle(payment.id, gateway.CheckoutSession(**stripe_says), now=datetime.now(timezone.utc))
    assert [p.status for p in payments(paying.app)] == [PaymentStatus.pending]
    assert the_booking(paying.app, offered).status is BookingStatus.held

    with paying.app.app_context():
        payments_service.settle(payment.id, gateway.CheckoutSession(**stripe_says), now=datetime.now(timezone.utc), declined=True)
    assert [p.status for p in payments(paying.app)] == [PaymentStatus.failed]
    assert the_booking(paying.app, offered).status is BookingStatus.cancelled
    assert len(emails(paying.app, MessageKind.hold_released)) == 1


def test_the_return_page_waits_calmly_until_the_payment_is_known(paying):
    offered = offer(paying.app)
    client = paying.app.test_client()
    checkout = session_id(pay(client, offered).headers["Location"])
    session = paying.stripe.session(checkout)

    waiting = client.get(_path(session["success_url"], checkout))

    page = waiting.get_data(as_text=True)
    assert waiting.status_code == 200
    assert "Confirming your payment…" in page and 'http-equiv="refresh"' in page
    assert "no need to pay again" in page
    paying.stripe.complete(checkout)
    assert client.get(_path(session["success_url"], checkout)).status_code == 303
