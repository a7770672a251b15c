"""The .ics attached to client emails: parseable, in UTC, one stable UID per booking."""
from datetime import timedelta, timezone

import pytest
from icalendar import Calendar
from sqlalchemy import select

from practice.catalog.models import LocationKind
from practice.extensions import db
from practice.notifications import service
from practice.notifications.models import MessageKind, OutboxMessage
from practice.accounts.models import Role
from practice.booking.states import ChangedBy
from tests.factories import make_practitioner, make_service
from tests.notifications.email_samples import CLIENT_NOTE, NOW, PRACTICE_NAME, SERVICE_NAME, make_booked, make_stillwater, move
from tests.notifications.support import SENDER


def client_calendar(kind: MessageKind) -> Calendar:
    ics = db.session.scalars(select(OutboxMessage.ics).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id.desc())).first()
    return Calendar.from_ical(ics)


def only_event(calendar: Calendar):
    (event,) = calendar.walk("VEVENT")
    return event


def confirmed_event(booking):
    service.owe_booking_confirmed(booking, now=NOW)
    return only_event(client_calendar(MessageKind.booking_confirmed))


def test_confirmation_calendar_is_a_request_with_the_headers_calendars_need(app):
    with app.app_context():
        service.owe_booking_confirmed(make_booked(), now=NOW)

        calendar = client_calendar(MessageKind.booking_confirmed)

        assert str(calendar["METHOD"]) == "REQUEST"
        assert str(calendar["VERSION"]) == "2.0"
        assert "Tend" in str(calendar["PRODID"])


def test_event_starts_and_ends_at_the_booking_times_in_utc(app):
    with app.app_context():
        booking = make_booked(client_timezone="America/Toronto")

        event = confirmed_event(booking)

        assert event.decoded("DTSTART") == booking.starts_at
        assert event.decoded("DTSTART").utcoffset() == timedelta(0)
        assert event.decoded("DTEND") == booking.ends_at
        assert event.decoded("DTSTAMP") == NOW
        assert event.to_ical().decode().count("DTSTART:20260303T100000Z") == 1


def test_event_uid_is_the_bookings_public_id(app):
    with app.app_context():
        booking = make_booked()

        event = confirmed_event(booking)

        assert str(event["UID"]) == f"{booking.public_id}@tend"
        assert int(event["SEQUENCE"]) == 0


def test_event_is_confirmed_with_the_practice_as_organizer(app):
    with app.app_context():
        booking = make_booked()

        event = confirmed_event(booking)

        assert str(event["STATUS"]) == "CONFIRMED"
        assert str(event["ORGANIZER"]) == "mailto:hello@stillwater.example"
        assert event["ORGANIZER"].params["CN"] == PRACTICE_NAME
        assert booking.practitioner.email not in event.to_ical().decode()


def test_a_team_members_booking_is_organised_by_the_practice_not_by_them(app):
    with app.app_context():
        owner = make_stillwater()
        colleague = make_practitioner(owner.practice, role=Role.practitioner, email="rowan@stillwater.example")

        event = confirmed_event(make_booked(colleague))

        assert str(event["ORGANIZER"]) == "mailto:hello@stillwater.example"
        assert event["ORGANIZER"].params["CN"] == PRACTICE_NAME
        assert "rowan@stillwater.example" not in event.to_ical().decode()


def test_event_points_to_the_email_for_changes_without_a_link(app):
    with app.app_context():
        event = confirmed_event(make_booked())

        assert "URL" not in event
        assert str(event["DESCRIPTION"]) == "To change or cancel this appointment, use the link in your confirmation email."


def test_no_calendar_carries_the_manage_link_or_its_token(app):
    # Calendars are shared more often than inboxes; whoever holds the link can cancel.
    with app.app_context():
        booking = make_booked()
        manage_url = service.manage_url_for(booking)
        token = manage_url.rsplit("/", 1)[1]
        service.owe_booking_confirmed(booking, now=NOW)
        previous_start = move(booking, timedelta(days=1))
        service.owe_booking_rescheduled(booking, previous_start=previous_start, now=NOW, by=ChangedBy.client)
        booking.sequence += 1
        service.owe_booking_cancelled(booking, now=NOW, by=ChangedBy.client)

        calendars = db.session.execute(select(OutboxMessage.kind, OutboxMessage.ics).where(OutboxMessage.ics.is_not(None))).all()

        assert {kind for kind, _ in calendars} == {
            MessageKind.booking_confirmed, MessageKind.booking_rescheduled, MessageKind.booking_cancelled,
        }
        for _, ics in calendars:
            unfolded = ics.replace("\r\n ", "")
            assert token not in unfolded
            assert manage_url not in unfolded
            assert "/manage/" not in unfolded
            assert "URL" not in only_event(Calendar.from_ical(ics))


def test_organizer_falls_back_to_the_sending_address_without_a_contact_address(app):
    with app.app_context():
        practitioner = make_stillwater(contact_email="")

        event = confirmed_event(make_booked(practitioner))

        assert str(event["ORGANIZER"]) == f"mailto:{SENDER}"
        assert event["ORGANIZER"].params["CN"] == PRACTICE_NAME
        assert practitioner.email not in event.to_ical().decode()


def test_the_fallback_organizer_is_the_sending_address_without_its_display_name(make_app, tmp_path):
    app = make_app(MAIL_SERVER="", MAIL_DEFAULT_SENDER=f"Tend bookings <{SENDER}>", MAIL_FILE_DIR=str(tmp_path / "mail"))
    with app.app_context():
        event = confirmed_event(make_booked(make_stillwater(contact_email="")))

        assert str(event["ORGANIZER"]) == f"mailto:{SENDER}"


def test_calendar_title_names_the_practice_not_the_service(app):
    with app.app_context():
        event = confirmed_event(make_booked())

        assert str(event["SUMMARY"]) == f"Appointment with {PRACTICE_NAME}"
        assert SERVICE_NAME not in event.to_ical().decode()


def test_calendar_title_names_the_service_when_the_practice_allows(app):
    with app.app_context():
        event = confirmed_event(make_booked(make_stillwater(discreet_emails=False)))

        assert str(event["SUMMARY"]) == f"{SERVICE_NAME} with {PRACTICE_NAME}"


@pytest.mark.parametrize(
    ("kind", "detail", "location"),
    [
        (LocationKind.in_person, "14 Alder Lane, Bristol", "14 Alder Lane, Bristol"),
        (LocationKind.video, "https://meet.example.org/stillwater", "Video call: https://meet.example.org/stillwater"),
        (LocationKind.phone, "0117 496 0000", "Phone call: 0117 496 0000"),
        (LocationKind.video, "", "Video call"),
    ],
    ids=["address", "video-link", "phone", "video-without-link"],
)
def test_location_says_where_or_how_to_join(app, kind, detail, location):
    with app.app_context():
        practitioner = make_stillwater()
        offered = make_service(practitioner, location_kind=kind, location_detail=detail)

        event = confirmed_event(make_booked(practitioner, service=offered))

        assert str(event["LOCATION"]) == location


def test_calendar_never_carries_the_clients_note(app):
    with app.app_context():
        booking = make_booked()
        service.owe_booking_confirmed(booking, now=NOW)
        booking.sequence += 1
        service.owe_booking_rescheduled(booking, previous_start=booking.starts_at, now=NOW, by=ChangedBy.client)
        service.owe_booking_cancelled(booking, now=NOW, by=ChangedBy.client)

        for ics in db.session.scalars(select(OutboxMessage.ics).where(OutboxMessage.ics.is_not(None))):
            assert CLIENT_NOTE not in Calendar.from_ical(ics).to_ical().decode()
            assert "PRIVATE-NOTE" not in ics


def test_uid_stays_and_sequence_rises_through_reschedule_and_cancel(app):
    with app.app_context():
        booking = make_booked()
        service.owe_booking_confirmed(booking, now=NOW)
        confirmed = only_event(client_calendar(MessageKind.booking_confirmed))

        previous_start = move(booking, timedelta(days=1))
        service.owe_booking_rescheduled(booking, previous_start=previous_start, now=NOW, by=ChangedBy.client)
        rescheduled = only_event(client_calendar(MessageKind.booking_rescheduled))

        booking.sequence += 1
        service.owe_booking_cancelled(booking, now=NOW, by=ChangedBy.client)
        cancelled_calendar = client_calendar(MessageKind.booking_cancelled)
        cancelled = only_event(cancelled_calendar)

        assert str(confirmed["UID"]) == str(rescheduled["UID"]) == str(cancelled["UID"])
        assert int(confirmed["SEQUENCE"]) < int(rescheduled["SEQUENCE"]) < int(cancelled["SEQUENCE"])
        assert rescheduled.decoded("DTSTART") == previous_start + timedelta(days=1)
        assert str(client_calendar(MessageKind.booking_rescheduled)["METHOD"]) == "REQUEST"


def test_cancellation_calendar_is_a_cancel_with_the_bookings_sequence(app):
    with app.app_context():
        booking = make_booked(sequence=3)

        service.owe_booking_cancelled(booking, now=NOW, by=ChangedBy.practitioner)
        calendar = client_calendar(MessageKind.booking_cancelled)
        event = only_event(calendar)

        assert str(calendar["METHOD"]) == "CANCEL"
        assert str(event["STATUS"]) == "CANCELLED"
        assert int(event["SEQUENCE"]) == 3
        assert "URL" not in event
        assert event.decoded("DTSTART").astimezone(timezone.utc) == booking.starts_at


def test_practitioner_notices_carry_no_calendar(app):
    with app.app_context():
        service.owe_booking_confirmed(make_booked(), now=NOW)

        notice = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == MessageKind.practitioner_new_booking))

        assert notice.ics is None
