"""The practitioner moves or cancels a booking from its page, with an optional message to the client."""
import html
import re
from datetime import datetime, time, timedelta, timezone
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from practice.accounts.models import Practitioner
from practice.booking.models import Booking, BookingStatus
from practice.catalog.models import Service
from practice.extensions import db
from practice.notifications.emails import short_time
from practice.notifications.models import MessageKind, OutboxMessage
from practice.timeformats import instant_for_url, long_instant
from practice.booking.states import ChangedBy
from tests.booking.test_views import page
from tests.factories import make_booking, make_service, make_weekly_hours

TEN_KB = "x" * 10_240
NOTE = "I'm so sorry to move this — I've been called away. Tea is on me next time."


def local(days: int, hour: int, zone: str) -> datetime:
    """hour:00 on the local day `days` after today in `zone`, as UTC."""
    day = datetime.now(ZoneInfo(zone)).date() + timedelta(days=days)
    return datetime.combine(day, time(hour), ZoneInfo(zone)).astimezone(timezone.utc)


def text_of(response) -> str:
    words = re.sub(r"</?(a|strong|span)\b[^>]*>", "", response.get_data(as_text=True))
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", words).split()))


@pytest.fixture
def offer(any_app, logged_in):
    """The logged-in practitioner works 09:00-17:00 every day; book(starts_at, **overrides) gives a booking id."""
    with any_app.app_context():
        practitioner = db.session.get(Practitioner, logged_in.id)
        make_weekly_hours(practitioner)
        service_id = make_service(practitioner, name="Grief counseling").id

    def book(starts_at: datetime, **overrides) -> int:
        with any_app.app_context():
            service = db.session.get(Service, service_id)
            return make_booking(service, starts_at, **overrides).id

    return SimpleNamespace(zone=logged_in.timezone, book=book)


def stored(app, booking_id: int) -> SimpleNamespace:
    with app.app_context():
        booking = db.session.get(Booking, booking_id)
        return SimpleNamespace(starts_at=booking.starts_at, status=booking.status, sequence=booking.sequence,
                               cancelled_by=booking.cancelled_by)


def outbox(app, booking_id: int) -> dict[MessageKind, str]:
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.booking_id == booking_id))
        return {row.kind: row.body_text for row in rows}


def test_the_booking_page_offers_to_move_or_cancel_with_a_message(client, offer):
    booking_id = offer.book(local(3, 12, offer.zone))

    response = client.get(f"/admin/bookings/{booking_id}")

    detail = page(response)
    assert detail.link("Move to another time") == f"/admin/bookings/{booking_id}/reschedule"
    cancel = detail.form("/cancel$")
    assert "message" in cancel["fields"]
    assert re.search(r'<textarea[^>]*maxlength="1000"', response.get_data(as_text=True))
    assert "We'll email" in text_of(response)


def test_the_practitioner_moves_a_booking_with_a_message(any_app, client, offer):
    booking_id = offer.book(local(3, 12, offer.zone))
    new_start = local(4, 9, offer.zone)

    times = client.get(page(client.get(f"/admin/bookings/{booking_id}")).link("Move to another time"))
    assert times.status_code == 200 and "Choose a day" in text_of(times)
    day_page = client.get(next(h for h, _ in page(times).links if f"day={new_start.astimezone(ZoneInfo(offer.zone)).date()}" in h))
    href, clock = next((h, t) for h, t in page(day_page).links if "/reschedule/confirm?" in h)
    assert clock == "09:00"  # in the practitioner's own zone
    confirm = client.get(href)
    assert confirm.status_code == 200
    form = page(confirm).form("/reschedule$")
    assert "message" in form["fields"]

    response = client.post(form["action"], data=form["fields"] | {"message": NOTE})

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/admin/bookings/{booking_id}")
    moved = stored(any_app, booking_id)
    assert (moved.starts_at, moved.sequence, moved.status) == (new_start, 1, BookingStatus.confirmed)
    emails = outbox(any_app, booking_id)
    previous = local(3, 12, offer.zone)
    assert f"has moved your appointment from {short_time(previous, 'Europe/London')}" in emails[MessageKind.booking_rescheduled]
    assert NOTE in emails[MessageKind.booking_rescheduled]
    assert f"You moved Hannah Brooks's session from {short_time(previous, offer.zone)}" in emails[MessageKind.practitioner_reschedule]
    assert f"is now on {long_instant(new_start, offer.zone)}" in text_of(client.get(response.headers["Location"]))


def test_the_practitioner_may_move_a_booking_inside_their_own_window(any_app, client, offer):
    soon = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) + timedelta(hours=3)
    booking_id = offer.book(soon)
    new_start = local(4, 10, offer.zone)

    detail = client.get(f"/admin/bookings/{booking_id}")
    response = client.post(f"/admin/bookings/{booking_id}/reschedule", data={"start": instant_for_url(new_start)})

    assert "within your 24-hour cancellation window" in text_of(detail)
    assert response.status_code == 303
    assert stored(any_app, booking_id).starts_at == new_start


def test_cancelling_with_a_message_passes_it_to_the_emails(any_app, client, offer):
    booking_id = offer.book(local(3, 12, offer.zone))

    response = client.post(f"/admin/bookings/{booking_id}/cancel", data={"message": NOTE})

    assert response.status_code == 303
    assert stored(any_app, booking_id).status is BookingStatus.cancelled
    emails = outbox(any_app, booking_id)
    assert set(emails) == {MessageKind.booking_cancelled, MessageKind.practitioner_cancellation}
    assert "has had to cancel your appointment" in emails[MessageKind.booking_cancelled]
    assert NOTE in emails[MessageKind.booking_cancelled]
    assert "You cancelled Hannah Brooks's session" in emails[MessageKind.practitioner_cancellation]
    assert NOTE in emails[MessageKind.practitioner_cancellation]


def test_the_practitioner_may_cancel_inside_their_own_window(any_app, client, offer):
    booking_id = offer.book(datetime.now(timezone.utc) + timedelta(hours=2))

    assert client.post(f"/admin/bookings/{booking_id}/cancel").status_code == 303
    assert stored(any_app, booking_id).status is BookingStatus.cancelled


def test_a_message_over_1000_characters_is_refused_when_cancelling(any_app, client, offer):
    booking_id = offer.book(local(3, 12, offer.zone))

    response = client.post(f"/admin/bookings/{booking_id}/cancel", data={"message": TEN_KB})

    assert response.status_code == 422
    assert "Please keep the message under 1000 characters." in text_of(response)
    assert re.search(r'<details class="cancel" open>', response.get_data(as_text=True))
    assert stored(any_app, booking_id).status is BookingStatus.confirmed
    assert outbox(any_app, booking_id) == {}


def test_a_message_over_1000_characters_is_refused_when_moving(any_app, client, offer):
    booking_id = offer.book(local(3, 12, offer.zone))

    response = client.post(
        f"/admin/bookings/{booking_id}/reschedule", data={"start": instant_for_url(local(4, 9, offer.zone)), "message": TEN_KB}
    )

    assert response.status_code == 422
    assert "Please keep the message under 1000 characters." in text_of(response)
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert (stored(any_app, booking_id).starts_at, stored(any_app, booking_id).sequence) == (local(3, 12, offer.zone), 0)
    assert outbox(any_app, booking_id) == {}


BAD_STARTS = {
    "missing": (None, 400, "Please choose a time from the list."),
    "garbage": ("garbage", 400, "Please choose a time from the list."),
    "off-grid": ("{off_grid}", 422, "That time isn't offered — please choose one of the times shown."),
    "taken": ("{taken}", 409, "That time was just taken — please choose another time."),
}


def test_bad_new_times_are_refused_and_change_nothing(any_app, client, offer, subtests):
    booking_id = offer.book(local(3, 12, offer.zone))
    taken = local(4, 10, offer.zone)
    offer.book(taken, client_email="sam@example.org")
    values = {"off_grid": instant_for_url(local(4, 10, offer.zone) + timedelta(minutes=17)), "taken": instant_for_url(taken)}
    for case, (start, status, message) in BAD_STARTS.items():
        with subtests.test(case):
            data = {} if start is None else {"start": start.format(**values)}
            posted = client.post(f"/admin/bookings/{booking_id}/reschedule", data=data | {"message": "Sorry!"})
            asked = client.get(f"/admin/bookings/{booking_id}/reschedule/confirm", query_string=data)

            for response in (posted, asked):
                assert response.status_code == status
                assert message in text_of(response)
                assert 'role="alert"' in response.get_data(as_text=True)
    assert (stored(any_app, booking_id).starts_at, stored(any_app, booking_id).sequence) == (local(3, 12, offer.zone), 0)
    assert outbox(any_app, booking_id) == {}


def test_the_bookings_own_time_is_not_offered_but_its_neighbours_are(client, offer):
    starts = local(3, 12, offer.zone)
    booking_id = offer.book(starts)

    response = client.get(f"/admin/bookings/{booking_id}/reschedule", query_string={"day": starts.astimezone(ZoneInfo(offer.zone)).date().isoformat()})

    offered = [parse_qs(urlsplit(h).query)["start"][0] for h, _ in page(response).links if "/reschedule/confirm?" in h]
    assert instant_for_url(starts) not in offered
    assert instant_for_url(starts + timedelta(hours=1)) in offered and instant_for_url(starts - timedelta(hours=1)) in offered


def test_a_past_booking_cannot_be_moved_or_cancelled(any_app, client, offer):
    booking_id = offer.book(local(-2, 12, offer.zone))

    detail = client.get(f"/admin/bookings/{booking_id}")
    responses = [
        client.get(f"/admin/bookings/{booking_id}/reschedule"),
        client.get(f"/admin/bookings/{booking_id}/reschedule/confirm", query_string={"start": instant_for_url(local(4, 9, offer.zone))}),
        client.post(f"/admin/bookings/{booking_id}/reschedule", data={"start": instant_for_url(local(4, 9, offer.zone))}),
        client.post(f"/admin/bookings/{booking_id}/cancel"),
    ]

    assert "Move to another time" not in text_of(detail) and "Yes, cancel this booking" not in text_of(detail)
    assert [r.status_code for r in responses] == [403] * 4
    assert all("This session has already started, so it can't be changed." in text_of(r) for r in responses)
    after = stored(any_app, booking_id)
    assert (after.status, after.starts_at) == (BookingStatus.confirmed, local(-2, 12, offer.zone))


def test_a_cancelled_booking_cannot_be_moved(any_app, client, offer):
    booking_id = offer.book(local(3, 12, offer.zone), status=BookingStatus.cancelled,
                            cancelled_at=datetime.now(timezone.utc), cancelled_by=ChangedBy.client)

    response = client.post(f"/admin/bookings/{booking_id}/reschedule", data={"start": instant_for_url(local(4, 9, offer.zone))})

    assert response.status_code == 403
    assert "This booking is cancelled, so it can't be changed." in text_of(response)
    assert stored(any_app, booking_id).starts_at == local(3, 12, offer.zone)
