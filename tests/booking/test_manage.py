"""The client's manage link: change the time or cancel, with links and forms only, and the window that closes both."""
import html
import re
from datetime import datetime, time, timedelta, timezone
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from practice.booking.models import Booking, BookingStatus
from practice.booking.service import manage_token
from practice.booking.states import ChangedBy
from practice.catalog.models import Service
from practice.extensions import db
from practice.notifications.models import MessageKind, OutboxMessage
from practice.timeformats import instant_for_url, long_instant
from tests.booking.test_bad_input import tampered_tokens
from tests.booking.test_views import page
from tests.factories import make_booking, make_practitioner, make_service, make_weekly_hours

ZONE = "Europe/London"
CLIENT_ZONE = "America/New_York"
POLICY = (
    "Changes can be made up to 24 hours before your session. "
    "To change it now, please contact Stillwater Practice at"
)


def london(days: int, hour: int, minute: int = 0) -> datetime:
    """`days` after today at hour:minute London time, as aware UTC."""
    day = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), ZoneInfo(ZONE)).astimezone(timezone.utc)


@pytest.fixture
def client(any_app):
    """A browser without JavaScript, on SQLite and then on PostgreSQL."""
    return any_app.test_client()


@pytest.fixture
def practice(any_app):
    with any_app.app_context():
        practitioner = make_practitioner(
            timezone=ZONE, practice_name="Stillwater Practice", contact_email="hello@stillwater.example"
        )
        make_weekly_hours(practitioner)
        service = make_service(practitioner, name="Restorative massage", slot_step_minutes=30)
        return SimpleNamespace(practitioner_id=practitioner.id, service_id=service.id, slug=practitioner.slug)


@pytest.fixture
def booking_at(any_app, practice):
    """booking_at(starts_at, **overrides) → a booking of Jo's (who chose New York time), its id and manage path."""

    def build(starts_at: datetime, **overrides) -> SimpleNamespace:
        with any_app.app_context():
            details = dict(client_name="Jo Rivers", client_email="jo@example.org", client_timezone=CLIENT_ZONE)
            booking = make_booking(db.session.get(Service, practice.service_id), starts_at, **details | overrides)
            token = manage_token(booking, any_app.config["SECRET_KEY"])
            return SimpleNamespace(
                id=booking.id, public_id=booking.public_id, token=token, path=f"/manage/{token}", starts_at=starts_at
            )

    return build


def stored(app, booking_id: int) -> SimpleNamespace:
    with app.app_context():
        booking = db.session.get(Booking, booking_id)
        return SimpleNamespace(starts_at=booking.starts_at, status=booking.status, sequence=booking.sequence)


def emails_owed(app, booking_id: int) -> list[MessageKind]:
    with app.app_context():
        return sorted(db.session.scalars(select(OutboxMessage.kind).where(OutboxMessage.booking_id == booking_id)), key=str)


def time_links(response) -> list[tuple[str, str]]:
    return [(href, text) for href, text in page(response).links if "/reschedule/confirm?" in href]


def starts_offered(response) -> list[str]:
    return [parse_qs(urlsplit(href).query)["start"][0] for href, _ in time_links(response)]


def text_of(response) -> str:
    """The page's words, as a reader sees them."""
    words = re.sub(r"</?(a|strong|span)\b[^>]*>", "", response.get_data(as_text=True))
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", words).split()))


def first_clock(day, zone: str) -> datetime:
    """The practice's first hour (09:00 London) on the London date matching `day`, as UTC."""
    return datetime.combine(day, time(9), ZoneInfo(ZONE)).astimezone(timezone.utc)


# --- outside the window: both changes are offered --------------------------------------------

def test_the_manage_page_offers_to_change_the_time_and_to_cancel(client, booking_at):
    booking = booking_at(london(3, 10))

    response = client.get(booking.path)

    assert response.status_code == 200
    manage = page(response)
    assert manage.link("Change the time") == f"{booking.path}/reschedule"
    assert manage.form("/cancel$")["buttons"] == ["submit"]
    assert "Changes can be made up to" not in text_of(response)


def test_a_client_changes_the_time_with_links_and_forms_only(any_app, client, booking_at):
    booking = booking_at(london(3, 10))
    new_day = (datetime.now(ZoneInfo(CLIENT_ZONE)) + timedelta(days=4)).date()

    times_page = client.get(page(client.get(booking.path)).link("Change the time"))
    assert times_page.status_code == 200
    assert "Choose a new time" in text_of(times_page) and "Choose a day" in text_of(times_page)
    day_href = next(href for href, _ in page(times_page).links if f"day={new_day.isoformat()}" in href)
    day_page = client.get(day_href)
    href, clock = time_links(day_page)[0]
    new_start = first_clock(new_day, CLIENT_ZONE)
    # Shown in the zone the client booked in, then the practice's: "05:00, 10:00 in London".
    assert clock.split(",")[0] == f"{new_start.astimezone(ZoneInfo(CLIENT_ZONE)):%H:%M}"
    confirm_page = client.get(href)
    assert confirm_page.status_code == 200
    assert "Check the new time" in text_of(confirm_page)
    form = page(confirm_page).form("/reschedule$")
    assert form["method"] == "post" and form["buttons"] == ["submit"]

    response = client.post(form["action"], data=form["fields"])

    assert response.status_code == 303
    assert urlsplit(response.location).path == booking.path
    moved = stored(any_app, booking.id)
    assert (moved.starts_at, moved.sequence, moved.status) == (new_start, 1, BookingStatus.confirmed)
    manage = text_of(client.get(response.location))
    assert f"Your session is now on {long_instant(new_start, CLIENT_ZONE)}. We'll email you the new time, too." in manage
    assert emails_owed(any_app, booking.id) == sorted([MessageKind.booking_rescheduled, MessageKind.practitioner_reschedule], key=str)


def test_times_to_move_to_follow_a_chosen_zone(client, booking_at):
    booking = booking_at(london(3, 10))
    day = (datetime.now(ZoneInfo("Asia/Kolkata")) + timedelta(days=4)).date()

    response = client.get(f"{booking.path}/reschedule", query_string={"tz": "Asia/Kolkata", "day": day.isoformat()})

    first = first_clock(day, "Asia/Kolkata").astimezone(ZoneInfo("Asia/Kolkata"))
    # Each link reads "14:30, 09:00 in London": the chosen zone's clock, then the practice's.
    assert [clock.split(",")[0] for _, clock in time_links(response)][:2] == [f"{first:%H:%M}", f"{first + timedelta(minutes=30):%H:%M}"]
    assert "Shown in Kolkata time, UTC+5:30" in text_of(response)
    assert all(parse_qs(urlsplit(href).query)["tz"] == ["Asia/Kolkata"] for href, _ in time_links(response))


def test_the_current_time_is_not_offered_but_the_step_next_to_it_is(client, booking_at):
    booking = booking_at(london(3, 10))

    response = client.get(f"{booking.path}/reschedule", query_string={"day": london(3, 10).astimezone(ZoneInfo(CLIENT_ZONE)).date().isoformat()})

    offered = starts_offered(response)
    assert instant_for_url(booking.starts_at) not in offered
    assert instant_for_url(booking.starts_at + timedelta(minutes=30)) in offered
    assert instant_for_url(booking.starts_at - timedelta(minutes=30)) in offered


def test_moving_by_half_an_hour_into_its_own_hour_works(any_app, client, booking_at):
    booking = booking_at(london(3, 10))
    later = booking.starts_at + timedelta(minutes=30)

    response = client.post(f"{booking.path}/reschedule", data={"start": instant_for_url(later), "timezone": ZONE})

    assert response.status_code == 303
    assert stored(any_app, booking.id).starts_at == later


def test_cancel_still_has_its_confirm_step(client, booking_at):
    booking = booking_at(london(3, 10))

    html = client.get(booking.path).get_data(as_text=True)

    assert re.search(r'<details class="cancel">\s*<summary>Cancel this booking</summary>', html)


# --- refusals: nothing changes --------------------------------------------------------------

def test_moving_to_a_just_taken_time_is_a_409_and_changes_nothing(any_app, client, booking_at):
    booking = booking_at(london(3, 10))
    taken = booking_at(london(3, 14), client_email="sam@example.org")

    response = client.post(f"{booking.path}/reschedule", data={"start": instant_for_url(taken.starts_at), "timezone": ZONE})

    assert response.status_code == 409
    assert "just taken — please choose another time" in response.get_data(as_text=True)
    assert "Choose a day" in text_of(response)
    assert (stored(any_app, booking.id).starts_at, stored(any_app, booking.id).sequence) == (booking.starts_at, 0)
    assert emails_owed(any_app, booking.id) == []


def test_confirming_a_taken_time_says_so_before_asking(client, booking_at):
    booking = booking_at(london(3, 10))
    taken = booking_at(london(3, 14), client_email="sam@example.org")

    response = client.get(f"{booking.path}/reschedule/confirm", query_string={"start": instant_for_url(taken.starts_at)})

    assert response.status_code == 409
    assert "just taken" in response.get_data(as_text=True)


BAD_STARTS = {
    "missing": (None, 400, "Please choose a time from the list."),
    "garbage": ("garbage", 400, "Please choose a time from the list."),
    "no offset": ("2031-01-01T10:00", 400, "Please choose a time from the list."),
    "5000 digits": ("1" * 5000, 400, "Please choose a time from the list."),
    "off-grid": ("{off_grid}", 422, "That time isn't offered — please choose one of the times shown."),
    "outside hours": ("{night}", 422, "That time isn't offered — please choose one of the times shown."),
    "in the past": ("{past}", 422, "That time has already passed — please choose another time."),
    "its own time": ("{own}", 422, "Your session is already at that time — please choose a different time."),
}


def test_bad_new_times_are_refused_with_a_message_and_change_nothing(any_app, client, booking_at, subtests):
    booking = booking_at(london(3, 10))
    values = {
        "off_grid": instant_for_url(london(4, 10, 17)), "night": instant_for_url(london(4, 3)),
        "past": instant_for_url(london(-1, 10)), "own": instant_for_url(booking.starts_at),
    }
    for case, (start, status, message) in BAD_STARTS.items():
        with subtests.test(case):
            data = {"timezone": ZONE} | ({} if start is None else {"start": start.format(**values)})
            posted = client.post(f"{booking.path}/reschedule", data=data)
            asked = client.get(f"{booking.path}/reschedule/confirm", query_string={k: v for k, v in data.items() if k == "start"})

            for response in (posted, asked):
                assert response.status_code == status
                assert message in text_of(response)
                assert 'role="alert"' in response.get_data(as_text=True)
    assert (stored(any_app, booking.id).starts_at, stored(any_app, booking.id).sequence) == (booking.starts_at, 0)
    assert emails_owed(any_app, booking.id) == []


@pytest.mark.parametrize("zone", ["x" * 5000, "Mars/Olympus", "../../etc/passwd"])
def test_an_unknown_zone_falls_back_to_the_one_the_client_booked_in(client, booking_at, zone):
    booking = booking_at(london(3, 10))
    day = (datetime.now(ZoneInfo(CLIENT_ZONE)) + timedelta(days=4)).date()

    response = client.get(f"{booking.path}/reschedule", query_string={"tz": zone, "day": day.isoformat()})

    assert response.status_code == 200
    assert "Shown in New York time, UTC" in text_of(response)


def test_tampered_tokens_are_404_on_every_change_route(any_app, client, booking_at, subtests):
    booking = booking_at(london(3, 10))
    start = instant_for_url(london(4, 10))
    for case, token in tampered_tokens(booking).items():
        with subtests.test(case):
            responses = [
                client.get(f"/manage/{token}/reschedule"),
                client.get(f"/manage/{token}/reschedule/confirm", query_string={"start": start}),
                client.post(f"/manage/{token}/reschedule", data={"start": start, "timezone": ZONE}),
                client.post(f"/manage/{token}/cancel"),
            ]
            assert [r.status_code for r in responses] == [404] * 4
            assert all("This link doesn't work any more" in r.get_data(as_text=True) for r in responses)
    assert (stored(any_app, booking.id).starts_at, stored(any_app, booking.id).status) == (booking.starts_at, BookingStatus.confirmed)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_move_form_carries_a_csrf_token_and_is_refused_without_one(make_app, backend):
    app = make_app(backend, WTF_CSRF_ENABLED=True)
    with app.app_context():
        practitioner = make_practitioner(timezone=ZONE)
        make_weekly_hours(practitioner)
        starts = london(3, 10)
        booking = make_booking(make_service(practitioner), starts, client_timezone=ZONE)
        path, booking_id = f"/manage/{manage_token(booking, app.config['SECRET_KEY'])}", booking.id

    client = app.test_client()
    new_start = london(4, 10)

    refused = client.post(f"{path}/reschedule", data={"start": instant_for_url(new_start), "timezone": ZONE})

    assert refused.status_code == 400
    assert "This form has expired" in refused.get_data(as_text=True)
    assert stored(app, booking_id).starts_at == starts
    form = page(client.get(f"{path}/reschedule/confirm", query_string={"start": instant_for_url(new_start)})).form("/reschedule$")
    assert form["fields"]["csrf_token"]
    assert client.post(form["action"], data=form["fields"]).status_code == 303
    assert stored(app, booking_id).starts_at == new_start


# --- inside the window: the policy instead of buttons ----------------------------------------

def test_inside_the_window_the_page_shows_the_policy_and_no_buttons(client, booking_at):
    booking = booking_at(datetime.now(timezone.utc) + timedelta(hours=5))

    response = client.get(booking.path)

    assert response.status_code == 200
    text = text_of(response)
    assert POLICY + " hello@stillwater.example." in text
    assert 'href="mailto:hello@stillwater.example"' in response.get_data(as_text=True)
    manage = page(response)
    assert not manage.forms
    assert not [text for _, text in manage.links if "Change the time" in text]
    assert "Cancel this booking" not in text


def test_inside_the_window_every_change_route_refuses_with_403(any_app, client, booking_at, subtests):
    booking = booking_at(datetime.now(timezone.utc) + timedelta(hours=5))
    start = instant_for_url(london(4, 10))
    requests = {
        "cancel": lambda: client.post(f"{booking.path}/cancel"),
        "choose a time": lambda: client.get(f"{booking.path}/reschedule"),
        "confirm a time": lambda: client.get(f"{booking.path}/reschedule/confirm", query_string={"start": start}),
        "move": lambda: client.post(f"{booking.path}/reschedule", data={"start": start, "timezone": ZONE}),
    }
    for case, send in requests.items():
        with subtests.test(case):
            response = send()

            assert response.status_code == 403
            assert POLICY in text_of(response)
            assert 'role="alert"' in response.get_data(as_text=True)
    after = stored(any_app, booking.id)
    assert (after.status, after.starts_at, after.sequence) == (BookingStatus.confirmed, booking.starts_at, 0)
    assert emails_owed(any_app, booking.id) == []


def test_a_past_session_cannot_be_changed_at_all(any_app, client, booking_at):
    booking = booking_at(london(-2, 10))

    shown = client.get(booking.path)
    cancelled = client.post(f"{booking.path}/cancel")
    moved = client.post(f"{booking.path}/reschedule", data={"start": instant_for_url(london(4, 10)), "timezone": ZONE})

    assert shown.status_code == 200
    assert not page(shown).forms and "Change the time" not in text_of(shown)
    assert "can no longer be changed here" in text_of(shown)
    assert (cancelled.status_code, moved.status_code) == (403, 403)
    assert "already started" in text_of(moved)
    after = stored(any_app, booking.id)
    assert (after.status, after.starts_at) == (BookingStatus.confirmed, booking.starts_at)


def test_a_cancelled_booking_cannot_be_moved(any_app, client, booking_at):
    booking = booking_at(london(3, 10), status=BookingStatus.cancelled, cancelled_at=datetime.now(timezone.utc), cancelled_by=ChangedBy.client)

    response = client.post(f"{booking.path}/reschedule", data={"start": instant_for_url(london(4, 10)), "timezone": ZONE})

    assert response.status_code == 403
    assert "This booking is cancelled, so it can't be changed." in text_of(response)
    assert stored(any_app, booking.id).starts_at == booking.starts_at
    with any_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
