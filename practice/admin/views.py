"""The practitioner's panel: upcoming bookings by day, one booking, cancelling."""
from datetime import datetime, timedelta, timezone

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from practice.admin import service
from practice.admin.service import owned_or_404
from practice.booking import service as booking_service
from practice.booking.models import ACTIVE_STATUSES, Booking
from practice.timeformats import local_day

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_login():
    """Every page here belongs to the logged-in practitioner."""


@bp.after_request
def keep_out_of_caches(response):
    # These pages name clients and quote their notes: no shared or back-button cache may keep them.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
def dashboard():
    practitioner = current_user._get_current_object()
    now = datetime.now(timezone.utc)
    days, more = service.upcoming_by_day(practitioner, now)
    today = local_day(now, practitioner.timezone)
    return render_template(
        "admin/dashboard.html",
        days=days,
        more=more,
        limit=service.UPCOMING_LIMIT,
        today=today,
        tomorrow=today + timedelta(days=1),
        cancelled=service.recently_cancelled(practitioner, now),
        setup=service.setup_progress(practitioner),
        zone=practitioner.timezone,
    )


@bp.get("/bookings/<int:booking_id>")
def booking_detail(booking_id: int):
    booking = owned_or_404(Booking, booking_id, current_user.id)
    return render_template("admin/booking.html", booking=booking, zone=current_user.timezone)


@bp.post("/bookings/<int:booking_id>/cancel")
def cancel_booking(booking_id: int):
    booking = owned_or_404(Booking, booking_id, current_user.id)
    was_active = booking.status in ACTIVE_STATUSES
    booking_service.cancel_booking(booking, by="practitioner", now=datetime.now(timezone.utc))
    if was_active:
        flash(
            f"The booking with {booking.display_name} is cancelled and the time is free again. "
            "Tend doesn't email clients about this yet, so please let them know.",
            "success",
        )
    else:
        flash(f"This booking is {booking.status.value.replace('_', ' ')}, so there was nothing to cancel.", "info")
    return redirect(url_for("admin.booking_detail", booking_id=booking.id), code=303)
