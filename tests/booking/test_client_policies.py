"""What a client is told and allowed before and just after booking: the policy, the grace to cancel,
the limit per address, the email confirmation a first-time client may be asked for, and a group's places."""
import re
from datetime import UTC, datetime, time, timedelta
from html import unescape
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from practice.booking import service
from practice.booking.models import Booking, BookingStatus
from practice.booking.service import CLIENT, ChangeNotAllowed, ClientDetails, TooManyBookings
from practice.catalog.models import Service
from practice.extensions import db
from practice.notifications.models import MessageKind, OutboxMessage
from practice.payments.states import cancellation_refund
from tests.factories import make_booking, make_practitioner, make_service, make_weekly_hours, service_path

ZONE = "Europe/London"


@pytest.fixture
def offer(app):
    """A London practice open every day 09–17 with a one-to-one service and a group of four."""
    with app.app_context():
        practitioner = make_practitioner(
            timezone=ZONE, practice_name="Stillwater Practice", practice_slug="stillwater", min_notice_minutes=0,
            contact_email="hello@stillwater.example",
        )
        make_weekly_hours(practitioner)
        massage = make_service(practitioner, name="Restorative massage")
        circle = make_service(practitioner, name="Remembrance circle", capacity=4, what_to_expect="We light a candle.",
                              content_note="This circle talks openly about baby loss.")
        return SimpleNamespace(id=massage.id, circle=circle.id, path=service_path(massage), circle_path=service_path(circle),
                               practice_id=practitioner.practice_id)


def at(days: int, hour: int) -> datetime:
    day = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=days)
    return datetime.combine(day, time(hour), ZoneInfo(ZONE)).astimezone(UTC)


def details(email="jo@example.org", **values) -> ClientDetails:
    return ClientDetails(name="Jo Rivers", email=email, timezone=ZONE, **values)


def set_practice(app, **values):
    from practice.accounts.models import Practice

    with app.app_context():
        for practice in db.session.scalars(select(Practice)):
            for key, value in values.items():
                setattr(practice, key, value)
        db.session.commit()


def text_of(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def title_of(response) -> str:
    return unescape(re.search(r"<title>(.*?)</title>", response.get_data(as_text=True), re.S).group(1)).strip()


# --- the policy, said before committing ------------------------------------------------------

def test_the_service_page_says_until_when_changes_can_be_made_online(client, offer):
    text = text_of(client.get(offer.path))

    assert "You can change or cancel online up to 24 hours before your session; after that, changes go through Stillwater Practice." in text


def test_the_confirm_step_warns_when_the_chosen_time_is_already_inside_the_window(app, client, offer):
    start = at(1, 10).strftime("%Y-%m-%dT%H:%MZ")
    set_practice(app, cancellation_window_hours=72)
    form = {"name": "Jo", "email": "jo@example.org", "start": start, "timezone": ZONE}

    confirm = client.post(f"{offer.path}/details", data=form)

    assert confirm.status_code == 200
    assert (
        "This time is less than 72 hours away: after booking, changes go through Stillwater Practice, "
        "though you can still cancel here within 30 minutes of booking." in text_of(confirm)
    )


# --- the grace after booking ----------------------------------------------------------------

def test_a_client_may_cancel_inside_the_window_only_during_the_grace(app, offer):
    made = datetime.now(UTC)
    with app.app_context():
        first = service.book(service_id=offer.id, start=at(1, 10), client=details(), now=made)
        second = service.book(service_id=offer.id, start=at(1, 12), client=details(), now=made)
        with pytest.raises(ChangeNotAllowed):
            service.check_movable(first, by=CLIENT, now=made + timedelta(minutes=5))
        service.cancel_booking(first, by=CLIENT, now=made + timedelta(minutes=29))
        with pytest.raises(ChangeNotAllowed):
            service.cancel_booking(second, by=CLIENT, now=made + timedelta(minutes=31))
        assert (first.status, second.status) == (BookingStatus.cancelled, BookingStatus.confirmed)


def test_the_manage_page_offers_cancelling_during_the_grace_and_says_until_when(app, client, offer):
    with app.app_context():
        booking = service.book(service_id=offer.id, start=at(1, 10), client=details(), now=datetime.now(UTC))
        path = f"/manage/{service.manage_token(booking, app.config['SECRET_KEY'])}"

    text = text_of(client.get(path))

    assert "you can still cancel here until" in text
    assert "Yes, cancel this booking" in text
    assert "Change the time" not in text


def test_no_grace_when_the_practice_turned_it_off(app, offer):
    set_practice(app, cancel_grace_minutes=0)
    made = datetime.now(UTC)
    with app.app_context():
        booking = service.book(service_id=offer.id, start=at(1, 10), client=details(), now=made)
        with pytest.raises(ChangeNotAllowed):
            service.cancel_booking(booking, by=CLIENT, now=made + timedelta(minutes=1))


def test_cancelling_in_the_grace_refunds_in_full_whatever_the_late_policy():
    late = dict(refundable=2000, starts_at=datetime(2026, 3, 3, 10, tzinfo=UTC), now=datetime(2026, 3, 3, 9, tzinfo=UTC),
                full_refund_hours=48, keep_percent=100, by_client=True)

    assert cancellation_refund(**late) == 0
    assert cancellation_refund(**late, in_grace=True) == 2000


# --- at most N upcoming bookings per address ------------------------------------------------

def test_an_address_may_hold_three_upcoming_bookings_online_then_is_told_to_contact_the_practice(app, offer):
    now = datetime.now(UTC)
    with app.app_context():
        for hour in (9, 10, 11):
            service.book(service_id=offer.id, start=at(3, hour), client=details("Jo@Example.org"), now=now, from_client=True)
        with pytest.raises(TooManyBookings, match="already has 3 upcoming bookings with Stillwater Practice.*hello@stillwater.example"):
            service.book(service_id=offer.id, start=at(3, 12), client=details(), now=now, from_client=True)
        # The practice itself is not limited (its bookings count too), and cancelling frees places.
        service.book(service_id=offer.id, start=at(3, 13), client=details(), now=now)
        for booking in db.session.scalars(select(Booking).order_by(Booking.id).limit(2)).all():
            service.cancel_booking(booking, by=CLIENT, now=now)
        assert service.book(service_id=offer.id, start=at(3, 14), client=details(), now=now, from_client=True)


def test_the_limit_reached_on_the_pages_is_a_kind_422(app, client, offer):
    set_practice(app, max_active_bookings_per_email=1)
    with app.app_context():
        service.book(service_id=offer.id, start=at(3, 9), client=details(), now=datetime.now(UTC), from_client=True)
    form = {"name": "Jo", "email": "jo@example.org", "start": at(3, 11).strftime("%Y-%m-%dT%H:%MZ"), "timezone": ZONE,
            "submission": "k" * 20}

    response = client.post(f"{offer.path}/confirm", data=form)

    assert response.status_code == 422
    assert "the most that can be made online" in text_of(response)


# --- a first-time client confirms their email -----------------------------------------------

def owed(app, kind: MessageKind) -> list[OutboxMessage]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))
        return [SimpleNamespace(body=row.body_text, subject=row.subject, booking_id=row.booking_id) for row in rows]


def confirm_link(body: str) -> str:
    return re.search(r"http://localhost(/confirm-booking/\S+)", body).group(1)


def test_a_first_time_client_confirms_their_email_before_the_booking_is_final(app, client, offer):
    set_practice(app, confirm_new_client_email=True)
    form = {"name": "Jo", "email": "jo@example.org", "start": at(3, 9).strftime("%Y-%m-%dT%H:%MZ"), "timezone": ZONE,
            "submission": "s" * 20}

    booked = client.post(f"{offer.path}/confirm", data=form)

    manage = client.get(booked.headers["Location"])
    assert "Almost done: please check your email" in text_of(manage)
    assert not owed(app, MessageKind.booking_confirmed)
    [request] = owed(app, MessageKind.email_confirmation)
    assert "Please confirm your booking with Stillwater Practice" in request.subject
    link = confirm_link(request.body)
    assert "Confirm my booking" in text_of(client.get(link))

    confirmed = client.post(link)

    assert confirmed.status_code == 303 and "/booked" in confirmed.headers["Location"]
    with app.app_context():
        assert db.session.get(Booking, request.booking_id).status is BookingStatus.confirmed
    assert len(owed(app, MessageKind.booking_confirmed)) == 1
    # Pressed again (a double tap, or later): the booking page, nothing owed twice.
    assert client.post(link).status_code == 303
    assert len(owed(app, MessageKind.booking_confirmed)) == 1


def test_a_returning_client_books_at_once_and_a_stranger_is_not_held_at_all_by_default(app, offer):
    now = datetime.now(UTC)
    with app.app_context():
        service_row = db.session.get(Service, offer.id)
        make_booking(service_row, at(-10, 9), client_email="known@example.org")
        assert service.book(service_id=offer.id, start=at(3, 9), client=details("stranger@example.org"), now=now,
                            from_client=True).status is BookingStatus.confirmed
    set_practice(app, confirm_new_client_email=True)
    with app.app_context():
        known = service.book(service_id=offer.id, start=at(3, 10), client=details("known@example.org"), now=now, from_client=True)
        new = service.book(service_id=offer.id, start=at(3, 11), client=details("new@example.org"), now=now, from_client=True)
        assert (known.status, new.status, new.awaiting) == (BookingStatus.confirmed, BookingStatus.held, "email")


def test_an_unconfirmed_hold_lapses_with_a_kind_email_and_a_late_click_still_books_a_free_time(app, client, offer):
    set_practice(app, confirm_new_client_email=True)
    now = datetime.now(UTC)
    with app.app_context():
        booking = service.book(service_id=offer.id, start=at(3, 9), client=details(), now=now, from_client=True)
        booking_id = booking.id
        assert service.expire_stale_holds(now=now + timedelta(minutes=31)) == 1
    [released] = owed(app, MessageKind.hold_released)
    assert "while you confirmed your email address" in released.body
    assert "Nothing was charged" not in released.body
    link = confirm_link(owed(app, MessageKind.email_confirmation)[0].body)

    assert client.post(link).status_code == 303

    with app.app_context():
        assert db.session.get(Booking, booking_id).status is BookingStatus.confirmed


def test_a_tampered_confirmation_link_is_not_found(client, offer):
    assert client.get("/confirm-booking/not-a-token").status_code == 404


# --- groups: places in words, a content note, the next gathering when full --------------------

def test_a_group_page_says_places_in_words_and_carries_its_content_note_and_how_it_runs(app, client, offer):
    day = at(3, 9)
    query = {"day": day.astimezone(ZoneInfo(ZONE)).date().isoformat()}
    text = text_of(client.get(offer.circle_path, query_string=query))
    assert "Content note This circle talks openly about baby loss." in text
    assert "How the gathering runs We light a candle." in text
    assert "Places available" in text and "places left" not in text
    with app.app_context():
        for email in ("a@example.org", "b@example.org", "c@example.org"):
            service.book(service_id=offer.circle, start=day, client=details(email), now=datetime.now(UTC))

    assert "A few places left" in text_of(client.get(offer.circle_path, query_string=query))
    set_practice(app, exact_group_places=True)
    assert "1 place left" in text_of(client.get(offer.circle_path, query_string=query))


def test_a_full_gathering_offers_the_next_one(app, client, offer):
    day = at(3, 9)
    with app.app_context():
        for n in range(4):
            service.book(service_id=offer.circle, start=day, client=details(f"p{n}@example.org"), now=datetime.now(UTC))

    response = client.get(f"{offer.circle_path}/details", query_string={"start": day.strftime("%Y-%m-%dT%H:%MZ")})

    assert response.status_code == 409
    text = text_of(response)
    assert "no longer free — please choose another time. This gathering is full. The next gathering with places is on" in text


# --- discreet titles ---------------------------------------------------------------------

def test_booking_page_titles_name_the_service_only_when_the_practice_is_not_discreet(app, client, offer):
    assert title_of(client.get(offer.path)) == "Choose a time · Stillwater Practice"
    set_practice(app, discreet_emails=False)
    assert title_of(client.get(offer.path)) == "Choose a time · Restorative massage · Stillwater Practice"
