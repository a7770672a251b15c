"""Factories for test data, with sensible defaults; call inside an app context."""
from datetime import datetime, time, timedelta, timezone
from itertools import count

from werkzeug.security import generate_password_hash

from practice.accounts.models import Membership, Practice, Practitioner, Role
from practice.booking.models import Booking, BookingStatus
from practice.catalog.models import LocationKind, Service, ServiceStatus
from practice.clients.models import Client
from practice.clients.service import ClientContact, client_for
from practice.extensions import db
from practice.notifications.models import MessageKind, OutboxMessage, OutboxStatus
from practice.scheduling.models import WeeklyHours

_numbers = count(1)
PASSWORD = "correct horse battery"
#: scrypt is slow on purpose; hashing the shared test password once keeps the suite quick.
PASSWORD_HASH = generate_password_hash(PASSWORD, method="scrypt")

#: make_practitioner() keywords that set the practice (with the names the practice uses).
PRACTICE_FIELDS = {
    "practice_name": "name",
    "practice_slug": "slug",
    "timezone": "timezone",
    "contact_email": "contact_email",
    "address": "address",
    "min_notice_minutes": "min_notice_minutes",
    "max_advance_days": "max_advance_days",
    "cancellation_window_hours": "cancellation_window_hours",
    "reminder_hours": "reminder_hours",
    "discreet_emails": "discreet_emails",
    "accent_colour": "accent_colour",
    "currency": "currency",
    "crisis_resources": "crisis_resources",
    "cancel_grace_minutes": "cancel_grace_minutes",
    "exact_group_places": "exact_group_places",
    "max_active_bookings_per_email": "max_active_bookings_per_email",
    "confirm_new_client_email": "confirm_new_client_email",
}


def make_practice(**overrides) -> Practice:
    n = next(_numbers)
    values = dict(
        name=f"Practice {n}",
        slug=f"practice-{n}",
        timezone="Europe/London",
        contact_email=f"hello{n}@example.org",
        address="",
        min_notice_minutes=0,
        max_advance_days=60,
        cancellation_window_hours=24,
        reminder_hours=24,
        discreet_emails=True,
        accent_colour="#2f6b5a",
        crisis_resources="",
        retention_years=7,
        currency="GBP",
        created_at=datetime.now(timezone.utc),
    )
    values.update(overrides)
    practice = Practice(**values)
    db.session.add(practice)
    db.session.commit()
    return practice


def make_practitioner(practice: Practice | None = None, role: Role | None = None, **overrides) -> Practitioner:
    """A practitioner; without `practice`, the owner of a practice of their own.

    Practice settings may be given here too (timezone=…, practice_name=…): they go to a new practice.
    """
    practice_values = {PRACTICE_FIELDS[key]: overrides.pop(key) for key in list(overrides) if key in PRACTICE_FIELDS}
    if practice is None:
        practice = make_practice(**practice_values)
        role = role or Role.owner
    elif practice_values:
        raise TypeError("practice settings belong to make_practice(), not to a member of an existing practice")
    n = next(_numbers)
    password = overrides.pop("password", PASSWORD)
    values = dict(
        email=f"practitioner{n}@example.org",
        name=f"Practitioner {n}",
        profession="",
        slug=f"practitioner-{n}",
        bio="",
        session_version=0,
        created_at=datetime.now(timezone.utc),
    )
    values.update(overrides)
    practitioner = Practitioner(**values)
    if password == PASSWORD:
        practitioner.password_hash = PASSWORD_HASH
    else:
        practitioner.set_password(password)
    db.session.add(practitioner)
    db.session.add(Membership(practice=practice, practitioner=practitioner, role=role or Role.practitioner))
    db.session.commit()
    return practitioner


def make_service(practitioner: Practitioner, **overrides) -> Service:
    values = dict(
        practice_id=practitioner.practice_id,
        practitioner_id=practitioner.id,
        name="Restorative massage",
        description="",
        duration_minutes=60,
        price_cents=7000,
        buffer_before_minutes=0,
        buffer_after_minutes=0,
        location_kind=LocationKind.in_person,
        location_detail="1 Garden Row",
        capacity=1,
        slot_step_minutes=60,
        status=ServiceStatus.published,
    )
    values.update(overrides)
    service = Service(**values)
    db.session.add(service)
    db.session.commit()
    return service


def make_weekly_hours(practitioner: Practitioner, weekdays=range(7), start=time(9), end=time(17)) -> None:
    for weekday in weekdays:
        db.session.add(WeeklyHours(practitioner_id=practitioner.id, weekday=weekday, start_time=start, end_time=end))
    db.session.commit()


def make_client(practice_id: int, **overrides) -> Client:
    """The practice's client with this email (made if new), as book() would find or make them."""
    values = dict(name="Hannah Brooks", email="hannah@example.org", phone="", preferred_name="", pronouns="")
    values.update(overrides)
    client = client_for(practice_id, ClientContact(**values), now=datetime.now(timezone.utc))
    db.session.commit()
    return client


def make_booking(service: Service, starts_at: datetime, *, client: Client | None = None, **overrides) -> Booking:
    """A booking row as book() would leave it, without asking the engine whether the time is free.

    Client details may be given as client_name=, client_email=, client_phone=, preferred_name=, pronouns=.
    """
    contact = {
        field: overrides.pop(key)
        for key, field in (
            ("client_name", "name"), ("client_email", "email"), ("client_phone", "phone"),
            ("preferred_name", "preferred_name"), ("pronouns", "pronouns"),
        )
        if key in overrides
    }
    client = client or make_client(service.practice_id, **contact)
    ends_at = starts_at + timedelta(minutes=service.duration_minutes)
    values = dict(
        practice_id=service.practice_id,
        practitioner_id=service.practitioner_id,
        service_id=service.id,
        client_id=client.id,
        status=BookingStatus.confirmed,
        starts_at=starts_at,
        ends_at=ends_at,
        blocked_start=starts_at - timedelta(minutes=service.buffer_before_minutes),
        blocked_end=ends_at + timedelta(minutes=service.buffer_after_minutes),
        is_group=service.is_group,
        seats=1,
        client_timezone="Europe/London",
        # Made a day ago: past the grace in which a client may cancel whatever the window.
        created_at=datetime.now(timezone.utc) - timedelta(days=1),
    )
    values.update(overrides)
    booking = Booking(**values)
    db.session.add(booking)
    db.session.commit()
    return booking


def service_path(service: Service) -> str:
    """Where a service is booked: /book/<practice>/<practitioner>/<id>."""
    return f"/book/{service.practice.slug}/{service.practitioner.slug}/{service.id}"


def make_outbox_message(practitioner: Practitioner, **overrides) -> OutboxMessage:
    """An outbox row as the owe_* operations write one, without rendering an email."""
    now = datetime.now(timezone.utc)
    values = dict(
        kind=MessageKind.booking_confirmed,
        practice_id=practitioner.practice_id,
        practitioner_id=practitioner.id,
        recipient="client@example.org",
        subject="Your appointment",
        body_text="See you soon.",
        body_html="<p>See you soon.</p>",
        status=OutboxStatus.pending,
        attempts=0,
        next_attempt_at=now,
        last_error="",
        created_at=now,
    )
    values.update(overrides)
    message = OutboxMessage(**values)
    db.session.add(message)
    db.session.commit()
    return message


def log_in_as(client, practitioner: Practitioner) -> None:
    """Log a test client in without a password check: scrypt is slow on purpose."""
    with client.session_transaction() as session:
        session["_user_id"] = practitioner.get_id()
        session["_fresh"] = True
