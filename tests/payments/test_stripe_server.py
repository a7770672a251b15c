"""The Stripe test server itself, driven by the real `stripe` library over HTTP."""
import http.client
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

stripe = pytest.importorskip("stripe")

SECRET = "whsec_test_secret"


class Receiver:
    """A webhook endpoint on 127.0.0.1 that answers 200 and keeps each request's body and headers."""

    def __init__(self):
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                receiver.requests.append((body, dict(self.headers)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/webhooks/stripe"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def events(self):
        """Each received event, verified as the app verifies it."""
        return [stripe.Webhook.construct_event(body, headers["Stripe-Signature"], SECRET)
                for body, headers in self.requests]

    def close(self):
        self.httpd.shutdown()
        self.thread.join()
        self.httpd.server_close()


@pytest.fixture
def receiver(stripe_server):
    receiver = Receiver()
    stripe_server.register_webhook(receiver.url, SECRET)
    yield receiver
    receiver.close()


@pytest.fixture
def client(stripe_server):
    return stripe.StripeClient("sk_test_123", base_addresses={"api": stripe_server.url}, max_network_retries=0)


def session_params(**extra):
    return {
        "mode": "payment",
        "line_items": [{
            "price_data": {"currency": "GBP", "unit_amount": 1000, "product_data": {"name": "Massage, 60 min"}},
            "quantity": 2,
        }],
        "success_url": "http://127.0.0.1:9/paid?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://127.0.0.1:9/booking",
        "client_reference_id": "booking-7",
        "metadata": {"booking_id": "7"},
        "payment_intent_data": {"metadata": {"booking_id": "7"}},
        **extra,
    }


def test_a_completed_checkout_sends_a_signed_event_and_its_payment_refunds_in_part(stripe_server, receiver, client):
    created = client.v1.checkout.sessions.create(params=session_params(customer_email="ada@example.com"))
    assert (created.status, created.payment_status, created.amount_total, created.currency) == (
        "open", "unpaid", 2000, "gbp")
    assert created.url == f"{stripe_server.url}/_test/checkout/{created.id}"
    assert created.id.startswith("cs_test_") and created.payment_intent is None

    result = stripe_server.complete(created.id)

    assert result["deliveries"] == [200]
    events = receiver.events()
    assert [e.type for e in events] == ["payment_intent.succeeded", "checkout.session.completed"]
    completed = events[-1]
    assert completed.id == result["event"] == client.v1.events.retrieve(result["event"]).id
    assert completed.data.object.id == created.id
    assert completed.data.object.payment_status == "paid"
    assert completed.data.object.metadata.to_dict() == {"booking_id": "7"}
    session = client.v1.checkout.sessions.retrieve(created.id)
    assert (session.status, session.payment_status) == ("complete", "paid")
    payment_intent = client.v1.payment_intents.retrieve(session.payment_intent)
    assert (payment_intent.status, payment_intent.amount, payment_intent.metadata.to_dict()) == (
        "succeeded", 2000, {"booking_id": "7"})
    found = client.v1.checkout.sessions.list(params={"payment_intent": payment_intent.id})
    assert [s.id for s in found.data] == [created.id]

    refund = client.v1.refunds.create(
        params={"payment_intent": payment_intent.id, "amount": 500, "reason": "requested_by_customer"})
    assert (refund.status, refund.amount, refund.currency, refund.payment_intent) == (
        "succeeded", 500, "gbp", payment_intent.id)
    with pytest.raises(stripe.InvalidRequestError, match="greater than unrefunded"):
        client.v1.refunds.create(params={"payment_intent": payment_intent.id, "amount": 1501})


def test_a_declined_card_leaves_the_session_open_and_a_retry_pays_the_same_intent(stripe_server, receiver, client):
    created = client.v1.checkout.sessions.create(params=session_params())

    declined = stripe_server.complete(created.id, payment_method="pm_card_chargeCustomerFail")

    assert declined["declined"] is True and declined["deliveries"] == [200]
    assert [e.type for e in receiver.events()] == ["payment_intent.payment_failed"]
    session = stripe_server.session(created.id)
    assert (session["status"], session["payment_status"]) == ("open", "unpaid")
    failed_intent = session["payment_intent"]
    assert client.v1.payment_intents.retrieve(failed_intent).status == "requires_payment_method"

    paid = stripe_server.complete(created.id)
    assert paid["session"]["status"] == "complete"
    assert paid["session"]["payment_intent"] == failed_intent
    with pytest.raises(Exception, match="409"):
        stripe_server.complete(created.id)


def test_an_idempotency_key_replays_the_first_answer_and_refuses_other_parameters(stripe_server, client):
    first = client.v1.checkout.sessions.create(params=session_params(), options={"idempotency_key": "k1"})
    again = client.v1.checkout.sessions.create(params=session_params(), options={"idempotency_key": "k1"})

    assert again.id == first.id
    assert len(client.v1.checkout.sessions.list().data) == 1
    with pytest.raises(stripe.IdempotencyError, match="same parameters"):
        client.v1.checkout.sessions.create(
            params=session_params(client_reference_id="booking-8"), options={"idempotency_key": "k1"})
    assert stripe_server.idempotency_keys == [("/v1/checkout/sessions", "k1")] * 3


def test_expires_at_must_be_half_an_hour_away_and_mode_must_be_payment(client):
    with pytest.raises(stripe.InvalidRequestError, match="at least 30 minutes") as refused:
        client.v1.checkout.sessions.create(params=session_params(expires_at=int(time.time()) + 600))
    assert refused.value.http_status == 400
    with pytest.raises(stripe.InvalidRequestError, match="mode"):
        client.v1.checkout.sessions.create(params=session_params(mode="subscription"))


def test_an_event_redelivered_five_times_arrives_five_times_freshly_signed(stripe_server, receiver, client):
    created = client.v1.checkout.sessions.create(params=session_params())
    event_id = stripe_server.complete(created.id)["event"]
    receiver.requests.clear()

    assert stripe_server.redeliver(event_id, times=5) == {"deliveries": [200] * 5}

    assert [e.id for e in receiver.events()] == [event_id] * 5


def test_expiring_an_open_session_sends_the_expired_event(stripe_server, receiver, client):
    created = client.v1.checkout.sessions.create(params=session_params())

    expired = client.v1.checkout.sessions.expire(created.id)
    stripe_server.wait_for_deliveries()

    assert expired.status == "expired"
    [event] = receiver.events()
    assert (event.type, event.data.object.id, event.data.object.status) == (
        "checkout.session.expired", created.id, "expired")
    with pytest.raises(stripe.InvalidRequestError, match="can be expired"):
        client.v1.checkout.sessions.expire(created.id)
    with pytest.raises(stripe.InvalidRequestError, match="No such checkout.session"):
        client.v1.checkout.sessions.retrieve("cs_test_nope")


def test_the_hosted_page_pays_declines_and_redirects(stripe_server, client):
    created = client.v1.checkout.sessions.create(params=session_params())
    host = urllib.parse.urlsplit(stripe_server.url).netloc

    def request(method, path, form=None):
        connection = http.client.HTTPConnection(host, timeout=10)
        try:
            body = urllib.parse.urlencode(form) if form else None
            headers = {"Content-Type": "application/x-www-form-urlencoded"} if form else {}
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheader("Location"), response.read().decode()
        finally:
            connection.close()

    status, _, page = request("GET", f"/_test/checkout/{created.id}")
    assert status == 200 and "<h1>Pay 20.00 GBP</h1>" in page and ">Pay with a declined card<" in page
    assert '<a href="http://127.0.0.1:9/booking">Back</a>' in page

    status, _, page = request("POST", f"/_test/checkout/{created.id}/pay",
                              {"payment_method": "pm_card_chargeCustomerFail"})
    assert status == 402 and "Your card was declined." in page

    status, location, _ = request("POST", f"/_test/checkout/{created.id}/pay", {"payment_method": "pm_card_visa"})
    assert (status, location) == (303, f"http://127.0.0.1:9/paid?session={created.id}")
    assert "This checkout has expired." in request("GET", f"/_test/checkout/{created.id}")[2]
    assert stripe_server.session(created.id)["payment_status"] == "paid"
