"""Practitioners with bookings, for the admin panel's tests."""
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from practice.booking.models import Booking, BookingStatus
from practice.catalog.models import Service
from practice.extensions import db
from tests.factories import make_practitioner


@pytest.fixture
def make_booking():
    """make_booking(service, starts_at, **overrides): a booking row as book() would leave it; needs an app context."""

    def build(service: Service, starts_at: datetime, **overrides) -> Booking:
        ends_at = starts_at + timedelta(minutes=service.duration_minutes)
        values = dict(
            practitioner_id=service.practitioner_id,
            service_id=service.id,
            status=BookingStatus.confirmed,
            starts_at=starts_at,
            ends_at=ends_at,
            blocked_start=starts_at - timedelta(minutes=service.buffer_before_minutes),
            blocked_end=ends_at + timedelta(minutes=service.buffer_after_minutes),
            is_group=service.is_group,
            client_name="Hannah Brooks",
            client_email="hannah@example.org",
            client_timezone="Europe/London",
        )
        values.update(overrides)
        booking = Booking(**values)
        db.session.add(booking)
        db.session.commit()
        return booking

    return build


@pytest.fixture
def logged_in(app, auth):
    """A practitioner in Pacific/Kiritimati (UTC+14), where local days split from UTC ones; logged in."""
    with app.app_context():
        created = make_practitioner(timezone="Pacific/Kiritimati")
        practitioner = SimpleNamespace(id=created.id, email=created.email, timezone=created.timezone)
    auth.login(practitioner.email)
    return practitioner
