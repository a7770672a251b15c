"""Migrations run on databases that already hold rows: nothing is lost going up, and they come back down."""
from datetime import date, datetime, time, timedelta, timezone

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, Table, create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from practice import create_app
from practice.accounts.models import Membership, Practice, Practitioner, Role
from practice.booking.models import Booking
from practice.catalog.models import Service
from practice.clients.models import Client
from practice.extensions import db
from practice.notifications.models import OutboxMessage
from practice.scheduling.models import DateOverride, WeeklyHours
from tests.conftest import BASE_TEST_CONFIG
from tests.factories import make_booking, make_practitioner, make_service, make_weekly_hours

BEFORE_PRACTICES = "0003_service_hours"
BEFORE_SERVICE_HOURS = "0002_notifications"
STARTS = datetime(2027, 3, 4, 10, tzinfo=timezone.utc)
NOTE = "Please don't mention due dates."


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_app(request, tmp_path):
    """An app on a database with no tables at all, so a test can stop at any revision."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    else:
        server = make_url(request.getfixturevalue("postgres_url"))
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("DROP DATABASE IF EXISTS tend_migrations"))
            connection.execute(text("CREATE DATABASE tend_migrations"))
        admin.dispose()
        url = server.set(database="tend_migrations").render_as_string(hide_password=False)
    app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    yield app
    with app.app_context():
        db.engine.dispose()


def columns(table: str) -> set[str]:
    return {column["name"] for column in inspect(db.engine).get_columns(table)}


def _insert(table: str, **values) -> int:
    """Insert into the table as it is now (reflected), so each value is bound with its column's type."""
    reflected = Table(table, MetaData(), autoload_with=db.session.connection())
    return db.session.execute(reflected.insert().values(**values).returning(reflected.c.id)).scalar_one()


def _practitioner(email: str, name: str, practice_name: str, slug: str, **settings) -> int:
    values = dict(
        email=email, password_hash="scrypt:not-a-real-hash", name=name, practice_name=practice_name, slug=slug,
        timezone="Europe/London", bio=f"{name}'s bio", contact_email="", min_notice_minutes=720, max_advance_days=60,
        created_at=STARTS - timedelta(days=100), reminder_hours=24, cancellation_window_hours=24,
        show_service_in_emails=False, accent_colour="#2f6b5a",
    )
    values.update(settings)
    return _insert("practitioner", **values)


def _service(practitioner_id: int, name: str, currency: str = "GBP") -> int:
    return _insert(
        "service", practitioner_id=practitioner_id, name=name, description="", duration_minutes=60, price_cents=6500,
        currency=currency, buffer_before_minutes=0, buffer_after_minutes=15, location_kind="in_person",
        location_detail="14 Alder Lane", capacity=1, slot_step_minutes=30, status="published",
        created_at=STARTS - timedelta(days=90), own_hours=False,
    )


def _booking(practitioner_id: int, service_id: int, n: int, email: str, name: str, **client) -> int:
    starts = STARTS + timedelta(days=n)
    values = dict(
        public_id=f"public-{n}", practitioner_id=practitioner_id, service_id=service_id, status="confirmed",
        starts_at=starts, ends_at=starts + timedelta(hours=1), blocked_start=starts,
        blocked_end=starts + timedelta(minutes=75), is_group=False, seats=1, client_name=name, client_email=email,
        client_phone="", preferred_name="", pronouns="", client_note="", client_timezone="Europe/London",
        created_at=STARTS - timedelta(days=10 - n), sequence=0,
    )
    values.update(client)
    return _insert("booking", **values)


def _old_install() -> dict:
    """What a database at 0003 holds: two practitioners sharing a practice, a stranger who signed up, bookings, mail."""
    rowan = _practitioner(
        "rowan@stillwater.example", "Rowan Hale", "Stillwater Practice", "rowan-hale", contact_email="hello@stillwater.example",
        min_notice_minutes=600, max_advance_days=45, reminder_hours=48, cancellation_window_hours=36,
        show_service_in_emails=True, accent_colour="#1f4e79", timezone="Europe/Dublin",
    )
    imogen = _practitioner("imogen@stillwater.example", "Imogen Reyes", "Stillwater Practice", "imogen-reyes")
    stranger = _practitioner("someone@elsewhere.example", "Sam Else", "Elsewhere", "sam-else", timezone="America/Toronto")
    massage = _service(rowan, "Recovery massage")
    counseling = _service(imogen, "Grief counseling")
    other = _service(stranger, "Something else", currency="CAD")
    _insert("weekly_hours", practitioner_id=rowan, weekday=1, start_time=time(9), end_time=time(17))
    _insert("date_override", practitioner_id=imogen, day=date(2027, 3, 10), start_time=None, end_time=None)
    first = _booking(rowan, massage, 1, "Hannah@Example.org", "Hannah Brooks", client_note=NOTE, client_phone="07700 900123")
    second = _booking(imogen, counseling, 2, "hannah@example.org", "Hannah B.", pronouns="she/her")
    third = _booking(stranger, other, 3, "jo@example.org", "Jo Rivers", preferred_name="Jo")
    _insert(
        "outbox_message", kind="booking_confirmed", practitioner_id=rowan, booking_id=first, recipient="hannah@example.org",
        subject="Your appointment", body_text="See you soon, Hannah.", body_html="<p>See you soon, Hannah.</p>", ics=None,
        status="sent", attempts=1, next_attempt_at=STARTS, last_error="", created_at=STARTS, sent_at=STARTS,
    )
    db.session.commit()
    return {"rowan": rowan, "imogen": imogen, "stranger": stranger, "bookings": [first, second, third]}


def test_practitioners_become_practices_and_bookings_keep_everything(empty_app):
    with empty_app.app_context():
        upgrade(revision=BEFORE_PRACTICES)
        ids = _old_install()
        db.session.remove()

        upgrade()

        stillwater = db.session.scalar(select(Practice).where(Practice.name == "Stillwater Practice"))
        elsewhere = db.session.scalar(select(Practice).where(Practice.name == "Elsewhere"))
        roles = dict(db.session.execute(select(Membership.practitioner_id, Membership.role)).all())
        assert roles == {ids["rowan"]: Role.owner, ids["imogen"]: Role.practitioner, ids["stranger"]: Role.owner}
        assert db.session.get(Practitioner, ids["imogen"]).practice_id == stillwater.id
        assert db.session.get(Practitioner, ids["stranger"]).practice_id == elsewhere.id
        # The owner's settings became the practice's.
        assert (
            stillwater.timezone, stillwater.contact_email, stillwater.min_notice_minutes, stillwater.max_advance_days,
            stillwater.reminder_hours, stillwater.cancellation_window_hours, stillwater.discreet_emails, stillwater.accent_colour,
        ) == ("Europe/Dublin", "hello@stillwater.example", 600, 45, 48, 36, False, "#1f4e79")
        assert (elsewhere.timezone, elsewhere.currency, elsewhere.discreet_emails) == ("America/Toronto", "CAD", True)
        assert stillwater.slug != elsewhere.slug
        assert {s.name: s.practice_id for s in db.session.scalars(select(Service))} == {
            "Recovery massage": stillwater.id, "Grief counseling": stillwater.id, "Something else": elsewhere.id,
        }
        assert db.session.scalar(select(WeeklyHours.practitioner_id)) == ids["rowan"]
        assert db.session.scalar(select(DateOverride.practitioner_id)) == ids["imogen"]

        bookings = {b.id: b for b in db.session.scalars(select(Booking))}
        assert sorted(bookings) == sorted(ids["bookings"])
        first, second, third = (bookings[i] for i in ids["bookings"])
        assert first.client_id == second.client_id  # one client, found by email whatever its case
        assert first.client.email == "hannah@example.org"
        assert (first.client.name, first.client.pronouns, first.client.phone) == ("Hannah B.", "she/her", "07700 900123")
        assert (third.client.name, third.client.preferred_name, third.practice_id) == ("Jo Rivers", "Jo", elsewhere.id)
        assert first.client_note == NOTE and first.starts_at == STARTS + timedelta(days=1)
        assert db.session.scalar(select(Client.id).where(Client.practice_id == elsewhere.id)) == third.client_id

        message = db.session.scalar(select(OutboxMessage))
        assert (message.body_text, message.recipient, message.practice_id) == ("See you soon, Hannah.", "hannah@example.org", stillwater.id)
        raw = db.session.execute(text("SELECT client_note FROM booking WHERE id = :id"), {"id": first.id}).scalar_one()
        raw_body = db.session.execute(text("SELECT body_text FROM outbox_message")).scalar_one()
        assert NOTE not in raw and "Hannah" not in raw_body


def test_the_practices_migration_goes_down_and_up_with_rows_in_place(any_app):
    with any_app.app_context():
        owner = make_practitioner(practice_name="Quiet Harbour", timezone="Europe/Paris", reminder_hours=12)
        service = make_service(owner)
        booking = make_booking(service, STARTS, client_name="Jo", client_email="jo@example.org", client_note=NOTE)
        booking_id, owner_id = booking.id, owner.id
        db.session.remove()

        downgrade(revision=BEFORE_PRACTICES)

        assert "practice_name" in columns("practitioner") and "client_email" in columns("booking")
        row = db.session.execute(
            text("SELECT practice_name, timezone, reminder_hours FROM practitioner WHERE id = :id"), {"id": owner_id}
        ).one()
        assert tuple(row) == ("Quiet Harbour", "Europe/Paris", 12)
        old_booking = db.session.execute(
            text("SELECT client_name, client_email, client_note FROM booking WHERE id = :id"), {"id": booking_id}
        ).one()
        assert tuple(old_booking) == ("Jo", "jo@example.org", NOTE)
        db.session.remove()

        upgrade()

        again = db.session.get(Booking, booking_id)
        assert (again.client.email, again.client_note, again.practice.name) == ("jo@example.org", NOTE, "Quiet Harbour")


def test_service_hours_migration_goes_down_and_up_with_bookings_in_place(app):
    with app.app_context():
        practitioner = make_practitioner()
        make_weekly_hours(practitioner, weekdays=[0])
        circle = make_service(practitioner, capacity=12, own_hours=True)
        db.session.add(DateOverride(practitioner_id=practitioner.id, service_id=circle.id, day=date(2027, 3, 4),
                                    start_time=time(19), end_time=time(20, 30)))
        db.session.commit()
        make_booking(circle, datetime(2027, 3, 4, 19, tzinfo=timezone.utc), client_name="Jo")
        circle_id = circle.id
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
        assert db.session.scalar(select(Booking).where(Booking.service_id == circle_id)).client.name == "Jo"
