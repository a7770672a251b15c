"""The public booking pages: practice → service → day and time → details → confirm."""
from datetime import datetime, timedelta, timezone
from itertools import groupby

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from practice.booking import service
from practice.booking.forms import ClientDetailsForm
from practice.extensions import limiter
from practice.scheduling import service as scheduling
from practice.timeformats import (
    days_window,
    instant_for_url,
    is_known_timezone,
    known_timezones,
    local_day,
    parse_day,
    parse_instant,
)

bp = Blueprint("booking", __name__)

DAYS_SHOWN = 14
#: Row ids are 32-bit in PostgreSQL; a larger number names no service (and SQLite cannot bind it).
MAX_ID = 2**31 - 1


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _booking_rate_limit() -> str:
    return current_app.config["BOOKING_RATE_LIMIT"]


def _service_or_404(slug: str, service_id: int):
    found = service.published_service(slug, service_id) if service_id <= MAX_ID else None
    if found is None:
        abort(404)
    return found


def _client_zone(default: str) -> str:
    # Links carry the zone as ?tz=; the details and confirm forms as their timezone field.
    zone = request.values.get("tz") or request.form.get("timezone", "")
    return zone if is_known_timezone(zone) else default


@bp.get("/")
def practice_page():
    services = service.published_services()
    by_practitioner = [(p, list(group)) for p, group in groupby(services, key=lambda s: s.practitioner)]
    return render_template("booking/practice.html", by_practitioner=by_practitioner)


@bp.get("/book/<slug>")
def practitioner_page(slug: str):
    practitioner = service.practitioner_by_slug(slug)
    if practitioner is None:
        abort(404)
    services = [s for s in service.published_services() if s.practitioner_id == practitioner.id]
    return render_template("booking/practitioner.html", practitioner=practitioner, services=services)


@bp.get("/book/<slug>/<int:service_id>")
def service_page(slug: str, service_id: int):
    chosen = _service_or_404(slug, service_id)
    zone = _client_zone(chosen.practitioner.timezone)
    return _render_times(chosen, zone, status=200)


def _render_times(chosen, zone: str, status: int, message: str | None = None):
    now = _now()
    today = local_day(now, zone)
    first = parse_day(request.values.get("from"))
    first = first if first and today <= first <= today + timedelta(days=366) else today
    window_start, window_end = days_window(first, DAYS_SHOWN, zone)
    free = scheduling.open_slots(chosen, window_start, window_end, now)
    days = {day: list(group) for day, group in groupby(free, key=lambda slot: local_day(slot.start, zone))}
    day = parse_day(request.values.get("day"))
    return (
        render_template(
            "booking/service.html",
            service=chosen,
            zone=zone,
            zones=sorted(known_timezones()),
            days=days,
            day=day if day in days else None,
            first=first,
            later=first + timedelta(days=DAYS_SHOWN),
            earlier=max(today, first - timedelta(days=DAYS_SHOWN)) if first > today else None,
            message=message,
        ),
        status,
    )


@bp.route("/book/<slug>/<int:service_id>/details", methods=["GET", "POST"])
def details(slug: str, service_id: int):
    chosen = _service_or_404(slug, service_id)
    form = ClientDetailsForm()
    start = parse_instant(form.start.data or request.args.get("start"))
    zone = _client_zone(chosen.practitioner.timezone)
    if start is None:
        return _render_times(chosen, zone, 400, "Please choose a time from the list.")
    if request.method == "GET":
        form.start.data, form.timezone.data = instant_for_url(start), zone
        if scheduling.seats_left(chosen, start, _now()) < 1:
            if not scheduling.is_offered_when_free(chosen, start, _now()):
                return _render_times(chosen, zone, 422, "That time isn't offered — please choose one of the times shown.")
            return _render_times(chosen, zone, 409, "That time is no longer free — please choose another time.")
        return render_template("booking/details.html", service=chosen, form=form, start=start, zone=zone)
    try:
        client = service.client_details_from(form.data)
    except service.InvalidDetails as invalid:
        form.show_errors(invalid.field_errors)
        return render_template("booking/details.html", service=chosen, form=form, start=start, zone=zone, message=invalid.message), 422
    return render_template("booking/confirm.html", service=chosen, form=form, client=client, start=start, zone=client.timezone)


@bp.post("/book/<slug>/<int:service_id>/confirm")
@limiter.limit(_booking_rate_limit)
def confirm(slug: str, service_id: int):
    chosen = _service_or_404(slug, service_id)
    form = ClientDetailsForm()
    start = parse_instant(form.start.data)
    zone = _client_zone(chosen.practitioner.timezone)
    if start is None:
        return _render_times(chosen, zone, 400, "Please choose a time from the list.")
    try:
        client = service.client_details_from(form.data)
        booking = service.book(service_id=chosen.id, start=start, client=client, now=_now())
    except service.InvalidDetails as invalid:
        form.show_errors(invalid.field_errors)
        return render_template("booking/details.html", service=chosen, form=form, start=start, zone=zone, message=invalid.message), 422
    except service.SlotTaken as taken:
        return _render_times(chosen, zone, 409, taken.message)
    except service.BookingError as refused:
        return _render_times(chosen, zone, 422, refused.message)
    flash("You're booked. We've kept the details below — this page's link is yours to come back to.", "success")
    return redirect(service.manage_url(booking), code=303)


@bp.get("/manage/<token>")
def manage(token: str):
    booking = service.booking_for_manage_token(token, current_app.config["SECRET_KEY"])
    if booking is None:
        abort(404)
    return render_template("booking/manage.html", booking=booking, token=token)


@bp.post("/manage/<token>/cancel")
def cancel(token: str):
    booking = service.booking_for_manage_token(token, current_app.config["SECRET_KEY"])
    if booking is None:
        abort(404)
    service.cancel_booking(booking, by="client", now=_now())
    flash("Your booking is cancelled. You're welcome to book again whenever it feels right.", "success")
    return redirect(url_for("booking.manage", token=token), code=303)
