"""The page a client lands on once booked: when, where and with whom, how to add it to a calendar,
what is still to do, and the private link that brings them back."""
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, abort, current_app, redirect, render_template, url_for

from practice.booking import calendar, service
from practice.booking.models import Booking
from practice.booking.recovery import booking_for_link, render_link_not_valid
from practice.booking.states import BookingStatus
from practice.catalog.models import LocationKind
from practice.security.token_links import keep_link_private

bp = Blueprint("booking_confirmation", __name__)

OPENSTREETMAP_SEARCH = "https://www.openstreetmap.org/search"


@dataclass(frozen=True)
class Place:
    """Where the session happens, as the booked page says it."""

    kind: LocationKind
    #: In person: the address, and a map search for it.
    address: str = ""
    map_url: str = ""
    #: By video: the link to press, when the practitioner gave one.
    video_url: str = ""
    #: By phone: the number the client gave, to be called on.
    call_on: str = ""
    #: What else the practitioner wrote: how a call is made, or a video room that is not a link.
    note: str = ""

    @property
    def in_person(self) -> bool:
        return self.kind is LocationKind.in_person

    @property
    def by_video(self) -> bool:
        return self.kind is LocationKind.video

    @property
    def by_phone(self) -> bool:
        return self.kind is LocationKind.phone


@bp.after_request
def _keep_link_private(response):
    # Every page here sits under the manage link, the client's only key to the booking.
    return keep_link_private(response)


@bp.get("/manage/<token>/booked")
def booked(token: str):
    booking = _booking_for(token)
    if booking.status is BookingStatus.held:
        # Not booked yet: the manage page says what the time is held for and what is left to do.
        return redirect(url_for("booking.manage", token=token))
    entry = calendar.entry_for(booking)
    return render_template(
        "booking/booked.html",
        booking=booking,
        token=token,
        place=place_of(booking),
        calendar_title=entry.title,
        google_url=calendar.google_calendar_url(entry),
        outlook_url=calendar.outlook_calendar_url(entry),
        private_url=service.manage_url(booking),
        change_details_url=url_for("manage_details.edit", token=token),
    )


@bp.get("/manage/<token>/calendar.ics")
def calendar_file(token: str):
    booking = _booking_for(token)
    if booking.status is not BookingStatus.confirmed:
        return redirect(url_for("booking.manage", token=token))
    organizer = calendar.organizer_address(booking.practice, current_app.config["MAIL_DEFAULT_SENDER"])
    ics = calendar.downloadable_calendar(booking, organizer=organizer, now=datetime.now(UTC))
    return Response(
        ics,
        content_type="text/calendar; charset=utf-8",
        # Never the service's name: a downloads folder is as shared as a calendar.
        headers={"Content-Disposition": 'attachment; filename="appointment.ics"'},
    )


def place_of(booking: Booking) -> Place:
    """Where the booking's session happens: the address, the video link, or the number to be called on."""
    offered = booking.service
    kind, detail = offered.location_kind, offered.location_detail.strip()
    if kind is LocationKind.in_person:
        address = detail or booking.practice.address.strip()
        return Place(kind, address=address, map_url=map_url(address) if address else "")
    if kind is LocationKind.video:
        video_url = calendar.video_link(offered)
        return Place(kind, video_url=video_url, note="" if video_url else detail)
    return Place(kind, call_on=booking.client.phone.strip(), note=detail)


def map_url(address: str) -> str:
    """An OpenStreetMap search for the address: no account, no tracking script, and no key to keep."""
    return f"{OPENSTREETMAP_SEARCH}?{urlencode({'query': address}, quote_via=quote)}"


def _booking_for(token: str) -> Booking:
    """The booking the link opens; the link-not-valid page when it opens nothing, or its client's details were erased."""
    booking = booking_for_link(token)
    if booking.client.erased_at is not None:
        abort(render_link_not_valid(booking.practice))
    return booking

