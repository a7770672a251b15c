"""book(), cancel_booking(), client details and records, and manage tokens, on SQLite and PostgreSQL."""
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from practice.booking.models import ACTIVE_STATUSES, HOLD_EXPIRY, Booking, BookingStatus
from practice.booking.links import SALT as MANAGE_SALT
from practice.booking.service import (
    note_too_long_message,
    BookingError,
    ClientDetails,
    InvalidDetails,
    SlotTaken,
    TimeNotOffered,
    book,
    booking_for_manage_token,
    cancel_booking,
    client_details_from,
    manage_token,
)
from practice.catalog.models import Service, ServiceStatus
from practice.clients.models import Client
from practice.extensions import db
from practice.booking.states import ChangedBy
from tests.factories import make_booking, make_practitioner, make_service, make_weekly_hours

ZONE = "Europe/London"
NOW = datetime.now(timezone.utc)
CLIENT = ClientDetails(name="Jo Rivers", email="jo@example.org", timezone="America/New_York")
SECRET = "test-secret"


def monday_at(hour: int, minute: int = 0) -> datetime:
    """A Monday 7 to 13 days ahead, at a London wall-clock time, as aware UTC."""
    today = NOW.astimezone(ZoneInfo(ZONE)).date()
    monday = today + timedelta(days=7 + (-today.weekday()) % 7)
    return datetime.combine(monday, time(hour, minute), tzinfo=ZoneInfo(ZONE)).astimezone(timezone.utc)


def offered_service(**overrides) -> Service:
    """A published service of a new practitioner who works 09:00-17:00 London time daily."""
    practitioner = make_practitioner(timezone=ZONE)
    make_weekly_hours(practitioner)
    return make_service(practitioner, **overrides)


def book_at(service: Service, start: datetime, client: ClientDetails = CLIENT, now: datetime = NOW) -> Booking:
    return book(service_id=service.id, start=start, client=client, now=now)


def active_seats(service: Service) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(Booking.seats), 0)).where(
            Booking.service_id == service.id, Booking.status.in_(ACTIVE_STATUSES)
        )
    )


@pytest.fixture
def ctx(any_app):
    """An app context on a fresh database, once per backend."""
    with any_app.app_context():
        yield any_app


@pytest.fixture
def postgres(make_app):
    with make_app("postgresql").app_context():
        yield


# book()


def test_book_confirms_the_booking_and_blocks_the_session_plus_buffers(ctx):
    service = offered_service(buffer_before_minutes=15, buffer_after_minutes=30)

    booking = book_at(service, monday_at(10))

    stored = db.session.get(Booking, booking.id)
    assert stored.status is BookingStatus.confirmed
    assert (stored.starts_at, stored.ends_at) == (monday_at(10), monday_at(11))
    assert (stored.blocked_start, stored.blocked_end) == (monday_at(9, 45), monday_at(11, 30))
    assert (stored.is_group, stored.seats) == (False, 1)
    assert (stored.client.name, stored.client.email, stored.client_timezone) == (
        "Jo Rivers",
        "jo@example.org",
        "America/New_York",
    )
    assert stored.created_at == NOW


def test_book_accepts_a_start_given_in_any_offset(ctx):
    service = offered_service()

    booking = book_at(service, monday_at(10).astimezone(ZoneInfo("Asia/Tokyo")))

    assert db.session.get(Booking, booking.id).starts_at == monday_at(10)


def test_second_booking_of_a_one_to_one_slot_is_taken(ctx):
    service = offered_service()
    book_at(service, monday_at(10))

    with pytest.raises(SlotTaken, match="just taken — please choose another time"):
        book_at(service, monday_at(10), ClientDetails(name="Ali", email="ali@example.org", timezone=ZONE))

    assert active_seats(service) == 1


@pytest.mark.parametrize(
    "hour, minute, duration",
    [(10, 15, 60), (20, 0, 60), (16, 0, 90)],
    ids=["off-the-grid", "outside-hours", "would-run-past-closing"],
)
def test_a_time_the_service_does_not_offer_is_refused(ctx, hour, minute, duration):
    service = offered_service(duration_minutes=duration)

    with pytest.raises(TimeNotOffered, match="isn't offered"):
        book_at(service, monday_at(hour, minute))

    assert active_seats(service) == 0


def test_a_past_time_is_refused(ctx):
    service = offered_service()

    with pytest.raises(TimeNotOffered, match="already passed"):
        book_at(service, monday_at(10), now=monday_at(10, 30))


def test_a_naive_start_is_refused(ctx):
    service = offered_service()

    with pytest.raises(TimeNotOffered):
        book_at(service, monday_at(10).replace(tzinfo=None))


@pytest.mark.parametrize("status", [ServiceStatus.draft, ServiceStatus.archived])
def test_an_unpublished_service_cannot_be_booked(ctx, status):
    service = offered_service(status=status)

    with pytest.raises(BookingError, match="isn't available") as refused:
        book_at(service, monday_at(10))

    assert type(refused.value) is BookingError
    assert active_seats(service) == 0


def test_an_unknown_service_cannot_be_booked(ctx):
    with pytest.raises(BookingError, match="isn't available"):
        book(service_id=999_999, start=monday_at(10), client=CLIENT, now=NOW)


def test_a_group_session_takes_exactly_its_capacity(ctx):
    circle = offered_service(name="Support circle", capacity=3)

    bookings = [book_at(circle, monday_at(10)) for _ in range(3)]
    with pytest.raises(SlotTaken):
        book_at(circle, monday_at(10))

    assert all(db.session.get(Booking, b.id).is_group for b in bookings)
    assert active_seats(circle) == 3


def test_the_buffer_of_a_booking_blocks_the_adjacent_slot(ctx):
    service = offered_service(buffer_after_minutes=30)
    book_at(service, monday_at(10))

    with pytest.raises(SlotTaken):
        book_at(service, monday_at(11))

    book_at(service, monday_at(12))
    assert active_seats(service) == 2


def test_a_booking_blocks_the_practitioners_other_services(ctx):
    massage = offered_service()
    counseling = make_service(massage.practitioner, name="Grief counseling", slot_step_minutes=30)
    book_at(massage, monday_at(10))

    with pytest.raises(SlotTaken):
        book_at(counseling, monday_at(10, 30))


def test_a_cancelled_booking_frees_its_slot(ctx):
    service = offered_service()
    first = book_at(service, monday_at(10))

    cancel_booking(first, by=ChangedBy.client, now=NOW)
    second = book_at(service, monday_at(10))

    assert db.session.get(Booking, first.id).status is BookingStatus.cancelled
    assert db.session.get(Booking, second.id).status is BookingStatus.confirmed


def test_cancelling_twice_keeps_the_first_cancellation(ctx):
    booking = book_at(offered_service(), monday_at(10))
    cancel_booking(booking, by=ChangedBy.client, now=NOW)

    cancel_booking(booking, by=ChangedBy.practitioner, now=NOW + timedelta(hours=1))

    stored = db.session.get(Booking, booking.id)
    assert (stored.cancelled_by, stored.cancelled_at) == (ChangedBy.client, NOW)


def test_a_live_hold_blocks_its_slot(ctx):
    service = offered_service()
    make_booking(service, monday_at(10), status=BookingStatus.held, hold_expires_at=NOW + timedelta(minutes=10))

    with pytest.raises(SlotTaken):
        book_at(service, monday_at(10))


def test_an_expired_hold_does_not_block_its_slot(ctx):
    service = offered_service()
    make_booking(service, monday_at(10), status=BookingStatus.held, hold_expires_at=NOW - timedelta(minutes=1))

    booking = book_at(service, monday_at(10))

    assert db.session.get(Booking, booking.id).status is BookingStatus.confirmed


def test_booking_over_an_expired_hold_ends_the_hold(ctx):
    service = offered_service()
    hold = make_booking(service, monday_at(10), status=BookingStatus.held, hold_expires_at=NOW - timedelta(minutes=1))

    book_at(service, monday_at(10))

    lapsed = db.session.get(Booking, hold.id)
    assert (lapsed.status, lapsed.cancelled_by, lapsed.cancelled_at) == (BookingStatus.cancelled, HOLD_EXPIRY, NOW)


# client records: a returning client is recognised by their email, per practice


def jo(**details) -> ClientDetails:
    """Jo, booking in London time; `details` are what else they typed this time."""
    return ClientDetails(**{"name": "Jo Rivers", "email": "jo@example.org", "timezone": ZONE} | details)


def clients_of(practice_id: int) -> list[Client]:
    return list(db.session.scalars(select(Client).where(Client.practice_id == practice_id)))


def test_a_returning_client_is_recognised_by_their_email_whatever_its_case(ctx):
    service = offered_service()

    first = book_at(service, monday_at(10), jo(email="jo@example.org"))
    again = book_at(service, monday_at(12), jo(email="Jo@Example.ORG"))

    [client] = clients_of(service.practice_id)
    assert client.email == "jo@example.org"
    assert db.session.get(Booking, first.id).client_id == db.session.get(Booking, again.id).client_id == client.id


def test_what_a_returning_client_types_updates_their_record(ctx):
    service = offered_service()
    book_at(service, monday_at(10), jo(phone="0161 496 0000", preferred_name="Jo", pronouns="she/her"))

    book_at(service, monday_at(12), jo(name="Joanna Rivers", phone="0161 496 0999", preferred_name="Jojo", pronouns="they/them"))

    [client] = clients_of(service.practice_id)
    assert (client.name, client.preferred_name, client.pronouns, client.phone) == (
        "Joanna Rivers", "Jojo", "they/them", "0161 496 0999"
    )


def test_a_field_left_empty_on_a_later_booking_keeps_what_was_given_before(ctx):
    service = offered_service()
    book_at(service, monday_at(10), jo(phone="0161 496 0000", preferred_name="Jo", pronouns="she/her"))

    book_at(service, monday_at(12), jo(phone="", preferred_name="", pronouns=""))

    [client] = clients_of(service.practice_id)
    assert (client.name, client.preferred_name, client.pronouns, client.phone) == (
        "Jo Rivers", "Jo", "she/her", "0161 496 0000"
    )


def test_each_practice_keeps_its_own_client_for_the_same_email(ctx):
    here, there = offered_service(), offered_service()

    booked_here = book_at(here, monday_at(10), jo(name="Jo Rivers"))
    booked_there = book_at(there, monday_at(10), jo(name="Jo R."))

    [client_here], [client_there] = clients_of(here.practice_id), clients_of(there.practice_id)
    assert client_here.id != client_there.id
    assert (client_here.name, client_there.name) == ("Jo Rivers", "Jo R.")
    assert db.session.get(Booking, booked_here.id).client_id == client_here.id
    assert db.session.get(Booking, booked_there.id).client_id == client_there.id


# client_details_from()

VALID = {"name": "Jo Rivers", "email": "jo@example.org", "timezone": "Europe/London"}


def test_client_details_are_tidied():
    details = client_details_from(
        VALID | {"name": "  Jo Rivers ", "email": " jo@EXAMPLE.org", "phone": "+44 (0)20 7946-0000", "pronouns": "she/her"}
    )

    assert details == ClientDetails(
        name="Jo Rivers",
        email="jo@example.org",
        timezone="Europe/London",
        phone="+44 (0)20 7946-0000",
        pronouns="she/her",
    )


def test_missing_details_are_each_named():
    with pytest.raises(InvalidDetails) as invalid:
        client_details_from({"name": "   ", "email": None})

    assert invalid.value.field_errors == {
        "name": "Please tell us your name.",
        "email": "Please give an email address for your confirmation.",
        "timezone": "Please choose a timezone from the list.",
    }


@pytest.mark.parametrize(
    "field, limit", [("name", 120), ("email", 254), ("phone", 40), ("preferred_name", 120), ("pronouns", 40), ("note", 2000)]
)
def test_an_overlong_field_is_refused_with_its_limit(field, limit):
    value = "1" * (limit + 1) if field == "phone" else "a" * (limit + 1)

    with pytest.raises(InvalidDetails) as invalid:
        client_details_from(VALID | {field: value})

    expected = note_too_long_message(value, limit) if field == "note" else f"Please keep this under {limit} characters."
    assert invalid.value.field_errors == {field: expected}


def test_a_field_at_its_limit_is_accepted():
    assert client_details_from(VALID | {"note": "a" * 2000}).note == "a" * 2000


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("email", "jo@", "That email address doesn't look right — please check it."),
        ("email", "jo at example.org", "That email address doesn't look right — please check it."),
        ("phone", "call me", "Please use only digits, spaces and + - ( ) in a phone number."),
        ("timezone", "Mars/Olympus", "Please choose a timezone from the list."),
    ],
)
def test_a_malformed_field_is_refused_with_a_message(field, value, message):
    with pytest.raises(InvalidDetails) as invalid:
        client_details_from(VALID | {field: value})

    assert invalid.value.field_errors == {field: message}


def test_details_that_are_not_text_count_as_missing():
    with pytest.raises(InvalidDetails) as invalid:
        client_details_from(VALID | {"name": 42})

    assert set(invalid.value.field_errors) == {"name"}


# manage links


def test_manage_token_finds_its_booking(ctx):
    booking = book_at(offered_service(), monday_at(10))

    assert booking_for_manage_token(manage_token(booking, SECRET), SECRET).id == booking.id


def test_a_tampered_manage_token_finds_nothing(ctx):
    token = manage_token(book_at(offered_service(), monday_at(10)), SECRET)
    payload, signature = token.rsplit(".", 1)
    # The signature's first character: its last one carries padding bits that may not count.
    tampered = f"{payload}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"

    assert booking_for_manage_token(tampered, SECRET) is None


def test_a_manage_token_signed_with_another_key_finds_nothing(ctx):
    token = manage_token(book_at(offered_service(), monday_at(10)), "another-secret")

    assert booking_for_manage_token(token, SECRET) is None


def test_a_signed_token_that_is_not_a_booking_id_finds_nothing(ctx):
    assert booking_for_manage_token(URLSafeSerializer(SECRET, salt=MANAGE_SALT).dumps(42), SECRET) is None


# PostgreSQL's exclusion constraint, the guard behind book()'s lock


def test_postgres_refuses_overlapping_one_to_one_bookings(postgres):
    service = offered_service()
    make_booking(service, monday_at(10))

    with pytest.raises(IntegrityError, match="ex_booking_one_to_one_no_overlap"):
        make_booking(service, monday_at(10, 30))
    db.session.rollback()


def test_postgres_refuses_a_booking_overlapping_a_live_buffer(postgres):
    service = offered_service()
    make_booking(service, monday_at(10), blocked_end=monday_at(11, 30))

    with pytest.raises(IntegrityError):
        make_booking(service, monday_at(11, 15), status=BookingStatus.held, hold_expires_at=NOW + timedelta(minutes=5))
    db.session.rollback()


def test_postgres_allows_back_to_back_one_to_one_bookings(postgres):
    service = offered_service()
    make_booking(service, monday_at(10))
    make_booking(service, monday_at(11))

    assert active_seats(service) == 2


def test_postgres_allows_overlap_with_a_cancelled_booking(postgres):
    service = offered_service()
    make_booking(service, monday_at(10), status=BookingStatus.cancelled)
    make_booking(service, monday_at(10))

    assert active_seats(service) == 1


def test_postgres_allows_overlapping_group_bookings(postgres):
    circle = offered_service(capacity=3)
    make_booking(circle, monday_at(10))
    make_booking(circle, monday_at(10))

    assert active_seats(circle) == 2


KEY = "a-submission-key-of-the-confirm-form"


def test_the_same_confirmation_sent_again_after_its_time_has_passed_still_finds_its_booking(ctx):
    service = offered_service()
    first = book(service_id=service.id, start=monday_at(10), client=CLIENT, now=NOW, submission_key=KEY)

    again = book(service_id=service.id, start=monday_at(10), client=CLIENT, now=monday_at(11), submission_key=KEY)

    assert again.id == first.id


def test_the_same_confirmation_sent_again_after_the_service_is_unpublished_still_finds_its_booking(ctx):
    service = offered_service()
    first = book(service_id=service.id, start=monday_at(10), client=CLIENT, now=NOW, submission_key=KEY)
    service.status = ServiceStatus.draft
    db.session.commit()

    assert book(service_id=service.id, start=monday_at(10), client=CLIENT, now=NOW, submission_key=KEY).id == first.id


@pytest.mark.parametrize(
    "changed",
    ["another time", "another address", "another service"],
)
def test_a_used_key_with_anything_else_is_refused_and_books_nothing(ctx, changed):
    service = offered_service()
    book(service_id=service.id, start=monday_at(10), client=CLIENT, now=NOW, submission_key=KEY)
    other_service = make_service(service.practitioner, name="Another")
    request = {
        "another time": dict(service_id=service.id, start=monday_at(12), client=CLIENT),
        "another address": dict(service_id=service.id, start=monday_at(10), client=ClientDetails(
            name="Someone", email="someone@example.org", timezone=ZONE)),
        "another service": dict(service_id=other_service.id, start=monday_at(12), client=CLIENT),
    }[changed]

    with pytest.raises(BookingError, match="already used"):
        book(**request, now=NOW, submission_key=KEY)

    assert db.session.scalar(select(func.count(Booking.id))) == 1
