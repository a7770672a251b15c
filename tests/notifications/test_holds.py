"""Ending lapsed holds: a held seat whose time ran out is cancelled "by expiry", nothing else is."""
from datetime import timedelta

from sqlalchemy import select

from practice.booking import service as booking_service
from practice.booking.models import HOLD_EXPIRY, Booking, BookingStatus
from practice.extensions import db
from practice.notifications.models import MessageKind, OutboxMessage
from tests.notifications.support import FROZEN_NOW, at, book_at, make_hold, offer

NOW = FROZEN_NOW


def state(app, booking_id: int) -> tuple:
    with app.app_context():
        booking = db.session.get(Booking, booking_id)
        return booking.status, booking.cancelled_by, booking.cancelled_at


def expire(app, now) -> int:
    with app.app_context():
        return booking_service.expire_stale_holds(now=now)


def test_a_hold_whose_time_ran_out_is_cancelled_by_expiry(app):
    offered = offer(app)
    lapsed = make_hold(app, offered, at(1, 10), expires_at=NOW)
    assert expire(app, NOW) == 1
    assert state(app, lapsed) == (BookingStatus.cancelled, HOLD_EXPIRY, NOW)


def test_a_hold_still_running_is_kept(app):
    offered = offer(app)
    running = make_hold(app, offered, at(1, 10), expires_at=NOW + timedelta(seconds=1))
    assert expire(app, NOW) == 0
    assert state(app, running) == (BookingStatus.held, None, None)


def test_confirmed_and_cancelled_bookings_are_untouched(app):
    offered = offer(app)
    confirmed = book_at(app, offered, at(1, 10))
    assert expire(app, NOW + timedelta(days=3)) == 0
    assert state(app, confirmed)[0] is BookingStatus.confirmed


def test_an_expired_hold_tells_the_client_kindly_and_nobody_else(app):
    offered = offer(app)
    make_hold(app, offered, at(1, 10), expires_at=NOW - timedelta(minutes=1))
    expire(app, NOW)
    expire(app, NOW + timedelta(minutes=1))
    with app.app_context():
        messages = db.session.scalars(select(OutboxMessage)).all()
        assert [(m.kind, m.recipient) for m in messages] == [(MessageKind.hold_released, "client@example.org")]
        assert "Nothing was charged" in messages[0].body_text


def test_expiring_twice_changes_nothing_the_second_time(app):
    offered = offer(app)
    lapsed = make_hold(app, offered, at(1, 10), expires_at=NOW - timedelta(minutes=5))
    expire(app, NOW)
    assert expire(app, NOW + timedelta(minutes=1)) == 0
    assert state(app, lapsed) == (BookingStatus.cancelled, HOLD_EXPIRY, NOW)
