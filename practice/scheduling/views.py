"""The practitioner's availability: weekly hours, date overrides, time off, limits."""
from datetime import datetime, timezone

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from practice.admin.service import owned_or_404
from practice.scheduling import rules
from practice.scheduling.forms import BookingWindowForm, OverrideForm, TimeOffForm, WeeklyRangeForm
from practice.scheduling.models import DateOverride, TimeOff, WeeklyHours
from practice.timeformats import weekday_and_date

bp = Blueprint("scheduling", __name__, url_prefix="/admin/availability")

#: Each form on the page has its own prefix, so field names and ids never collide.
PREFIXES = {"weekly_form": "weekly", "override_form": "override", "time_off_form": "timeoff", "window_form": "window"}


@bp.before_request
@login_required
def require_login():
    """Every page here belongs to the logged-in practitioner."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _submitted(form_class, name: str):
    return form_class(prefix=PREFIXES[name])


def _render(status: int = 200, **submitted):
    """The whole page, with any submitted form (and its errors) in place of a blank one."""
    practitioner = current_user._get_current_object()
    now = _now()
    forms = {
        "weekly_form": WeeklyRangeForm(formdata=None, prefix=PREFIXES["weekly_form"]),
        "override_form": OverrideForm(formdata=None, prefix=PREFIXES["override_form"]),
        "time_off_form": TimeOffForm(formdata=None, prefix=PREFIXES["time_off_form"]),
        "window_form": BookingWindowForm(formdata=None, obj=practitioner, prefix=PREFIXES["window_form"]),
        **submitted,
    }
    return render_template(
        "scheduling/availability.html",
        week=rules.weekly_hours(practitioner.id),
        weekdays=rules.WEEKDAYS,
        overrides=rules.upcoming_overrides(practitioner, now),
        time_off=rules.upcoming_time_off(practitioner.id, now),
        zone=practitioner.timezone,
        **forms,
    ), status


def _refused(name: str, form, refused: rules.RuleError):
    for field, message in refused.field_errors.items():
        form[field].errors = [message]
    return _render(422, **{name: form})


def _done(message: str, anchor: str):
    flash(message, "success")
    return redirect(url_for("scheduling.availability", _anchor=anchor), code=303)


def _clash_note(count: int) -> str:
    if not count:
        return ""
    bookings = "booking is" if count == 1 else f"{count} bookings are"
    return f" Your {bookings} still in place in that time; cancel from Bookings if needed."


@bp.get("")
def availability():
    return _render()


@bp.post("/weekly")
def add_weekly_range():
    form = _submitted(WeeklyRangeForm, "weekly_form")
    if not form.validate():
        return _render(422, weekly_form=form)
    try:
        rules.add_weekly_range(current_user._get_current_object(), form.weekday.data, form.start.data, form.end.data)
    except rules.RuleError as refused:
        return _refused("weekly_form", form, refused)
    return _done(f"Added {form.start.data:%H:%M}–{form.end.data:%H:%M} on {rules.WEEKDAYS[form.weekday.data]}s.", "weekly")


@bp.post("/weekly/<int:range_id>/remove")
def remove_weekly_range(range_id: int):
    row = owned_or_404(WeeklyHours, range_id, current_user.id)
    rules.remove_weekly_range(row)
    return _done("Those weekly hours are removed.", "weekly")


@bp.post("/overrides")
def add_override():
    form = _submitted(OverrideForm, "override_form")
    if not form.validate():
        return _render(422, override_form=form)
    practitioner = current_user._get_current_object()
    try:
        if form.kind.data == "closed":
            _, clashes = rules.close_day(practitioner, form.day.data, _now())
            message = f"{weekday_and_date(form.day.data)} is closed." + _clash_note(clashes)
        else:
            rules.add_override_range(practitioner, form.day.data, form.start.data, form.end.data, _now())
            message = f"On {weekday_and_date(form.day.data)} you're open {form.start.data:%H:%M}–{form.end.data:%H:%M}."
    except rules.RuleError as refused:
        return _refused("override_form", form, refused)
    return _done(message, "overrides")


@bp.post("/overrides/<int:override_id>/remove")
def remove_override(override_id: int):
    row = owned_or_404(DateOverride, override_id, current_user.id)
    rules.remove_override(row)
    return _done("That date change is removed.", "overrides")


@bp.post("/time-off")
def add_time_off():
    form = _submitted(TimeOffForm, "time_off_form")
    if not form.validate():
        return _render(422, time_off_form=form)
    try:
        _, clashes = rules.add_time_off(
            current_user._get_current_object(), form.starts.data, form.ends.data, form.note.data or "", _now()
        )
    except rules.RuleError as refused:
        return _refused("time_off_form", form, refused)
    return _done("Your time off is saved." + _clash_note(clashes), "time-off")


@bp.post("/time-off/<int:time_off_id>/remove")
def remove_time_off(time_off_id: int):
    row = owned_or_404(TimeOff, time_off_id, current_user.id)
    rules.remove_time_off(row)
    return _done("That time off is removed.", "time-off")


@bp.post("/window")
def booking_window():
    form = _submitted(BookingWindowForm, "window_form")
    if not form.validate():
        return _render(422, window_form=form)
    try:
        rules.set_booking_window(current_user._get_current_object(), form.min_notice_minutes.data, form.max_advance_days.data)
    except rules.RuleError as refused:
        return _refused("window_form", form, refused)
    return _done("Your booking window is saved.", "booking-window")
