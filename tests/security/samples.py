"""Requests that would book a session, for tests to spoil one field of."""
from datetime import datetime, time, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from practice.booking.models import Booking
from practice.extensions import db
from tests.factories import make_practitioner, make_service, make_weekly_hours, service_path

ZONE = "Europe/London"


def free_start() -> datetime:
    """10:00 London time two days from now: inside the factories' weekly hours."""
    day = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=2)
    return datetime.combine(day, time(10), ZoneInfo(ZONE)).astimezone(timezone.utc)


def make_offer(app) -> SimpleNamespace:
    """A published service open every day from 9 to 5, with its ids kept outside the app context."""
    with app.app_context():
        practitioner = make_practitioner(timezone=ZONE)
        make_weekly_hours(practitioner)
        chosen = make_service(practitioner)
        return SimpleNamespace(
            id=chosen.id,
            practitioner_id=practitioner.id,
            practice_id=practitioner.practice_id,
            slug=practitioner.slug,
            email=practitioner.email,
            path=service_path(chosen),
            start=free_start(),
        )


def booking_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Booking))


def booking_request(offer, **overrides) -> dict:
    """A POST /api/v1/bookings body that books `offer`."""
    return {
        "service": offer.id,
        "start": offer.start.isoformat(),
        "name": "Jo Rivers",
        "email": "jo@example.org",
        "timezone": ZONE,
    } | overrides


def details_form(offer, **overrides) -> dict:
    """What the details and confirm pages post for `offer`."""
    return {
        "start": offer.start.strftime("%Y-%m-%dT%H:%MZ"),
        "timezone": ZONE,
        "name": "Jo Rivers",
        "email": "jo@example.org",
        "phone": "",
        "preferred_name": "",
        "pronouns": "",
        "note": "",
    } | overrides
