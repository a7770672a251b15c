"""The .ics a client's calendar reads: one event per booking, replaced in place by UID and SEQUENCE."""
import enum
from datetime import datetime, timezone

from icalendar import Calendar, Event, vCalAddress

from practice.booking.models import Booking

PRODID = "-//Tend//Bookings//EN"


class CalendarMethod(enum.Enum):
    request = "REQUEST"
    cancel = "CANCEL"


def event_uid(booking: Booking) -> str:
    # The public id, never the row id: a UID must not let anyone count a practice's bookings.
    return f"{booking.public_id}@tend"


def booking_calendar(
    booking: Booking,
    *,
    method: CalendarMethod,
    summary: str,
    location: str,
    organizer: str,
    now: datetime,
) -> str:
    """An iCalendar object holding one VEVENT for `booking`, as text with CRLF line endings.

    `summary` is already discreet (see emails.appointment_title). Calendars match the event
    by UID and keep the highest SEQUENCE, so a reschedule or cancel replaces the old entry.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method.value)
    calendar.add_component(_event(booking, method, summary, location, organizer, now))
    return calendar.to_ical().decode("utf-8")


def _event(booking: Booking, method: CalendarMethod, summary: str, location: str, organizer: str, now: datetime) -> Event:
    event = Event()
    event.add("uid", event_uid(booking))
    event.add("sequence", booking.sequence)
    event.add("dtstamp", now.astimezone(timezone.utc))
    event.add("dtstart", booking.starts_at.astimezone(timezone.utc))
    event.add("dtend", booking.ends_at.astimezone(timezone.utc))
    event.add("summary", summary)
    if location:
        event.add("location", location)
    event.add("organizer", _organizer(booking, organizer))
    event.add("attendee", _attendee(booking))
    if method is CalendarMethod.cancel:
        event.add("status", "CANCELLED")
        event.add("description", "This appointment is cancelled.")
    else:
        event.add("status", "CONFIRMED")
        # Never the manage link: calendars are shared with family and assistants far more
        # often than inboxes, and the link lets whoever holds it move or cancel the booking.
        event.add("description", "To change or cancel this appointment, use the link in your confirmation email.")
    return event


def _organizer(booking: Booking, address: str) -> vCalAddress:
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["cn"] = booking.practice.name
    return organizer


def _attendee(booking: Booking) -> vCalAddress:
    # RFC 5546 asks a REQUEST to name its attendee; RSVP off, since the booking is already made
    # and a reply would only land in the practice's inbox unexplained.
    attendee = vCalAddress(f"mailto:{booking.client.email}")
    attendee.params["cn"] = booking.display_name
    attendee.params["role"] = "REQ-PARTICIPANT"
    attendee.params["partstat"] = "ACCEPTED"
    attendee.params["rsvp"] = "FALSE"
    return attendee
