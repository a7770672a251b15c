"""Ending holds whose time ran out, so a lapsed hold stops counting as the client's seat."""
from datetime import datetime

from sqlalchemy import or_, update

from practice.booking.models import HOLD_EXPIRY, Booking, BookingStatus
from practice.extensions import begin_write_transaction, db


def expire_stale_holds(*, now: datetime) -> int:
    """Cancel every held booking whose hold expired by `now`; return how many.

    The engine already ignores a lapsed hold when it offers times; this tidies the record
    so the admin panel and the client's manage page say what happened. A hold with no
    expiry is treated as lapsed, as book() does.
    """
    begin_write_transaction()
    result = db.session.execute(
        update(Booking)
        .where(
            Booking.status == BookingStatus.held,
            or_(Booking.hold_expires_at.is_(None), Booking.hold_expires_at <= now),
        )
        .values(status=BookingStatus.cancelled, cancelled_at=now, cancelled_by=HOLD_EXPIRY)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount
