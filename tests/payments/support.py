"""A practice taking payments, a client paying through the pages, and what the database says afterwards."""
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from practice.booking.models import Booking
from practice.catalog.pricing import PaymentMode
from practice.extensions import db
from practice.notifications.models import MessageKind, OutboxMessage
from practice.payments.models import Payment, Refund, StripeEvent
from practice.timeformats import instant_for_url
from tests.factories import make_practitioner, make_service, make_weekly_hours, service_path

ZONE = "Europe/London"


@dataclass
class Paying:
    app: object
    base_url: str
    stripe: object
    webhook_secret: str

    def register_webhook_again(self) -> None:
        from practice.payments.service import HANDLED_EVENTS

        self.stripe.register_webhook(f"{self.base_url}/stripe/webhook", self.webhook_secret, sorted(HANDLED_EVENTS))


@dataclass(frozen=True)
class Offer:
    service_id: int
    practitioner_id: int
    path: str
    start: datetime


def days_ahead_at_ten(days: int) -> datetime:
    day = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=days)
    return datetime.combine(day, time(10), tzinfo=ZoneInfo(ZONE)).astimezone(timezone.utc)


def offer(app, *, days: int = 7, mode: PaymentMode = PaymentMode.deposit, **overrides) -> Offer:
    """A one-to-one massage at £65 (a £20 deposit by default), open every day 9–17."""
    pricing = {"payment_mode": mode, "price_cents": 6500}
    if mode is PaymentMode.deposit:
        pricing["deposit_cents"] = 2000
    if mode is PaymentMode.sliding:
        pricing.update(sliding_min_cents=3000, sliding_max_cents=9000)
    with app.app_context():
        practitioner = make_practitioner(timezone=ZONE)
        make_weekly_hours(practitioner)
        service = make_service(practitioner, **{**pricing, **overrides})
        return Offer(service.id, practitioner.id, service_path(service), days_ahead_at_ten(days))


def details(offer: Offer, n: int = 1, **extra) -> dict:
    return {
        "name": f"Client {n}",
        "email": f"client{n}@example.org",
        "start": instant_for_url(offer.start),
        "timezone": ZONE,
        "submission": secrets.token_urlsafe(24),
        **extra,
    }


def pay(client, offer: Offer, n: int = 1, **extra):
    """Confirm and pay: the response (a 303 to Stripe's page when the time is held)."""
    return client.post(f"{offer.path}/pay", data=details(offer, n, **extra))


def session_id(checkout_url: str) -> str:
    return checkout_url.rstrip("/").rsplit("/", 1)[-1]


def manage_path(return_url_or_location: str) -> str:
    return return_url_or_location.split("?")[0]


def the_booking(app, offer: Offer, n: int = 1) -> Booking:
    with app.app_context():
        booking = db.session.scalar(
            select(Booking).join(Booking.client).where(Booking.service_id == offer.service_id).where(
                Booking.client.has(email=f"client{n}@example.org")
            )
        )
        db.session.expunge_all()
        return booking


def payments(app) -> list[Payment]:
    with app.app_context():
        found = list(db.session.scalars(select(Payment).order_by(Payment.id)))
        for payment in found:
            payment.refunds  # noqa: B018 (loaded before the session closes)
        db.session.expunge_all()
        return found


def refunds(app) -> list[Refund]:
    with app.app_context():
        found = list(db.session.scalars(select(Refund).order_by(Refund.id)))
        db.session.expunge_all()
        return found


def events_recorded(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(StripeEvent)).all())


def emails(app, kind: MessageKind) -> list[OutboxMessage]:
    with app.app_context():
        found = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))
        db.session.expunge_all()
        return found
