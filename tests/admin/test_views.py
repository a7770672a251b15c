"""The dashboard, one booking, and cancelling it."""
import html as html_text
import re
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from practice.accounts.models import Practice, Practitioner
from practice.booking.models import Booking, BookingStatus
from practice.extensions import db
from practice.notifications.models import OutboxStatus
from practice.security.models import AuditAction, AuditEvent
from practice.timeformats import weekday_and_date
from practice.booking.states import ChangedBy
from tests.factories import log_in_as, make_booking, make_outbox_message, make_practitioner, make_service

PHONE = "+44 7700 900123"
NOTE = "First session.\nPlease use the side door."


def local_noon(days_ahead: int, zone: str) -> datetime:
    """Noon, `days_ahead` local days from today in `zone`, as UTC: always in the future for days_ahead >= 1."""
    today = datetime.now(ZoneInfo(zone)).date()
    return datetime.combine(today + timedelta(days=days_ahead), datetime.min.time().replace(hour=12), tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)


def day_id(days_ahead: int, zone: str) -> str:
    return f"day-{(datetime.now(ZoneInfo(zone)).date() + timedelta(days=days_ahead)).isoformat()}"


def headings(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>|\s+", " ", h).split("·")[0].strip() for h in re.findall(r'<h2 id="day-[^"]+">(.*?)</h2>', html, re.S)]


def section(html: str, heading_id: str) -> str:
    start = html.index(f'<h2 id="{heading_id}">')
    return html[start:html.index("</section>", start)]


def described(html: str) -> dict[str, str]:
    """The page's description lists as {term: text}, tags dropped and spaces collapsed."""
    return {
        term: html_text.unescape(" ".join(re.sub(r"<[^>]+>", " ", detail).split()))
        for term, detail in re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", html, re.S)
    }


def heading(html: str) -> str:
    return html_text.unescape(re.search(r"<h1>(.*?)</h1>", html, re.S).group(1))


def practitioner(row) -> Practitioner:
    return db.session.get(Practitioner, row.id)


def sealed_reads(app) -> list[AuditEvent]:
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.sealed_read)).all()
        db.session.expunge_all()
        return events


@pytest.fixture
def colleague(any_app, logged_in):
    """A practitioner of the logged-in owner's practice, logged in on a test client of their own."""
    with any_app.app_context():
        created = make_practitioner(db.session.get(Practice, logged_in.practice_id), name="Imogen Reyes")
        client = any_app.test_client()
        log_in_as(client, created)
        return SimpleNamespace(id=created.id, client=client)


@pytest.fixture
def booked_by_both(any_app, logged_in, colleague):
    """Tomorrow, a booking with the owner at noon and one with their colleague at 14:00; cancelled, one more of the owner's."""
    zone = logged_in.timezone
    with any_app.app_context():
        massage = make_service(practitioner(logged_in), name="Restorative massage")
        make_booking(massage, local_noon(1, zone), client_name="Sam Turner", client_email="sam@example.org")
        make_booking(make_service(practitioner(colleague), name="Couples session"), local_noon(1, zone) + timedelta(hours=2),
                     client_name="Priya Shah", client_email="priya@example.org")
        make_booking(massage, local_noon(2, zone), client_name="Alex Turner", client_email="alex@example.org",
                     status=BookingStatus.cancelled, cancelled_at=datetime.now(timezone.utc), cancelled_by=ChangedBy.client)


def test_dashboard_starts_with_today_even_when_nothing_is_booked(client, logged_in):
    html = client.get("/admin/").data.decode()

    assert headings(html)[0] == "Today"
    assert "Nothing booked today." in html


def test_dashboard_groups_bookings_by_day_in_the_practices_zone(any_app, client, logged_in):
    zone = logged_in.timezone
    with any_app.app_context():
        offered = make_service(practitioner(logged_in), name="Restorative massage")
        make_booking(offered, local_noon(3, zone), client_name="Priya Shah", client_email="priya@example.org",
                     preferred_name="Pri", pronouns="she/her")
        make_booking(offered, local_noon(1, zone), client_name="Sam Turner", client_email="sam@example.org")
        make_booking(offered, local_noon(1, zone) + timedelta(hours=2), client_name="Alex Turner", client_email="alex@example.org")

    html = client.get("/admin/").data.decode()

    later_day = datetime.now(ZoneInfo(zone)).date() + timedelta(days=3)
    assert headings(html) == ["Today", "Tomorrow", weekday_and_date(later_day)]
    tomorrow = section(html, day_id(1, zone))
    assert tomorrow.index("12:00–13:00") < tomorrow.index("Sam Turner") < tomorrow.index("14:00") < tomorrow.index("Alex Turner")
    later = section(html, day_id(3, zone))
    assert "Pri" in later and "(she/her)" in later and "Restorative massage" in later and "Confirmed" in later


def test_the_owner_sees_the_whole_practices_bookings_each_with_its_practitioner(client, logged_in, booked_by_both):
    html = client.get("/admin/").data.decode()

    assert heading(html) == "The practice's bookings"
    tomorrow = section(html, day_id(1, logged_in.timezone))
    assert (
        tomorrow.index("Sam Turner") < tomorrow.index("with Rowan Hale")
        < tomorrow.index("Priya Shah") < tomorrow.index("with Imogen Reyes")
    )
    assert "Cancelled in the last week (1)" in html and "Alex Turner" in html


def test_a_practitioner_sees_only_their_own_bookings(colleague, booked_by_both):
    html = colleague.client.get("/admin/").data.decode()

    assert heading(html) == "Your bookings"
    assert "Priya Shah" in html and "Couples session" in html
    assert "Sam Turner" not in html and "Restorative massage" not in html
    assert "Cancelled in the last week" not in html and "Alex Turner" not in html
    assert "with Imogen Reyes" not in html  # their own bookings need no name


def test_dashboard_leaves_out_cancelled_bookings_but_lists_them_apart(any_app, client, logged_in):
    with any_app.app_context():
        offered = make_service(practitioner(logged_in))
        make_booking(offered, local_noon(1, logged_in.timezone), client_name="Hannah Brooks",
                     status=BookingStatus.cancelled, cancelled_at=datetime.now(timezone.utc), cancelled_by=ChangedBy.client)

    html = client.get("/admin/").data.decode()

    assert headings(html) == ["Today"]
    assert "Cancelled in the last week (1)" in html
    assert "cancelled by the client" in html


def test_dashboard_shows_a_new_practice_what_to_do_next(client, logged_in):
    html = client.get("/admin/").data.decode()

    assert "Add and publish a service" in html and "Set the hours you" in html


def test_booking_detail_shows_the_client_and_times_in_the_practices_zone(any_app, client, logged_in):
    starts = local_noon(2, logged_in.timezone)
    with any_app.app_context():
        offered = make_service(practitioner(logged_in), name="Couples session")
        booking_id = make_booking(
            offered, starts, client_name="Samuel Turner", client_email="Sam@Example.org", preferred_name="Sam",
            pronouns="he/him", client_phone=PHONE, client_note=NOTE, client_timezone="Europe/London",
        ).id

    response = client.get(f"/admin/bookings/{booking_id}")

    html = response.data.decode()
    assert response.status_code == 200
    shown = described(html)
    assert (shown["Name"], shown["Preferred name"], shown["Pronouns"]) == ("Samuel Turner", "Sam", "he/him")
    assert (shown["Email"], shown["Phone"]) == ("sam@example.org", PHONE)
    assert 'href="mailto:sam@example.org"' in html and 'href="tel:+447700900123"' in html
    assert "First session.<br>Please use the side door." in html
    assert "Couples session with Rowan Hale" in html
    assert "at 12:00–13:00" in html  # noon in the practice's zone
    assert starts.astimezone(ZoneInfo("Europe/London")).strftime("at %H:%M") in shown["The client's time"]
    assert response.headers["Cache-Control"] == "no-store"


def test_booking_detail_leaves_out_what_the_client_did_not_give(any_app, client, logged_in):
    with any_app.app_context():
        booking_id = make_booking(make_service(practitioner(logged_in)), local_noon(2, logged_in.timezone)).id

    shown = described(client.get(f"/admin/bookings/{booking_id}").data.decode())

    assert shown["Their note"] == "No note."
    assert not {"Preferred name", "Pronouns", "Phone"} & set(shown)


@pytest.mark.parametrize(
    ("phone", "note", "detail"),
    [(PHONE, "", "phone"), ("", NOTE, "note"), (PHONE, NOTE, "note, phone")],
    ids=["phone", "note", "both"],
)
def test_opening_a_booking_with_a_note_or_phone_is_audited_without_them(any_app, client, logged_in, phone, note, detail):
    with any_app.app_context():
        booking_id = make_booking(
            make_service(practitioner(logged_in)), local_noon(2, logged_in.timezone), client_phone=phone, client_note=note,
        ).id

    assert client.get(f"/admin/bookings/{booking_id}").status_code == 200

    [event] = sealed_reads(any_app)
    assert (event.practice_id, event.actor_id, event.object_type, event.object_id) == (
        logged_in.practice_id, logged_in.id, "booking", booking_id,
    )
    assert event.detail == detail  # the names of what was shown, never the phone number or the note


def test_opening_a_booking_with_neither_note_nor_phone_records_nothing(any_app, client, logged_in):
    with any_app.app_context():
        booking_id = make_booking(make_service(practitioner(logged_in)), local_noon(2, logged_in.timezone)).id

    assert client.get(f"/admin/bookings/{booking_id}").status_code == 200

    assert sealed_reads(any_app) == []


def test_the_owner_opens_a_practitioners_booking_and_the_read_is_recorded_as_theirs(any_app, client, logged_in, colleague):
    with any_app.app_context():
        booking_id = make_booking(
            make_service(practitioner(colleague), name="Couples session"), local_noon(2, logged_in.timezone),
            client_name="Priya Shah", client_email="priya@example.org", client_phone=PHONE,
        ).id

    response = client.get(f"/admin/bookings/{booking_id}")

    html = response.data.decode()
    assert response.status_code == 200
    assert "Couples session with Imogen Reyes" in html
    assert (described(html)["Name"], described(html)["Phone"]) == ("Priya Shah", PHONE)
    [event] = sealed_reads(any_app)
    assert (event.actor_id, event.object_id, event.detail) == (logged_in.id, booking_id, "phone")


def test_cancelling_a_booking_frees_it_and_says_so(any_app, client, logged_in):
    with any_app.app_context():
        booking_id = make_booking(make_service(practitioner(logged_in)), local_noon(2, logged_in.timezone)).id

    response = client.post(f"/admin/bookings/{booking_id}/cancel")

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/admin/bookings/{booking_id}")
    with any_app.app_context():
        cancelled = db.session.get(Booking, booking_id)
        assert cancelled.status is BookingStatus.cancelled
        assert cancelled.cancelled_by is ChangedBy.practitioner
        assert cancelled.cancelled_at is not None
    assert "is cancelled" in client.get(response.headers["Location"]).data.decode()


def test_cancelling_twice_changes_nothing(any_app, client, logged_in):
    with any_app.app_context():
        booking_id = make_booking(make_service(practitioner(logged_in)), local_noon(2, logged_in.timezone)).id
    client.post(f"/admin/bookings/{booking_id}/cancel")
    with any_app.app_context():
        first = db.session.get(Booking, booking_id).cancelled_at

    response = client.post(f"/admin/bookings/{booking_id}/cancel")

    assert response.status_code == 303
    with any_app.app_context():
        assert db.session.get(Booking, booking_id).cancelled_at == first


def test_a_cancelled_booking_has_no_cancel_button(any_app, client, logged_in):
    with any_app.app_context():
        booking_id = make_booking(
            make_service(practitioner(logged_in)), local_noon(2, logged_in.timezone),
            status=BookingStatus.cancelled, cancelled_at=datetime.now(timezone.utc), cancelled_by=ChangedBy.client,
        ).id

    html = client.get(f"/admin/bookings/{booking_id}").data.decode()

    assert "Yes, cancel this booking" not in html
    assert "cancelled by the client" in html


def test_an_unknown_booking_is_not_found(client, logged_in):
    assert client.get("/admin/bookings/999").status_code == 404


def test_dashboard_points_to_emails_that_could_not_be_sent(any_app, client, logged_in):
    with any_app.app_context():
        for status in (OutboxStatus.failed, OutboxStatus.failed, OutboxStatus.sent):
            make_outbox_message(practitioner(logged_in), status=status)

    html = client.get("/admin/").data.decode()

    assert "2 emails could not be sent." in html
    assert 'href="/admin/emails/"' in html


def test_dashboard_says_nothing_of_emails_when_all_went_out(client, logged_in):
    assert "could not be sent" not in client.get("/admin/").data.decode()
