"""Every email Tend sends, rendered from a .txt and an .html template pair."""
import re
from dataclasses import dataclass
from datetime import datetime

from babel.lists import format_list
from flask import render_template
from flask_babel import gettext as _
from flask_babel import ngettext

from practice.accounts.models import Practice, Practitioner
from practice.booking.calendar import video_link
from practice.booking.models import Booking
from practice.booking.states import ChangedBy, HoldReason
from practice.i18n import in_locale
from practice.timeformats import clock, formatting_locale, local_day, long_date, weekday_and_date, weekday_short_month_long
from practice.zones import zone_label

DEFAULT_ACCENT = "#2f6b5a"
HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}\Z")
#: OutboxMessage.subject's length.
SUBJECT_LIMIT = 300


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Sender:
    """Whose name, colour and address an email carries."""

    name: str
    accent: str
    contact_email: str


@dataclass(frozen=True)
class Appointment:
    """What an email may say about a booking, with times in one reader's zone.

    Built field by field, so no template can reach the client's note or intake answers;
    `service_name` is empty unless the practice chose to name services in emails.
    """

    client_name: str
    pronouns: str
    #: "Tuesday 3 March 2026, 10:00–11:00", for sentences.
    when: str
    #: "Tuesday 3 March 2026" and "10:00–11:00", for a narrow screen's two lines.
    day: str
    hours: str
    short_when: str
    #: "London time, UTC" or "hora de Londres, UTC": the reader's zone at the session's start.
    zone: str
    service_name: str
    location_label: str
    location_detail: str
    #: The video link, when there is one to press.
    location_url: str


@dataclass(frozen=True)
class IntakeInvitation:
    """What a client email may say about the booking's forms still to fill: how many, and the link.

    Their titles only when the practice names services in emails: a title such as "How you
    have been feeling (EPDS)" says as much as a service's name, and inboxes are often shared.
    """

    url: str
    count: int
    titles: tuple[str, ...] = ()

    @property
    def what(self) -> str:
        """The forms, for "Before your session, please fill in …", in the email's language."""
        if self.titles:
            # "“A”, “B” and “C”", "“A”, “B” y “C”": CLDR's list pattern for the email's locale.
            return format_list([f"“{title}”" for title in self.titles], locale=formatting_locale())
        return ngettext("a short form", "a few short forms", self.count)


def render_email(template: str, *, subject: str, practice: Sender, **context) -> RenderedEmail:
    """Render notifications/<template>.txt and .html with the same context."""
    # One line, whatever a name contains: a line break in a header could add headers of its own.
    subject = " ".join(subject.split())[:SUBJECT_LIMIT]
    context.update(subject=subject, practice=practice)
    return RenderedEmail(
        subject=subject,
        text=render_template(f"notifications/{template}.txt", **context),
        html=render_template(f"notifications/{template}.html", **context),
    )


def sender_of(practice: Practice) -> Sender:
    accent = practice.accent_colour or ""
    # The colour lands in style attributes: anything but #rrggbb could smuggle in other CSS.
    return Sender(
        name=practice.name,
        accent=accent.lower() if HEX_COLOUR.match(accent) else DEFAULT_ACCENT,
        contact_email=practice.contact_email,
    )


def appointment(booking: Booking, zone: str) -> Appointment:
    """The booking as one reader sees it, in `zone` and in the locale in force (an email's, via in_locale)."""
    service = booking.service
    day = long_date(local_day(booking.starts_at, zone))
    hours = f"{clock(booking.starts_at, zone)}–{clock(booking.ends_at, zone)}"
    return Appointment(
        client_name=booking.display_name,
        pronouns=booking.client.pronouns,
        when=f"{day}, {hours}",
        day=day,
        hours=hours,
        short_when=short_time(booking.starts_at, zone),
        zone=zone_label(zone, booking.starts_at),
        service_name="" if booking.practice.discreet_emails else service.name,
        # str(): a translated label is read now, in the email's language, not whenever it is shown.
        location_label=str(service.location_label),
        location_detail=service.location_detail,
        location_url=video_link(service),
    )


def short_time(instant: datetime, zone: str) -> str:
    """Tue 3 March, 10:00 — short enough for a subject line."""
    return f"{weekday_short_month_long(local_day(instant, zone))}, {clock(instant, zone)}"


def booking_confirmed(booking: Booking, *, manage_url: str, intake: IntakeInvitation | None = None) -> RenderedEmail:
    return _about(
        booking,
        "booking_confirmed",
        lambda appt: _("Your appointment with %(practice)s on %(when)s", practice=booking.practice.name, when=appt.short_when),
        manage_url=manage_url,
        intake=intake,
    )


def booking_rescheduled(booking: Booking, *, previous_start: datetime, by: ChangedBy, message: str, manage_url: str) -> RenderedEmail:
    return _about(
        booking,
        "booking_rescheduled",
        lambda appt: _("New time for your appointment with %(practice)s: %(when)s", practice=booking.practice.name, when=appt.short_when),
        previous_start=previous_start,
        by_client=by is ChangedBy.client,
        message=message,
        manage_url=manage_url,
    )


def booking_cancelled(booking: Booking, *, by: ChangedBy, message: str, rebook_url: str) -> RenderedEmail:
    return _about(
        booking,
        "booking_cancelled",
        lambda appt: _("Your appointment with %(practice)s on %(when)s is cancelled", practice=booking.practice.name, when=appt.short_when),
        by_client=by is ChangedBy.client,
        message=message,
        rebook_url=rebook_url,
    )


def hold_released(booking: Booking, *, rebook_url: str) -> RenderedEmail:
    return _about(
        booking,
        "hold_released",
        lambda appt: _("The time held for you with %(practice)s is free again", practice=booking.practice.name),
        rebook_url=rebook_url,
        email_hold=booking.hold_reason is HoldReason.email,
    )


def email_confirmation(booking: Booking, *, confirm_url: str, hold_ends: str) -> RenderedEmail:
    """To a first-time client: press to make the booking final; the time is held until `hold_ends` (in the client's formats)."""
    return _about(
        booking,
        "email_confirmation",
        lambda appt: _("Please confirm your booking with %(practice)s", practice=booking.practice.name),
        confirm_url=confirm_url,
        hold_ends=hold_ends,
    )


def payment_refunded(booking: Booking, *, amount: str, reason: str, rebook_url: str) -> RenderedEmail:
    """`reason` is a RefundReason value: the words differ for a late payment, a cancellation, or the practice's choice.

    `amount` is already formatted in the client's locale ("£20.00", "20,00 £").
    """
    return _about(
        booking,
        "payment_refunded",
        lambda appt: _("A refund of %(amount)s from %(practice)s", amount=amount, practice=booking.practice.name),
        amount=amount,
        reason=reason,
        rebook_url=rebook_url,
    )


def booking_reminder(booking: Booking, *, manage_url: str, intake: IntakeInvitation | None = None) -> RenderedEmail:
    return _about(
        booking,
        "booking_reminder",
        lambda appt: _("A reminder of your appointment with %(practice)s on %(when)s", practice=booking.practice.name, when=appt.short_when),
        manage_url=manage_url,
        intake=intake,
    )


def practitioner_new_booking(booking: Booking, *, booking_url: str) -> RenderedEmail:
    return _about(
        booking,
        "practitioner_new_booking",
        lambda appt: f"New booking: {appt.client_name}, {appt.short_when}",
        zone=booking.practice.timezone,
        client_email=booking.client.email,
        booking_url=booking_url,
    )


def practitioner_cancellation(booking: Booking, *, by: ChangedBy, message: str, booking_url: str) -> RenderedEmail:
    return _about(
        booking,
        "practitioner_cancellation",
        lambda appt: f"Cancelled: {appt.client_name}, {appt.short_when}",
        zone=booking.practice.timezone,
        by_client=by is ChangedBy.client,
        message=message,
        client_email=booking.client.email,
        booking_url=booking_url,
    )


def practitioner_reschedule(booking: Booking, *, previous_start: datetime, by: ChangedBy, message: str, booking_url: str) -> RenderedEmail:
    return _about(
        booking,
        "practitioner_reschedule",
        lambda appt: f"Moved: {appt.client_name}, now {appt.short_when}",
        zone=booking.practice.timezone,
        previous_start=previous_start,
        by_client=by is ChangedBy.client,
        message=message,
        client_email=booking.client.email,
        booking_url=booking_url,
    )


def intake_attention(booking: Booking, *, intake_url: str) -> RenderedEmail:
    """Tell the practitioner an intake needs reading before the session: when, and where to read it.

    Given the session's time (and the service's name, where the practice allows it) and
    nothing else: not the client's name, and not a word of what they answered, scored or were
    flagged for.
    """
    # Often built in the client's request, as they save a page: in the practitioner's English, not the client's language.
    with in_locale(None):
        appt = appointment(booking, booking.practice.timezone)
        return render_email(
            "intake_attention",
            subject=_named(f"An intake needs your attention before the session on {appt.short_when}", appt),
            practice=sender_of(booking.practice),
            session_when=appt.when,
            zone=appt.zone,
            service_name=appt.service_name,
            intake_url=intake_url,
        )


def password_reset(practitioner: Practitioner, *, reset_url: str) -> RenderedEmail:
    with in_locale(None):
        return render_email(
            "password_reset",
            subject="Reset your Tend password",
            practice=sender_of(practitioner.practice),
            practitioner_name=practitioner.name,
            reset_url=reset_url,
        )


def invitation(practice: Practice, *, invited_by: Practitioner, invitation_url: str, expires_at: datetime) -> RenderedEmail:
    with in_locale(None):
        return render_email(
            "invitation",
            subject=f"{invited_by.name} invites you to join {practice.name} on Tend",
            practice=sender_of(practice),
            inviter_name=invited_by.name,
            invitation_url=invitation_url,
            expires_on=weekday_and_date(local_day(expires_at, practice.timezone)),
        )


def _about(
    booking: Booking, template: str, subject, *, zone: str | None = None, previous_start: datetime | None = None, **context
) -> RenderedEmail:
    """An email about `booking`, its times in `zone` (the client's unless given); `subject(appt)` says what happened.

    To the client (no `zone`), in the language and formats they booked in; to the practitioner, in the default,
    whichever visitor's request or worker builds it. A moved booking's `previous_start` is given to the
    template as `previous_when`, in the same zone and formats.
    """
    with in_locale(booking.locale if zone is None else None):
        zone = zone or booking.client_timezone
        appt = appointment(booking, zone)
        if previous_start is not None:
            context["previous_when"] = short_time(previous_start, zone)
        return render_email(template, subject=_named(subject(appt), appt), practice=sender_of(booking.practice), appt=appt, **context)


def _named(subject: str, appt: Appointment) -> str:
    # Inboxes are often shared: the service is named only when the practice turned that on.
    return f"{subject} — {appt.service_name}" if appt.service_name else subject


def erasure_requested(practitioner: Practitioner, *, requests_url: str) -> RenderedEmail:
    """To the practitioner who confirms it: "a client" asked for erasure, and where to confirm. Nothing of who."""
    # Built in the client's request, from their manage link: in the practitioner's English.
    with in_locale(None):
        return render_email(
            "erasure_requested",
            subject=f"A client request is waiting in Tend — {practitioner.practice.name}",
            practice=sender_of(practitioner.practice),
            practitioner_name=practitioner.name,
            requests_url=requests_url,
        )
