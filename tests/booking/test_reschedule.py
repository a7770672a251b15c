"""reschedule(), cancel_booking() and the cancellation window, on SQLite and PostgreSQL; and a race over HTTP."""
from collections import Counter
from datetime import datetime, time, timedelta, timezone
from types import SimpleNamespace
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from practice.booking.models import ACTIVE_STATUSES, Booking, BookingStatus
from practice.booking.service import (
    BookingError,
    ChangeNotAllowed,
    ClientDetails,
    InvalidDetails,
    SlotTaken,
    TimeNotOffered,
    book,
    cancel_booking,
    change_policy,
    manage_token,
    reschedule,
)
from practice.catalog.models import Service, ServiceStatus
from practice.extensions import db
from practice.notifications import service as notifications
from practice.notifications.emails import short_time
from practice.notifications.models import MessageKind, OutboxMessage
from practice.timeformats import instant_for_url
from practice.booking.states import ChangedBy, ChangeWindow
from tests.booking.test_concurrency import post_all_at_once
from tests.factories import make_booking, make_practitioner, make_service, make_weekly_hours, service_path
from tests.live_server import serving

ZONE = "Europe/London"
NOW = datetime.now(timezone.utc)
CLIENT = ClientDetails(name="Jo Rivers", email="jo@example.org", timezone="America/New_York")
OTHER = ClientDetails(name="Sam Ash", email="sam@example.org", timezone=ZONE)


def monday_at(hour: int, minute: int = 0, weeks: int = 0) -> datetime:
    """A Monday 7 to 13 days ahead (or `weeks` later), at a London wall-clock time, as aware UTC."""
    today = NOW.astimezone(ZoneInfo(ZONE)).date()
    monday = today + timedelta(days=7 + (-today.weekday()) % 7, weeks=weeks)
    return datetime.combine(monday, time(hour, minute), tzinfo=ZoneInfo(ZONE)).astimezone(timezone.utc)


def offered_service(**overrides) -> Service:
    """A published service of a new practitioner who works 09:00-17:00 London time daily."""
    practitioner = make_practitioner(timezone=ZONE, practice_name="Stillwater Practice", contact_email="hello@stillwater.example")
    make_weekly_hours(practitioner)
    return make_service(practitioner, **overrides)


def booked(service: Service, start: datetime, client: ClientDetails = CLIENT) -> Booking:
    return book(service_id=service.id, start=start, client=client, now=NOW)


def stored(booking_id: int) -> Booking:
    db.session.rollback()
    return db.session.get(Booking, booking_id, populate_existing=True)


def outbox_kinds(booking_id: int) -> Counter:
    return Counter(db.session.scalars(select(OutboxMessage.kind).where(OutboxMessage.booking_id == booking_id)))


def active_at(service: Service, start: datetime) -> int:
    return db.session.scalar(
        select(func.count()).where(
            Booking.service_id == service.id, Booking.starts_at == start, Booking.status.in_(ACTIVE_STATUSES)
        )
    )


@pytest.fixture
def ctx(any_app):
    """An app context on a fresh database, once per backend."""
    with any_app.app_context():
        yield any_app


# reschedule()


def test_reschedule_moves_the_session_and_its_buffers_and_raises_the_sequence(ctx):
    service = offered_service(buffer_before_minutes=15, buffer_after_minutes=30)
    booking = booked(service, monday_at(10))

    reschedule(booking, new_start=monday_at(14), by=ChangedBy.client, now=NOW)

    moved = stored(booking.id)
    assert (moved.starts_at, moved.ends_at) == (monday_at(14), monday_at(15))
    assert (moved.blocked_start, moved.blocked_end) == (monday_at(13, 45), monday_at(15, 30))
    assert moved.sequence == 1
    assert moved.status is BookingStatus.confirmed


def test_reschedule_accepts_a_booking_id_and_a_start_in_any_offset(ctx):
    booking = booked(offered_service(), monday_at(10))

    reschedule(booking.id, new_start=monday_at(12).astimezone(ZoneInfo("Asia/Tokyo")), by=ChangedBy.practitioner, now=NOW)

    assert stored(booking.id).starts_at == monday_at(12)


def test_each_reschedule_raises_the_sequence_again(ctx):
    booking = booked(offered_service(), monday_at(10))

    reschedule(booking, new_start=monday_at(12), by=ChangedBy.client, now=NOW)
    reschedule(booking, new_start=monday_at(15), by=ChangedBy.client, now=NOW)

    assert stored(booking.id).sequence == 2


def test_reschedule_owes_the_client_and_the_practitioner_an_email(ctx):
    booking = booked(offered_service(), monday_at(10))

    reschedule(booking, new_start=monday_at(14), by=ChangedBy.client, now=NOW)

    rows = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.booking_id == booking.id, OutboxMessage.kind.in_(
            [MessageKind.booking_rescheduled, MessageKind.practitioner_reschedule]
        ))
    ).all()
    assert sorted((row.kind.value, row.recipient) for row in rows) == [
        ("booking_rescheduled", "jo@example.org"),
        ("practitioner_reschedule", booking.practitioner.email),
    ]


def test_the_booking_and_its_emails_are_saved_together_or_not_at_all(ctx, monkeypatch):
    booking = booked(offered_service(), monday_at(10))
    owed_before = outbox_kinds(booking.id)
    real_owe = notifications.owe_booking_rescheduled

    def owe_then_fail(*args, **kwargs):
        real_owe(*args, **kwargs)
        raise RuntimeError("the mail template broke")

    monkeypatch.setattr(notifications, "owe_booking_rescheduled", owe_then_fail)

    with pytest.raises(RuntimeError):
        reschedule(booking, new_start=monday_at(14), by=ChangedBy.client, now=NOW)

    unchanged = stored(booking.id)
    assert (unchanged.starts_at, unchanged.sequence) == (monday_at(10), 0)
    assert outbox_kinds(booking.id) == owed_before


def test_the_practitioners_message_reaches_the_emails_owed(ctx):
    booking = booked(offered_service(), monday_at(10))

    reschedule(booking, new_start=monday_at(14), by=ChangedBy.practitioner, now=NOW, message="  Sorry — my car broke down.\r\n  ")

    to_client, to_practitioner = (
        db.session.scalar(select(OutboxMessage).where(OutboxMessage.booking_id == booking.id, OutboxMessage.kind == kind))
        for kind in (MessageKind.booking_rescheduled, MessageKind.practitioner_reschedule)
    )
    previous = short_time(monday_at(10), CLIENT.timezone)
    assert f"Stillwater Practice has moved your appointment from {previous} to the time below." in to_client.body_text
    assert "A note from Stillwater Practice:\n  Sorry — my car broke down.\n" in to_client.body_text
    assert "Your message to them:\n  Sorry — my car broke down.\n" in to_practitioner.body_text
    assert to_client.created_at == to_practitioner.created_at == NOW


def test_a_moved_booking_does_not_block_its_own_new_time(ctx):
    """Moving half an hour later overlaps the booking's current hour: that must not count as taken."""
    service = offered_service(slot_step_minutes=30, buffer_after_minutes=15)
    booking = booked(service, monday_at(10))

    reschedule(booking, new_start=monday_at(10, 30), by=ChangedBy.client, now=NOW)
    reschedule(booking, new_start=monday_at(10), by=ChangedBy.client, now=NOW)

    assert stored(booking.id).starts_at == monday_at(10)


def test_the_old_time_is_free_again_after_a_move(ctx):
    service = offered_service()
    booking = booked(service, monday_at(10))

    reschedule(booking, new_start=monday_at(14), by=ChangedBy.client, now=NOW)
    other = booked(service, monday_at(10), OTHER)

    assert stored(other.id).starts_at == monday_at(10)


def test_rescheduling_to_a_taken_time_is_refused_and_changes_nothing(ctx):
    service = offered_service()
    booking = booked(service, monday_at(10))
    booked(service, monday_at(14), OTHER)
    owed_before = outbox_kinds(booking.id)

    with pytest.raises(SlotTaken, match="just taken — please choose another time"):
        reschedule(booking, new_start=monday_at(14), by=ChangedBy.client, now=NOW)

    unchanged = stored(booking.id)
    assert (unchanged.starts_at, unchanged.sequence) == (monday_at(10), 0)
    assert active_at(service, monday_at(14)) == 1
    assert outbox_kinds(booking.id) == owed_before


def test_a_buffer_of_another_booking_blocks_the_new_time(ctx):
    service = offered_service(buffer_after_minutes=30)
    booking = booked(service, monday_at(10))
    booked(service, monday_at(13), OTHER)

    with pytest.raises(SlotTaken):
        reschedule(booking, new_start=monday_at(14), by=ChangedBy.practitioner, now=NOW)


def test_a_group_booking_moves_into_a_circle_with_room(ctx):
    circle = offered_service(name="Support circle", capacity=2)
    booking = booked(circle, monday_at(10))
    booked(circle, monday_at(14), OTHER)

    reschedule(booking, new_start=monday_at(14), by=ChangedBy.client, now=NOW)

    assert active_at(circle, monday_at(14)) == 2
    third = booked(circle, monday_at(10), ClientDetails(name="Ali", email="ali@example.org", timezone=ZONE))
    with pytest.raises(SlotTaken):
        reschedule(third, new_start=monday_at(14), by=ChangedBy.client, now=NOW)


@pytest.mark.parametrize(
    "new_start, error, words",
    [
        (monday_at(10, 17), TimeNotOffered, "isn't offered"),
        (monday_at(3), TimeNotOffered, "isn't offered"),
        (monday_at(10, weeks=20), TimeNotOffered, "isn't offered"),
        (NOW - timedelta(hours=1), TimeNotOffered, "already passed"),
        (monday_at(10).replace(tzinfo=None), TimeNotOffered, "choose a time"),
        (monday_at(10), BookingError, "already at that time"),
    ],
    ids=["off-grid", "outside-hours", "too-far-ahead", "past", "naive", "same-time"],
)
def test_a_new_time_that_cannot_be_had_is_refused_and_changes_nothing(ctx, new_start, error, words):
    booking = booked(offered_service(), monday_at(10))

    with pytest.raises(error, match=words):
        reschedule(booking, new_start=new_start, by=ChangedBy.practitioner, now=NOW)

    unchanged = stored(booking.id)
    assert (unchanged.starts_at, unchanged.sequence) == (monday_at(10), 0)


def test_a_message_over_1000_characters_is_refused_and_changes_nothing(ctx):
    booking = booked(offered_service(), monday_at(10))
    owed_before = outbox_kinds(booking.id)

    with pytest.raises(InvalidDetails) as invalid:
        reschedule(booking, new_start=monday_at(14), by=ChangedBy.practitioner, now=NOW, message="x" * 10_240)

    assert invalid.value.field_errors == {"message": "Please keep the message under 1000 characters."}
    assert stored(booking.id).starts_at == monday_at(10)
    assert outbox_kinds(booking.id) == owed_before


def test_a_cancelled_booking_cannot_be_rescheduled(ctx):
    booking = booked(offered_service(), monday_at(10))
    cancel_booking(booking, by=ChangedBy.client, now=NOW)

    with pytest.raises(ChangeNotAllowed, match="cancelled"):
        reschedule(booking, new_start=monday_at(14), by=ChangedBy.practitioner, now=NOW)

    assert stored(booking.id).starts_at == monday_at(10)


def test_moving_over_a_lapsed_hold_ends_the_hold(ctx):
    service = offered_service()
    booking = booked(service, monday_at(10))
    hold = make_booking(
        service, monday_at(14), status=BookingStatus.held, hold_expires_at=NOW - timedelta(minutes=1),
        client_name="Held", client_email="held@example.org",
    )

    reschedule(booking, new_start=monday_at(14), by=ChangedBy.client, now=NOW)

    assert stored(booking.id).starts_at == monday_at(14)
    assert stored(hold.id).status is BookingStatus.cancelled


def test_a_client_cannot_move_a_booking_of_a_service_no_longer_offered_but_can_cancel_it(ctx):
    service = offered_service()
    booking = booked(service, monday_at(10))
    service.status = ServiceStatus.archived
    db.session.commit()

    with pytest.raises(ChangeNotAllowed, match="can't be moved online any more"):
        reschedule(booking, new_start=monday_at(14), by=ChangedBy.client, now=NOW)
    reschedule(booking, new_start=monday_at(14), by=ChangedBy.practitioner, now=NOW)
    cancel_booking(booking, by=ChangedBy.client, now=NOW)

    assert (stored(booking.id).starts_at, stored(booking.id).status) == (monday_at(14), BookingStatus.cancelled)


def test_only_the_client_or_the_practitioner_may_change_a_booking(ctx):
    booking = booked(offered_service(), monday_at(10))

    with pytest.raises(ValueError):
        reschedule(booking, new_start=monday_at(14), by="somebody", now=NOW)


# the cancellation window


def window_now(booking: Booking, hours_before: float) -> datetime:
    return booking.starts_at - timedelta(hours=hours_before)


def test_inside_the_window_the_client_cannot_reschedule(ctx):
    booking = booked(offered_service(), monday_at(10))

    with pytest.raises(ChangeNotAllowed) as refused:
        reschedule(booking, new_start=monday_at(14), by=ChangedBy.client, now=window_now(booking, 23))

    assert refused.value.message == (
        "Changes can be made up to 24 hours before your session. "
        "To change it now, please contact Stillwater Practice at hello@stillwater.example."
    )
    assert (stored(booking.id).starts_at, stored(booking.id).sequence) == (monday_at(10), 0)


def test_inside_the_window_the_practitioner_can_still_reschedule(ctx):
    booking = booked(offered_service(), monday_at(10))

    reschedule(booking, new_start=monday_at(14), by=ChangedBy.practitioner, now=window_now(booking, 2))

    assert stored(booking.id).starts_at == monday_at(14)


def test_just_outside_the_window_the_client_can_reschedule(ctx):
    booking = booked(offered_service(), monday_at(10))

    reschedule(booking, new_start=monday_at(14), by=ChangedBy.client, now=window_now(booking, 24.01))

    assert stored(booking.id).starts_at == monday_at(14)


def test_inside_the_window_the_client_cannot_cancel(ctx):
    booking = booked(offered_service(), monday_at(10))

    with pytest.raises(ChangeNotAllowed, match="up to 24 hours before"):
        cancel_booking(booking, by=ChangedBy.client, now=window_now(booking, 1))

    assert stored(booking.id).status is BookingStatus.confirmed
    assert outbox_kinds(booking.id)[MessageKind.booking_cancelled] == 0


def test_inside_the_window_the_practitioner_can_cancel(ctx):
    booking = booked(offered_service(), monday_at(10))

    cancel_booking(booking, by=ChangedBy.practitioner, now=window_now(booking, 1), message="I'm unwell, I'm so sorry.")

    assert stored(booking.id).status is BookingStatus.cancelled


def test_the_window_follows_the_practice_setting(ctx):
    service = offered_service()
    service.practice.cancellation_window_hours = 48
    db.session.commit()
    booking = booked(service, monday_at(10))

    with pytest.raises(ChangeNotAllowed, match="up to 48 hours before"):
        cancel_booking(booking, by=ChangedBy.client, now=window_now(booking, 30))
    cancel_booking(booking, by=ChangedBy.client, now=window_now(booking, 49))

    assert stored(booking.id).status is BookingStatus.cancelled


@pytest.mark.parametrize("by", [ChangedBy.client, ChangedBy.practitioner])
@pytest.mark.parametrize("after_start", [timedelta(0), timedelta(minutes=30), timedelta(days=3)], ids=["starting", "under-way", "past"])
def test_a_session_that_has_started_cannot_be_changed_by_anyone(ctx, by, after_start):
    booking = booked(offered_service(), monday_at(10))
    now = booking.starts_at + after_start

    with pytest.raises(ChangeNotAllowed, match="already started"):
        reschedule(booking, new_start=monday_at(14, weeks=1), by=by, now=now)
    with pytest.raises(ChangeNotAllowed, match="already started"):
        cancel_booking(booking, by=by, now=now)

    unchanged = stored(booking.id)
    assert (unchanged.status, unchanged.starts_at) == (BookingStatus.confirmed, monday_at(10))


def test_the_policy_says_what_the_client_may_do(ctx):
    booking = booked(offered_service(), monday_at(10))

    assert change_policy(booking, window_now(booking, 25)).window is ChangeWindow.open
    assert change_policy(booking, window_now(booking, 25)).deadline == window_now(booking, 24)
    assert change_policy(booking, window_now(booking, 24)).window is ChangeWindow.closing
    assert change_policy(booking, window_now(booking, 0)).window is ChangeWindow.started
    cancel_booking(booking, by=ChangedBy.client, now=NOW)
    assert change_policy(stored(booking.id), NOW).window is ChangeWindow.inactive


# emails owed by book() and cancel_booking()


def test_booking_owes_a_confirmation_and_a_notice(ctx):
    booking = booked(offered_service(), monday_at(10))

    assert outbox_kinds(booking.id) == {MessageKind.booking_confirmed: 1, MessageKind.practitioner_new_booking: 1}


def test_cancelling_owes_the_emails_once_however_often_it_is_asked(ctx):
    booking = booked(offered_service(), monday_at(10))

    cancel_booking(booking, by=ChangedBy.client, now=NOW)
    cancel_booking(booking, by=ChangedBy.client, now=NOW + timedelta(minutes=1))

    kinds = outbox_kinds(booking.id)
    assert (kinds[MessageKind.booking_cancelled], kinds[MessageKind.practitioner_cancellation]) == (1, 1)


def test_a_refused_booking_owes_nothing(ctx):
    service = offered_service()
    booked(service, monday_at(10))

    with pytest.raises(SlotTaken):
        booked(service, monday_at(10), OTHER)

    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 2


# racing over real HTTP: a client moving into a time while others book it

RACERS = 8


def race_offer(app) -> SimpleNamespace:
    """RACERS bookings on the Monday, one an hour; the contested time is Tuesday at 10:00."""
    with app.app_context():
        service = offered_service()
        movers = [booked(service, monday_at(9 + n), ClientDetails(name=f"Mover {n}", email=f"mover{n}@example.org", timezone=ZONE))
                  for n in range(RACERS)]
        return SimpleNamespace(
            id=service.id,
            path=service_path(service),
            target=monday_at(10) + timedelta(days=1),
            movers={m.id: (m.starts_at, manage_token(m, app.config["SECRET_KEY"])) for m in movers},
        )


def move_request(offer: SimpleNamespace, token: str) -> tuple[str, bytes, str]:
    body = urlencode({"start": instant_for_url(offer.target), "timezone": ZONE}).encode()
    return f"/manage/{token}/reschedule", body, "application/x-www-form-urlencoded"


def book_request(offer: SimpleNamespace, n: int) -> tuple[str, bytes, str]:
    fields = {"name": f"Booker {n}", "email": f"booker{n}@example.org", "phone": "", "preferred_name": "",
              "pronouns": "", "note": "", "start": instant_for_url(offer.target), "timezone": ZONE}
    return f"{offer.path}/confirm", urlencode(fields).encode(), "application/x-www-form-urlencoded"


def test_a_client_moving_into_a_time_and_clients_booking_it_cannot_both_win(any_app):
    offer = race_offer(any_app)
    moves = [move_request(offer, token) for _, token in offer.movers.values()]
    bookings = [book_request(offer, n) for n in range(RACERS)]
    # Interleaved, so neither kind of request is always first through the door.
    requests = [request for pair in zip(moves, bookings) for request in pair]

    with serving(any_app) as base_url:
        answers = post_all_at_once(base_url, requests)

    assert Counter(status for status, _ in answers) == {303: 1, 409: 2 * RACERS - 1}
    assert all("just taken — please choose another time" in body for status, body in answers if status == 409)
    with any_app.app_context():
        at_target = db.session.scalars(
            select(Booking).where(Booking.service_id == offer.id, Booking.status.in_(ACTIVE_STATUSES),
                                  Booking.blocked_start < offer.target + timedelta(hours=1),
                                  Booking.blocked_end > offer.target)
        ).all()
        assert len(at_target) == 1
        for booking_id, (original, _) in offer.movers.items():
            mover = db.session.get(Booking, booking_id)
            if mover is not at_target[0]:
                assert (mover.starts_at, mover.sequence) == (original, 0)
