"""The .ics a client's calendar reads: one event per booking, replaced in place by UID and SEQUENCE;
and the same event as an "add to calendar" link for Google Calendar and Outlook."""
import enum
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parseaddr
from urllib.parse import quote, urlencode

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from icalendar import Calendar, Event, vCalAddress

from practice.accounts.models import Practice
from practice.booking.models import Booking
from practice.catalog.models import LocationKind, Service

PRODID = "-//Tend//Bookings//EN"
#: What every calendar entry says in place of the manage link. Never the link itself: calendars
#: are shared with family and assistants far more often than inboxes, and Google and Microsoft
#: would hold it too; whoever holds the link can move or cancel the booking. In the locale in force
#: where it is read: the client's own (in_locale) for an emailed invitation, the page's for a link.
CHANGE_NOTE = lazy_gettext("To change or cancel this appointment, use the link in your confirmation email.")
GOOGLE_CALENDAR = "https://calendar.google.com/calendar/render"
OUTLOOK_CALENDAR = "https://outlook.live.com/calendar/0/deeplink/compose"


class CalendarMethod(enum.Enum):
    request = "REQUEST"
    cancel = "CANCEL"
    #: A file the client downloads from their booking page: nothing to answer, so no ATTENDEE (RFC 5546, 3.2.1).
    publish = "PUBLISH"


@dataclass(frozen=True)
class CalendarEntry:
    """What any calendar is told about a booking: a title already discreet, and never the manage link."""

    title: str
    location: str
    starts_at: datetime
    ends_at: datetime
    details: str


def event_uid(booking: Booking) -> str:
    # The public id, never the row id: a UID must not let anyone count a practice's bookings.
    return f"{booking.public_id}@tend"


def entry_for(booking: Booking) -> CalendarEntry:
    """The booking as a calendar entry, in the locale in force: the practice's name, and the service's only if the practice allows it."""
    return CalendarEntry(
        title=appointment_title(booking),
        location=location_text(booking.service),
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        details=str(CHANGE_NOTE),
    )


def appointment_title(booking: Booking) -> str:
    """The calendar title, in the locale in force: the practice, and the service only if the practice allows it."""
    practice = booking.practice.name
    if booking.practice.discreet_emails:
        return _("Appointment with %(practice)s", practice=practice)
    return _("%(service)s with %(practice)s", service=booking.service.name, practice=practice)


def location_text(service: Service) -> str:
    """One line for a calendar's LOCATION: the address, or how to join."""
    if not service.location_detail:
        return str(service.location_label)
    if service.location_kind is LocationKind.in_person:
        return service.location_detail
    return f"{service.location_label}: {service.location_detail}"


def video_link(service: Service) -> str:
    """The video link to press, when the detail is one whole web address; otherwise none."""
    detail = service.location_detail
    is_link = detail.startswith(("https://", "http://")) and not any(c.isspace() for c in detail)
    return detail if service.location_kind is LocationKind.video and is_link else ""


def organizer_address(practice: Practice, default_sender: str) -> str:
    """The practice's public address, never a practitioner's login; the sending address (without its name) if it has none."""
    return practice.contact_email or parseaddr(default_sender)[1]


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

    `summary` is already discreet (see appointment_title). Calendars match the event
    by UID and keep the highest SEQUENCE, so a reschedule or cancel replaces the old entry.
    The description is in the locale in force: wrap the call in in_locale(booking.locale) for a client's email.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method.value)
    calendar.add_component(_event(booking, method, summary, location, organizer, now))
    return calendar.to_ical().decode("utf-8")


def downloadable_calendar(booking: Booking, *, organizer: str, now: datetime) -> str:
    """The .ics the booking page offers: the emailed invitation's event (same UID and SEQUENCE), to add by hand."""
    entry = entry_for(booking)
    return booking_calendar(
        booking, method=CalendarMethod.publish, summary=entry.title, location=entry.location, organizer=organizer, now=now
    )


def google_calendar_url(entry: CalendarEntry) -> str:
    """Google Calendar's "create event" page, filled in with the entry."""
    return _link(
        GOOGLE_CALENDAR,
        {
            "action": "TEMPLATE",
            "text": entry.title,
            "dates": f"{_utc_stamp(entry.starts_at)}/{_utc_stamp(entry.ends_at)}",
            "details": entry.details,
            "location": entry.location,
        },
    )


def outlook_calendar_url(entry: CalendarEntry) -> str:
    """Outlook on the web's "new event" page, filled in with the entry."""
    return _link(
        OUTLOOK_CALENDAR,
        {
            "path": "/calendar/action/compose",
            "rru": "addevent",
            "subject": entry.title,
            "startdt": _utc_iso(entry.starts_at),
            "enddt": _utc_iso(entry.ends_at),
            "body": entry.details,
            "location": entry.location,
        },
    )


def _link(base: str, params: dict[str, str]) -> str:
    # %20 rather than +, which not every calendar reads as a space; "/" is left as Outlook documents its path.
    return f"{base}?{urlencode(params, quote_via=quote, safe='/')}"


def _utc_stamp(instant: datetime) -> str:
    return instant.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _utc_iso(instant: datetime) -> str:
    return instant.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


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
    if method is not CalendarMethod.publish:
        event.add("attendee", _attendee(booking))
    if method is CalendarMethod.cancel:
        event.add("status", "CANCELLED")
        event.add("description", _("This appointment is cancelled."))
    else:
        event.add("status", "CONFIRMED")
        event.add("description", str(CHANGE_NOTE))
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
