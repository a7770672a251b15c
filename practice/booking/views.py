"""The public booking pages: practice → service → day and time → details → confirm; and the manage link."""
import secrets
from datetime import datetime, timezone
from functools import partial
from itertools import groupby

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from practice.booking import service
from practice.booking.forms import ClientDetailsForm, RescheduleForm
from practice.booking.times import times_page
from practice.extensions import limiter
from practice.security.token_links import keep_link_private
from practice.sqltypes import MAX_ID
from practice.timeformats import (
    instant_for_url,
    known_timezones,
    long_instant,
    parse_day,
    parse_instant,
    zone_or,
)

bp = Blueprint("booking", __name__)


@bp.after_request
def _keep_manage_links_private(response):
    # The manage link is the client's only key to the booking: errors on it are kept private too.
    if request.path.startswith("/manage/"):
        keep_link_private(response)
    return response


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _booking_rate_limit() -> str:
    return current_app.config["BOOKING_RATE_LIMIT"]


def _service_or_404(practice_slug: str, slug: str, service_id: int):
    found = service.published_service(practice_slug, slug, service_id) if service_id <= MAX_ID else None
    if found is None:
        abort(404)
    return found


def _practice_or_404(practice_slug: str):
    found = service.practice_by_slug(practice_slug)
    if found is None:
        abort(404)
    return found


def _client_zone(default: str) -> str:
    # Links carry the zone as ?tz=; the details and confirm forms as their timezone field.
    return zone_or(request.values.get("tz") or request.form.get("timezone"), default)


@bp.get("/")
def home():
    """The install's practice; with several, a plain list of them."""
    practices = service.all_practices()
    if len(practices) == 1:
        return _render_practice(practices[0])
    return render_template("booking/practices.html", practices=practices)


@bp.get("/book/<practice_slug>")
def practice_page(practice_slug: str):
    practice = service.practice_by_slug(practice_slug)
    if practice is None:
        return _moved_practitioner_page(practice_slug)
    return _render_practice(practice)


def _moved_practitioner_page(slug: str, **values):
    """Before practices, a practitioner's pages were /book/<their slug>/…: emails sent then still link there."""
    practitioner = service.practitioner_by_slug(slug)
    if practitioner is None:
        abort(404)
    if values:
        return redirect(url_for("booking.service_page", practice_slug=practitioner.practice.slug, slug=slug, **values), code=301)
    return redirect(url_for("booking.practitioner_page", practice_slug=practitioner.practice.slug, slug=slug), code=301)


@bp.get("/book/<slug>/<int:service_id>")
def moved_service_page(slug: str, service_id: int):
    return _moved_practitioner_page(slug, service_id=service_id)


def _render_practice(practice):
    services = service.published_services(practice.id)
    by_practitioner = [(p, list(group)) for p, group in groupby(services, key=lambda s: s.practitioner)]
    return render_template("booking/practice.html", practice=practice, by_practitioner=by_practitioner)


@bp.get("/book/<practice_slug>/<slug>")
def practitioner_page(practice_slug: str, slug: str):
    practice = _practice_or_404(practice_slug)
    practitioner = service.practitioner_of(practice.id, slug)
    if practitioner is None:
        abort(404)
    services = service.published_services(practice.id, practitioner.id)
    return render_template("booking/practitioner.html", practice=practice, practitioner=practitioner, services=services)


@bp.get("/book/<practice_slug>/<slug>/<int:service_id>")
def service_page(practice_slug: str, slug: str, service_id: int):
    chosen = _service_or_404(practice_slug, slug, service_id)
    zone = _client_zone(chosen.practice.timezone)
    return _render_times(chosen, zone, status=200)


def _render_times(chosen, zone: str, status: int, message: str | None = None):
    times = _times_page(chosen, zone)
    where = _service_address(chosen)
    return (
        render_template(
            "booking/service.html",
            practice=chosen.practice,
            service=chosen,
            message=message,
            **_picker(
                times,
                zone,
                times_url=partial(url_for, "booking.service_page", **where),
                choose_url=lambda slot: url_for("booking.details", **where, start=instant_for_url(slot.start), tz=zone),
            ),
        ),
        status,
    )


@bp.app_template_global("service_address")
def _service_address(chosen) -> dict:
    """The URL values naming a service: its practice, its practitioner, its id."""
    return dict(practice_slug=chosen.practice.slug, slug=chosen.practitioner.slug, service_id=chosen.id)


def _times_page(chosen, zone: str, moving=None):
    return times_page(
        chosen,
        zone=zone,
        first=parse_day(request.values.get("from")),
        day=parse_day(request.values.get("day")),
        now=_now(),
        moving=moving,
    )


def _picker(times, zone: str, *, times_url, choose_url) -> dict:
    """What templates/booking/_slot_picker.html needs."""
    return dict(times=times, zone=zone, zones=sorted(known_timezones()), times_url=times_url, choose_url=choose_url)


@bp.route("/book/<practice_slug>/<slug>/<int:service_id>/details", methods=["GET", "POST"])
def details(practice_slug: str, slug: str, service_id: int):
    chosen = _service_or_404(practice_slug, slug, service_id)
    form = ClientDetailsForm()
    start = parse_instant(form.start.data or request.args.get("start"))
    zone = _client_zone(chosen.practice.timezone)
    if start is None:
        return _render_times(chosen, zone, 400, "Please choose a time from the list.")
    if request.method == "GET":
        form.start.data, form.timezone.data = instant_for_url(start), zone
        try:
            service.check_still_free(chosen, start, _now())
        except service.SlotTaken:
            return _render_times(chosen, zone, 409, "That time is no longer free — please choose another time.")
        except service.BookingError as refused:
            return _render_times(chosen, zone, 422, refused.message)
        return render_template("booking/details.html", service=chosen, form=form, start=start, zone=zone)
    if request.form.get("edit"):
        # "Change details" on the confirm page posts what the client typed back here, to edit it.
        return render_template("booking/details.html", service=chosen, form=form, start=start, zone=zone)
    try:
        client = service.client_details_from(form.data)
    except service.InvalidDetails as invalid:
        form.show_errors(invalid.field_errors)
        return render_template("booking/details.html", service=chosen, form=form, start=start, zone=zone, message=invalid.message), 422
    # A fresh key each time the confirm step is shown: sent twice, it finds the booking it made.
    form.submission.data = secrets.token_urlsafe(24)
    return render_template("booking/confirm.html", service=chosen, form=form, client=client, start=start, zone=client.timezone)


@bp.post("/book/<practice_slug>/<slug>/<int:service_id>/confirm")
@limiter.limit(_booking_rate_limit)
def confirm(practice_slug: str, slug: str, service_id: int):
    chosen = _service_or_404(practice_slug, slug, service_id)
    form = ClientDetailsForm()
    start = parse_instant(form.start.data)
    zone = _client_zone(chosen.practice.timezone)
    if start is None:
        return _render_times(chosen, zone, 400, "Please choose a time from the list.")
    try:
        client = service.client_details_from(form.data)
        booking = service.book(
            service_id=chosen.id, start=start, client=client, now=_now(), submission_key=_submission_key(form)
        )
    except service.InvalidDetails as invalid:
        form.show_errors(invalid.field_errors)
        return render_template("booking/details.html", service=chosen, form=form, start=start, zone=zone, message=invalid.message), 422
    except service.SlotTaken as taken:
        return _render_times(chosen, zone, 409, taken.message)
    except service.BookingError as refused:
        return _render_times(chosen, zone, 422, refused.message)
    flash("You're booked. We've kept the details below — this page's link is yours to come back to.", "success")
    return redirect(url_for("booking.manage", token=service.manage_token(booking, current_app.config["SECRET_KEY"])), code=303)


def _submission_key(form) -> str | None:
    key = form.submission.data or ""
    return key if 16 <= len(key) <= 64 and key.isascii() else None


def _booking_or_404(token: str):
    booking = service.booking_for_manage_token(token, current_app.config["SECRET_KEY"])
    if booking is None:
        abort(404)
    return booking


def _render_manage(booking, token: str, status: int = 200, message: str | None = None):
    policy = service.change_policy(booking, _now())
    return render_template("booking/manage.html", booking=booking, token=token, policy=policy, message=message), status


@bp.get("/manage/<token>")
def manage(token: str):
    return _render_manage(_booking_or_404(token), token)


@bp.post("/manage/<token>/cancel")
def cancel(token: str):
    booking = _booking_or_404(token)
    try:
        service.cancel_booking(booking, by=service.CLIENT, now=_now())
    except service.ChangeNotAllowed as refused:
        return _render_manage(booking, token, 403, refused.message)
    flash("Your booking is cancelled. You're welcome to book again whenever it feels right.", "success")
    return redirect(url_for("booking.manage", token=token), code=303)


@bp.get("/manage/<token>/reschedule")
def reschedule_times(token: str):
    booking = _booking_or_404(token)
    try:
        service.check_movable(booking, by=service.CLIENT, now=_now())
    except service.ChangeNotAllowed as refused:
        return _render_manage(booking, token, 403, refused.message)
    return _render_new_times(booking, token, _client_zone(booking.client_timezone), 200)


@bp.get("/manage/<token>/reschedule/confirm")
def reschedule_confirm(token: str):
    booking = _booking_or_404(token)
    zone = _client_zone(booking.client_timezone)
    start = parse_instant(request.args.get("start"))
    if start is None:
        return _render_new_times(booking, token, zone, 400, "Please choose a time from the list.")
    try:
        service.check_reschedule(booking, new_start=start, by=service.CLIENT, now=_now())
    except service.BookingError as refused:
        return _refused_move(booking, token, zone, refused)
    form = RescheduleForm(formdata=None, start=instant_for_url(start), timezone=zone)
    return render_template("booking/reschedule_confirm.html", booking=booking, token=token, form=form, start=start, zone=zone)


@bp.post("/manage/<token>/reschedule")
@limiter.limit(_booking_rate_limit)
def reschedule(token: str):
    booking = _booking_or_404(token)
    form = RescheduleForm()
    zone = _client_zone(booking.client_timezone)
    start = parse_instant(form.start.data)
    if start is None:
        return _render_new_times(booking, token, zone, 400, "Please choose a time from the list.")
    try:
        service.reschedule(booking, new_start=start, by=service.CLIENT, now=_now())
    except service.BookingError as refused:
        return _refused_move(booking, token, zone, refused)
    where = "" if zone == booking.client_timezone else f" ({zone.replace('_', ' ')} time)"
    flash(
        f"Your session is now on {long_instant(booking.starts_at, zone)}{where}. "
        "We'll email you the new time, too.",
        "success",
    )
    return redirect(url_for("booking.manage", token=token), code=303)


def _render_new_times(booking, token: str, zone: str, status: int, message: str | None = None):
    times = _times_page(booking.service, zone, moving=booking)
    return (
        render_template(
            "booking/reschedule.html",
            booking=booking,
            token=token,
            service=booking.service,
            message=message,
            **_picker(
                times,
                zone,
                times_url=partial(url_for, "booking.reschedule_times", token=token),
                choose_url=lambda slot: url_for(
                    "booking.reschedule_confirm", token=token, start=instant_for_url(slot.start), tz=zone
                ),
            ),
        ),
        status,
    )


def _refused_move(booking, token: str, zone: str, refused: service.BookingError):
    if isinstance(refused, service.ChangeNotAllowed):
        return _render_manage(booking, token, 403, refused.message)
    status = 409 if isinstance(refused, service.SlotTaken) else 422
    return _render_new_times(booking, token, zone, status, refused.message)
