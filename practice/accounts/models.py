"""Practitioners: the accounts that own services, hours and bookings."""
from datetime import datetime, timezone

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from practice.extensions import db
from practice.sqltypes import UTCDateTime


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Practitioner(UserMixin, db.Model):
    __table_args__ = (
        CheckConstraint("min_notice_minutes >= 0", name="min_notice_not_negative"),
        CheckConstraint("max_advance_days >= 1", name="max_advance_positive"),
        CheckConstraint("reminder_hours IS NULL OR reminder_hours BETWEEN 1 AND 168", name="reminder_hours_in_range"),
        CheckConstraint("cancellation_window_hours BETWEEN 0 AND 336", name="cancellation_window_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    name: Mapped[str] = mapped_column(String(120))
    #: The name clients see on the booking page and in emails.
    practice_name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    bio: Mapped[str] = mapped_column(Text, default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    min_notice_minutes: Mapped[int] = mapped_column(default=12 * 60)
    max_advance_days: Mapped[int] = mapped_column(default=60)
    #: Hours before a session that the reminder goes out; None turns reminders off.
    reminder_hours: Mapped[int | None] = mapped_column(default=24)
    #: Clients may reschedule or cancel by their link until this many hours before.
    cancellation_window_hours: Mapped[int] = mapped_column(default=24)
    #: Email subjects and calendar titles name the service only when this is on:
    #: inboxes and calendars are often shared.
    show_service_in_emails: Mapped[bool] = mapped_column(default=False)
    accent_colour: Mapped[str] = mapped_column(String(7), default="#2f6b5a")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)
