"""Stripe, through its official client: the only module that talks to it.

Card details never reach this server: clients pay on Stripe's hosted Checkout page, and
what comes back is ids, amounts and statuses.
"""
from dataclasses import dataclass
from datetime import datetime

import stripe
from flask import current_app

#: Seconds to wait for Stripe before telling the client to try again.
TIMEOUT_SECONDS = 20


class GatewayError(Exception):
    """Stripe could not be reached or refused the request; `message` is safe to show."""

    def __init__(self, message: str, *, declined: bool = False):
        super().__init__(message)
        self.message = message
        self.declined = declined


@dataclass(frozen=True)
class CheckoutRequest:
    amount: int
    #: ISO 4217, any case.
    currency: str
    #: What the client sees on Stripe's page and their statement: discreet, like the emails.
    description: str
    booking_reference: str
    customer_email: str
    expires_at: datetime
    success_url: str
    cancel_url: str
    idempotency_key: str


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str
    #: "open", "complete" or "expired".
    status: str
    #: "paid", "unpaid" or "no_payment_required".
    payment_status: str
    payment_intent_id: str | None
    amount_total: int
    currency: str


def client() -> stripe.StripeClient:
    config = current_app.config
    base = config.get("STRIPE_API_BASE")
    return stripe.StripeClient(
        config["STRIPE_SECRET_KEY"],
        base_addresses={"api": base} if base else None,
        max_network_retries=config.get("STRIPE_MAX_NETWORK_RETRIES", 2),
        http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS),
    )


def create_checkout_session(request: CheckoutRequest) -> CheckoutSession:
    params = {
        "mode": "payment",
        # Cards (Apple Pay and Google Pay included) settle at once; a bank debit takes days,
        # far longer than a time can be held for someone.
        "payment_method_types": ["card"],
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": request.currency.lower(),
                    "unit_amount": request.amount,
                    "product_data": {"name": request.description},
                },
            }
        ],
        "client_reference_id": request.booking_reference,
        "metadata": {"booking": request.booking_reference},
        "payment_intent_data": {"metadata": {"booking": request.booking_reference}},
        "customer_email": request.customer_email,
        "expires_at": int(request.expires_at.timestamp()),
        "success_url": request.success_url,
        "cancel_url": request.cancel_url,
    }
    session = _call(
        lambda: client().v1.checkout.sessions.create(params=params, options={"idempotency_key": request.idempotency_key})
    )
    return _session(session)


def retrieve_checkout_session(session_id: str) -> CheckoutSession:
    return _session(_call(lambda: client().v1.checkout.sessions.retrieve(session_id)))


def expire_checkout_session(session_id: str) -> CheckoutSession:
    """Close a still-open checkout so it can no longer be paid; one already closed is returned as it is."""
    try:
        return _session(_call(lambda: client().v1.checkout.sessions.expire(session_id)))
    except GatewayError:
        return retrieve_checkout_session(session_id)


def checkout_session_for_payment_intent(payment_intent_id: str) -> CheckoutSession | None:
    found = _call(lambda: client().v1.checkout.sessions.list(params={"payment_intent": payment_intent_id, "limit": 1}))
    return _session(found.data[0]) if found.data else None


def create_refund(*, payment_intent_id: str, amount: int, idempotency_key: str, reference: str) -> tuple[str, str]:
    """Refund `amount` of a payment; (Stripe's refund id, its status: "succeeded", "pending", "failed" …)."""
    refund = _call(
        lambda: client().v1.refunds.create(
            params={"payment_intent": payment_intent_id, "amount": amount, "metadata": {"refund": reference}},
            options={"idempotency_key": idempotency_key},
        )
    )
    return refund.id, refund.status


def refund_status(refund_id: str) -> str:
    return _call(lambda: client().v1.refunds.retrieve(refund_id)).status


def verified_event(payload: bytes, signature: str | None) -> stripe.Event:
    """The event, if Stripe signed it with our webhook secret within the default tolerance; ValueError if not."""
    try:
        return stripe.Webhook.construct_event(payload, signature or "", current_app.config["STRIPE_WEBHOOK_SECRET"])
    except stripe.SignatureVerificationError as refused:
        raise ValueError("bad signature") from refused


def _call(request):
    try:
        return request()
    except stripe.CardError as declined:
        raise GatewayError("The card was declined.", declined=True) from declined
    except stripe.StripeError as failed:
        # Stripe's own message may name parameters; the client is told plainly instead.
        raise GatewayError("The payment service couldn't be reached. Nothing was charged — please try again.") from failed


def _session(session) -> CheckoutSession:
    payment_intent = getattr(session, "payment_intent", None)
    return CheckoutSession(
        id=session.id,
        url=getattr(session, "url", None) or "",
        status=session.status,
        payment_status=session.payment_status,
        # An id, unless someone asked Stripe to expand it into the object.
        payment_intent_id=getattr(payment_intent, "id", payment_intent),
        amount_total=getattr(session, "amount_total", None) or 0,
        currency=(getattr(session, "currency", None) or "").upper(),
    )
