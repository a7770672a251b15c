"""The practitioner's panel: upcoming bookings by day, one booking, moving and cancelling it."""
from datetime import datetime, timedelta, timezone

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from practice.admin import service
from practice.admin.forms import CancelForm, RescheduleForm
from practice.booking import service as booking_service
from practice.booking.models import Booking
from practice.booking.pages import links_to
from practice.booking.times import times_page
from practice.notifications import service as notifications
from practice.security.authz import found_or_404
from practice.security.private_pages import current_actor, make_private
from practice.timeformats import (
    instant_for_url,
    local_day,
    long_instant,
    parse_day,
    parse_instant,
    zone_or,
)

bp = make_private(Blueprint("admin", __name__, url_prefix="/admin"))

PRACTITIONER = booking_service.PRACTITIONER


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _zone_of_practice() -> str:
    return current_user.practice.timezone


def _booking_or_404(booking_id: int) -> Booking:
    return found_or_404(Booking, booking_id, current_actor())


@bp.get("/")
def dashboard():
    practitioner = current_user._get_current_object()
    actor, now, zone = current_actor(), _now(), _zone_of_practice()
    days, more = service.upcoming_by_day(actor, zone, now)
    flags = service.intake_flags(actor, days)
    today = local_day(now, zone)
    return render_template(
        "admin/dashboard.html",
        days=days,
        more=more,
        limit=service.UPCOMING_LIMIT,
        today=today,
        tomorrow=today + timedelta(days=1),
        cancelled=service.recently_cancelled(actor, now),
        setup=service.setup_progress(practitioner),
        failed_emails=notifications.failed_count(notifications.visible_messages(actor)),
        whole_practice=actor.is_owner,
        flags=flags,
        needing_attention=service.needing_attention(flags),
        zone=zone,
    )


@bp.get("/bookings/<int:booking_id>")
def booking_detail(booking_id: int):
    booking = _booking_or_404(booking_id)
    service.record_private_details_read(booking, actor=current_actor(), now=_now())
    return _render_detail(booking)


def _render_detail(booking: Booking, status: int = 200, message: str | None = None, cancel_form: CancelForm | None = None):
    return (
        render_template(
            "admin/booking.html",
            booking=booking,
            zone=_zone_of_practice(),
            policy=booking_service.change_policy(booking, _now()),
            cancel_form=cancel_form or CancelForm(formdata=None),
            message=message,
            intake=service.booking_intake(booking, current_actor()),
        ),
        status,
    )


@bp.post("/bookings/<int:booking_id>/cancel")
def cancel_booking(booking_id: int):
    booking = _booking_or_404(booking_id)
    form = CancelForm()
    now = _now()
    was_active = not booking_service.change_policy(booking, now).inactive
    try:
        booking_service.cancel_booking(booking, by=PRACTITIONER, now=now, message=form.message.data)
    except booking_service.InvalidDetails as invalid:
        form.show_errors(invalid.field_errors)
        return _render_detail(booking, 422, invalid.message, cancel_form=form)
    except booking_service.ChangeNotAllowed as refused:
        return _render_detail(booking, 403, refused.message)
    if was_active:
        flash(
            f"The booking with {booking.display_name} is cancelled and the time is free again. "
            "We're emailing them to let them know.",
            "success",
        )
    else:
        flash(f"This booking is already {booking.status_label.lower()}, so there was nothing to cancel.", "info")
    return redirect(url_for("admin.booking_detail", booking_id=booking.id), code=303)


@bp.get("/bookings/<int:booking_id>/reschedule")
def reschedule_times(booking_id: int):
    booking = _booking_or_404(booking_id)
    try:
        booking_service.check_movable(booking, by=PRACTITIONER, now=_now())
    except booking_service.ChangeNotAllowed as refused:
        return _render_detail(booking, 403, refused.message)
    return _render_new_times(booking, _zone(), 200)


@bp.get("/bookings/<int:booking_id>/reschedule/confirm")
def reschedule_confirm(booking_id: int):
    booking = _booking_or_404(booking_id)
    zone = _zone()
    start = parse_instant(request.args.get("start"))
    if start is None:
        return _render_new_times(booking, zone, 400, "Please choose a time from the list.")
    try:
        booking_service.check_reschedule(booking, new_start=start, by=PRACTITIONER, now=_now())
    except booking_service.BookingError as refused:
        return _refused_move(booking, zone, refused)
    form = RescheduleForm(formdata=None, start=instant_for_url(start), timezone=zone)
    return _render_confirm(booking, form, start, zone, 200)


@bp.post("/bookings/<int:booking_id>/reschedule")
def reschedule(booking_id: int):
    booking = _booking_or_404(booking_id)
    form = RescheduleForm()
    zone = _zone()
    start = parse_instant(form.start.data)
    if start is None:
        return _render_new_times(booking, zone, 400, "Please choose a time from the list.")
    try:
        booking_service.reschedule(booking, new_start=start, by=PRACTITIONER, now=_now(), message=form.message.data)
    except booking_service.InvalidDetails as invalid:
        form.show_errors(invalid.field_errors)
        return _render_confirm(booking, form, start, zone, 422, invalid.message)
    except booking_service.BookingError as refused:
        return _refused_move(booking, zone, refused)
    flash(
        f"The booking with {booking.display_name} is now on {long_instant(booking.starts_at, _zone_of_practice())}. "
        "We're emailing them the new time.",
        "success",
    )
    return redirect(url_for("admin.booking_detail", booking_id=booking.id), code=303)


def _zone() -> str:
    # Links carry the zone as ?tz=; the confirm form as its timezone field.
    return zone_or(request.values.get("tz") or request.form.get("timezone"), _zone_of_practice())


def _render_new_times(booking: Booking, zone: str, status: int, message: str | None = None):
    times = times_page(
        booking.service,
        zone=zone,
        first=parse_day(request.values.get("from")),
        day=parse_day(request.values.get("day")),
        now=_now(),
        moving=booking,
    )
    return (
        render_template(
            "admin/reschedule.html",
            booking=booking,
            service=booking.service,
            message=message,
            times=times,
            zone=zone,
            times_url=links_to("admin.reschedule_times", booking_id=booking.id),
            choose_url=lambda slot: url_for(
                "admin.reschedule_confirm", booking_id=booking.id, start=instant_for_url(slot.start), tz=zone
            ),
        ),
        status,
    )


def _render_confirm(booking: Booking, form: RescheduleForm, start: datetime, zone: str, status: int, message: str | None = None):
    return (
        render_template("admin/reschedule_confirm.html", booking=booking, form=form, start=start, zone=zone, message=message),
        status,
    )


def _refused_move(booking: Booking, zone: str, refused: booking_service.BookingError):
    if isinstance(refused, booking_service.ChangeNotAllowed):
        return _render_detail(booking, 403, refused.message)
    status = 409 if isinstance(refused, booking_service.SlotTaken) else 422
    return _render_new_times(booking, zone, status, refused.message)
