"""Practices and the practitioners who belong to them, with a role each."""
import enum
from datetime import datetime, timezone

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, Text, false, text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from practice.accounts.passwords import hash_password, password_matches
from practice.extensions import db
from practice.security.access import Access
from practice.sqltypes import UTCDateTime, enum_check

#: Shown to a client whose screening answers suggest they may be at risk, until the practice writes its own.
DEFAULT_CRISIS_RESOURCES = (
    "If you are in immediate danger or thinking about ending your life, please call your local "
    "emergency number now (999 or 112 in the UK and Europe, 911 in North America), or go to the "
    "nearest emergency department.\n"
    "If you need to talk to someone tonight, Samaritans answer day and night on 116 123 (UK and Ireland), "
    "and in the US you can call or text 988."
)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Role(enum.Enum):
    #: Sees and manages everything in the practice: its settings, team, bookings and services.
    owner = "owner"
    #: Sees and manages their own bookings, services and hours.
    practitioner = "practitioner"


class Practice(db.Model):
    """The tenant: owns practitioners (through memberships), services, bookings, clients and every policy."""

    __access__ = Access.practice

    __table_args__ = (
        CheckConstraint("min_notice_minutes BETWEEN 0 AND 43200", name="min_notice_in_range"),
        CheckConstraint("max_advance_days BETWEEN 1 AND 732", name="max_advance_in_range"),
        CheckConstraint("reminder_hours IS NULL OR reminder_hours BETWEEN 1 AND 168", name="reminder_hours_in_range"),
        CheckConstraint("cancellation_window_hours BETWEEN 0 AND 336", name="cancellation_window_in_range"),
        CheckConstraint("retention_years BETWEEN 1 AND 30", name="retention_years_in_range"),
        CheckConstraint("length(currency) = 3", name="currency_is_a_code"),
        CheckConstraint("full_refund_hours BETWEEN 0 AND 336", name="full_refund_hours_in_range"),
        CheckConstraint("late_cancel_keep_percent BETWEEN 0 AND 100", name="late_cancel_keep_percent_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The name clients see on the booking pages and in emails.
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    #: Working hours are wall-clock times in this zone.
    timezone: Mapped[str] = mapped_column(String(64), server_default="Europe/London")
    #: Where clients may write; replies to client emails go here. Never a login address.
    contact_email: Mapped[str] = mapped_column(String(254), server_default="")
    address: Mapped[str] = mapped_column(String(500), server_default="")
    accent_colour: Mapped[str] = mapped_column(String(7), server_default="#2f6b5a")
    min_notice_minutes: Mapped[int] = mapped_column(server_default="720")
    max_advance_days: Mapped[int] = mapped_column(server_default="60")
    #: Clients may reschedule or cancel by their link until this many hours before.
    cancellation_window_hours: Mapped[int] = mapped_column(server_default="24")
    #: Hours before a session that the reminder goes out; None turns reminders off.
    reminder_hours: Mapped[int | None] = mapped_column(server_default="24")
    #: Email subjects and calendar titles name the practice and the time, never the service:
    #: inboxes and calendars are often shared.
    discreet_emails: Mapped[bool] = mapped_column(server_default=true())
    #: What a client at risk is shown; empty means DEFAULT_CRISIS_RESOURCES.
    crisis_resources: Mapped[str] = mapped_column(Text, server_default="")
    #: How long a client's records are kept after their last session.
    retention_years: Mapped[int] = mapped_column(server_default="7")
    #: ISO 4217; every price of the practice is in minor units of this currency.
    currency: Mapped[str] = mapped_column(String(3), server_default="GBP")
    #: A client who cancels at least this many hours before is refunded in full.
    full_refund_hours: Mapped[int] = mapped_column(server_default="48")
    #: Cancelled later than that, the practice keeps this share of what was paid (100: a deposit is kept whole).
    late_cancel_keep_percent: Mapped[int] = mapped_column(server_default="100")
    #: A client may cancel by their link this many minutes after booking, whatever the window (0: never).
    cancel_grace_minutes: Mapped[int] = mapped_column(server_default="30")
    #: Group pages show exact places left; otherwise "places available" or "a few places left",
    #: so the public can't watch who comes.
    exact_group_places: Mapped[bool] = mapped_column(server_default=false())
    #: Active bookings one email address may hold at once without the practitioner (0: no limit).
    max_active_bookings_per_email: Mapped[int] = mapped_column(server_default="3")
    #: A first-time client confirms their email before the booking is final; the time is held meanwhile.
    confirm_new_client_email: Mapped[bool] = mapped_column(server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="practice", order_by="Membership.id")

    @property
    def practice_id(self) -> int:
        return self.id

    @property
    def crisis_text(self) -> str:
        return self.crisis_resources or DEFAULT_CRISIS_RESOURCES


class Practitioner(UserMixin, db.Model):
    """A person who logs in: their name, what they do, and the hours and services they offer."""

    #: Their own, and their practice owner's.
    __access__ = Access.practitioner

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    name: Mapped[str] = mapped_column(String(120))
    #: "Massage therapist", "Grief counselor": lets a client tell the two apart at a glance.
    profession: Mapped[str] = mapped_column(String(120), server_default="")
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    bio: Mapped[str] = mapped_column(Text, server_default="")
    #: Raised by logging out and by a password change: every session cookie carrying an older
    #: value stops working (see accounts.views.load_practitioner).
    session_version: Mapped[int] = mapped_column(server_default="0")
    #: Replaced by database triggers whenever their hours, date overrides, time off or bookings
    #: change (migration 0009): what the web processes keep in memory of those is kept under it.
    schedule_version: Mapped[str] = mapped_column(String(32), server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)

    membership: Mapped["Membership"] = relationship(back_populates="practitioner", uselist=False, lazy="joined")

    @property
    def practice(self) -> Practice:
        return self.membership.practice

    @property
    def practice_id(self) -> int:
        return self.membership.practice_id

    @property
    def practitioner_id(self) -> int:
        return self.id

    @property
    def is_owner(self) -> bool:
        return self.membership.role is Role.owner

    def get_id(self) -> str:
        # Flask-Login keeps this in the session cookie; the version ends old sessions.
        return f"{self.id}:{self.session_version}"

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return password_matches(self.password_hash, password)


class Membership(db.Model):
    """Ties a practitioner to their practice with a role; an account belongs to one practice."""

    __table_args__ = (enum_check("role", Role),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"), index=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioner.id"), unique=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20, create_constraint=False))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)

    practice: Mapped[Practice] = relationship(back_populates="memberships", lazy="joined")
    practitioner: Mapped[Practitioner] = relationship(back_populates="membership")


class Invitation(db.Model):
    """An owner's invitation for someone to join the practice; its link works once, until it expires."""

    __access__ = Access.practice

    __table_args__ = (
        enum_check("role", Role),
        # One open invitation per address and practice: inviting again replaces the last one.
        Index(
            "uq_invitation_open_per_email",
            "practice_id",
            "email",
            unique=True,
            sqlite_where=text("accepted_at IS NULL AND revoked_at IS NULL"),
            postgresql_where=text("accepted_at IS NULL AND revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"))
    #: Normalised, as logins are matched.
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, create_constraint=False), server_default=Role.practitioner.value
    )
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("practitioner.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The account made by accepting it.
    practitioner_id: Mapped[int | None] = mapped_column(ForeignKey("practitioner.id"))

    practice: Mapped[Practice] = relationship()
    invited_by: Mapped[Practitioner] = relationship(foreign_keys=[invited_by_id])

    def is_open(self, now: datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and now < self.expires_at
