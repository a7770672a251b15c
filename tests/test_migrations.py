"""Migrations run both ways on a database that already holds bookings (SQLite, foreign keys on)."""
from datetime import date, datetime, time, timedelta, timezone

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from practice.booking.models import Booking, BookingStatus
from practice.extensions import db
from practice.scheduling.models import DateOverride, WeeklyHours
from tests.factories import make_practitioner, make_service, make_weekly_hours

BEFORE_SERVICE_HOURS = "0002_notifications"


def columns(table: str) -> set[str]:
    return {column["name"] for column in inspect(db.engine).get_columns(table)}


def test_service_hours_migration_goes_down_and_up_with_bookings_in_place(app):
    with app.app_context():
        practitioner = make_practitioner()
        make_weekly_hours(practitioner, weekdays=[0])
        circle = make_service(practitioner, capacity=12, own_hours=True)
        db.session.add(DateOverride(practitioner_id=practitioner.id, service_id=circle.id, day=date(2027, 3, 4),
                                    start_time=time(19), end_time=time(20, 30)))
        starts = datetime(2027, 3, 4, 19, tzinfo=timezone.utc)
        db.session.add(Booking(
            practitioner_id=practitioner.id, service_id=circle.id, status=BookingStatus.confirmed, is_group=True,
            starts_at=starts, ends_at=starts + timedelta(minutes=90), blocked_start=starts,
            blocked_end=starts + timedelta(minutes=90), client_name="Jo", client_email="jo@example.org",
            client_timezone="Europe/London",
        ))
        db.session.commit()
        db.session.remove()

        downgrade(revision=BEFORE_SERVICE_HOURS)

        assert "own_hours" not in columns("service")
        assert "service_id" not in columns("weekly_hours") | columns("date_override")
        # The circle's own session must not survive as a general opening of the whole day.
        assert db.session.execute(text("SELECT count(*) FROM date_override")).scalar() == 0
        assert db.session.execute(text("SELECT count(*) FROM weekly_hours")).scalar() == 1
        assert db.session.execute(text("SELECT count(*) FROM booking")).scalar() == 1
        db.session.remove()

        upgrade()

        assert db.session.scalar(select(WeeklyHours.service_id)) is None
        assert db.session.execute(text("SELECT own_hours FROM service")).scalar() in (0, False)
        assert db.session.scalar(select(Booking.client_name)) == "Jo"
