"""The dashboard, one booking, and cancelling it."""
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from practice.accounts.models import Practitioner
from practice.booking.models import Booking, BookingStatus
from practice.extensions import db
from practice.notifications.models import MessageKind, OutboxMessage, OutboxStatus
from practice.timeformats import weekday_and_date
from tests.factories import make_service


def local_noon(days_ahead: int, zone: str) -> datetime:
    """Noon, `days_ahead` local days from today in `zone`, as UTC: always in the future for days_ahead >= 1."""
    today = datetime.now(ZoneInfo(zone)).date()
    return datetime.combine(today + timedelta(days=days_ahead), datetime.min.time().replace(hour=12), tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)


def headings(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>|\s+", " ", h).split("·")[0].strip() for h in re.findall(r'<h2 id="day-[^"]+">(.*?)</h2>', html, re.S)]


def section(html: str, heading_id: str) -> str:
    start = html.index(f'<h2 id="{heading_id}">')
    return html[start:html.index("</section>", start)]


def test_dashboard_starts_with_today_even_when_nothing_is_booked(client, logged_in):
    html = client.get("/admin/").data.decode()

    assert headings(html)[0] == "Today"
    assert "Nothing booked today." in html


def test_dashboard_groups_bookings_by_day_in_the_practitioners_zone(app, client, logged_in, make_booking):
    zone = logged_in.timezone
    with app.app_context():
        offered = make_service(db.session.get(Practitioner, logged_in.id), name="Restorative massage")
        make_booking(offered, local_noon(3, zone), client_name="Priya Shah", preferred_name="Pri", pronouns="she/her")
        make_booking(offered, local_noon(1, zone), client_name="Sam Turner")
        make_booking(offered, local_noon(1, zone) + timedelta(hours=2), client_name="Alex Turner")

    html = client.get("/admin/").data.decode()

    later_day = datetime.now(ZoneInfo(zone)).date() + timedelta(days=3)
    assert headings(html) == ["Today", "Tomorrow", weekday_and_date(later_day)]
    tomorrow = section(html, f"day-{(later_day - timedelta(days=2)).isoformat()}")
    assert tomorrow.index("12:00–13:00") < tomorrow.index("Sam Turner") < tomorrow.index("14:00") < tomorrow.index("Alex Turner")
    later = section(html, f"day-{later_day.isoformat()}")
    assert "Pri" in later and "(she/her)" in later and "Restorative massage" in later and "Confirmed" in later


def test_dashboard_leaves_out_cancelled_bookings_but_lists_them_apart(app, client, logged_in, make_booking):
    with app.app_context():
        offered = make_service(db.session.get(Practitioner, logged_in.id))
        make_booking(offered, local_noon(1, logged_in.timezone), client_name="Hannah Brooks",
                     status=BookingStatus.cancelled, cancelled_at=datetime.now(timezone.utc), cancelled_by="client")

    html = client.get("/admin/").data.decode()

    assert headings(html) == ["Today"]
    assert "Cancelled in the last week (1)" in html
    assert "cancelled by the client" in html


def test_dashboard_shows_a_new_practice_what_to_do_next(client, logged_in):
    html = client.get("/admin/").data.decode()

    assert "Add and publish a service" in html and "Set the hours you" in html


def test_booking_detail_shows_the_client_and_times_in_the_practitioners_zone(app, client, logged_in, make_booking):
    starts = local_noon(2, logged_in.timezone)
    with app.app_context():
        offered = make_service(db.session.get(Practitioner, logged_in.id), name="Couples session")
        booking_id = make_booking(
            offered, starts, client_name="Sam Turner", client_phone="+44 7700 900123",
            client_note="First session.\nPlease use the side door.", client_timezone="Europe/London",
        ).id

    response = client.get(f"/admin/bookings/{booking_id}")

    html = response.data.decode()
    assert response.status_code == 200
    assert "Sam Turner" in html and "+44 7700 900123" in html and "Couples session" in html
    assert "First session.<br>Please use the side door." in html
    assert "at 12:00–13:00" in html  # noon in the practitioner's zone
    assert starts.astimezone(ZoneInfo("Europe/London")).strftime("at %H:%M") in html  # and in the client's
    assert response.headers["Cache-Control"] == "no-store"


def test_cancelling_a_booking_frees_it_and_says_so(app, client, logged_in, make_booking):
    with app.app_context():
        booking_id = make_booking(make_service(db.session.get(Practitioner, logged_in.id)), local_noon(2, logged_in.timezone)).id

    response = client.post(f"/admin/bookings/{booking_id}/cancel")

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/admin/bookings/{booking_id}")
    with app.app_context():
        cancelled = db.session.get(Booking, booking_id)
        assert cancelled.status is BookingStatus.cancelled
        assert cancelled.cancelled_by == "practitioner"
        assert cancelled.cancelled_at is not None
    assert "is cancelled" in client.get(response.headers["Location"]).data.decode()


def test_cancelling_twice_changes_nothing(app, client, logged_in, make_booking):
    with app.app_context():
        booking_id = make_booking(make_service(db.session.get(Practitioner, logged_in.id)), local_noon(2, logged_in.timezone)).id
    client.post(f"/admin/bookings/{booking_id}/cancel")
    with app.app_context():
        first = db.session.get(Booking, booking_id).cancelled_at

    response = client.post(f"/admin/bookings/{booking_id}/cancel")

    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Booking, booking_id).cancelled_at == first


def test_a_cancelled_booking_has_no_cancel_button(app, client, logged_in, make_booking):
    with app.app_context():
        booking_id = make_booking(
            make_service(db.session.get(Practitioner, logged_in.id)), local_noon(2, logged_in.timezone),
            status=BookingStatus.cancelled, cancelled_at=datetime.now(timezone.utc), cancelled_by="client",
        ).id

    html = client.get(f"/admin/bookings/{booking_id}").data.decode()

    assert "Yes, cancel this booking" not in html
    assert "cancelled by the client" in html


def test_an_unknown_booking_is_not_found(client, logged_in):
    assert client.get("/admin/bookings/999").status_code == 404


def test_dashboard_points_to_emails_that_could_not_be_sent(app, client, logged_in):
    with app.app_context():
        now = datetime.now(timezone.utc)
        for status in (OutboxStatus.failed, OutboxStatus.failed, OutboxStatus.sent):
            db.session.add(
                OutboxMessage(
                    kind=MessageKind.booking_confirmed, practitioner_id=logged_in.id, recipient="jo@example.org",
                    subject="Your appointment", body_text="", body_html="", status=status,
                    next_attempt_at=now, created_at=now,
                )
            )
        db.session.commit()

    html = client.get("/admin/").data.decode()

    assert "2 emails could not be sent." in html
    assert 'href="/admin/emails/"' in html


def test_dashboard_says_nothing_of_emails_when_all_went_out(client, logged_in):
    assert "could not be sent" not in client.get("/admin/").data.decode()
