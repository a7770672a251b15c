"""The practitioner's availability: weekly hours, date overrides, time off, limits, and services' own hours."""
from datetime import datetime, timezone
from functools import partial

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from practice.accounts import invitations
from practice.accounts.models import Practitioner
from practice.catalog import service as catalog
from practice.catalog.models import Service
from practice.scheduling import service as hours
from practice.scheduling.forms import (
    OverrideForm,
    OwnHoursForm,
    SessionForm,
    TimeOffForm,
    WeeklyRangeForm,
)
from practice.scheduling.models import DateOverride, TimeOff, WeeklyHours
from practice.security.authz import found_or_404
from practice.security.private_pages import current_actor, make_private
from practice.timeformats import weekday_and_date

bp = make_private(Blueprint("scheduling", __name__, url_prefix="/admin/availability"))

#: Each form on the page has its own prefix, so field names and ids never collide.
PREFIXES = {
    "weekly_form": "weekly",
    "override_form": "override",
    "time_off_form": "timeoff",
    "own_form": "own",
    "session_form": "session",
}


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _submitted(form_class, name: str):
    return form_class(prefix=PREFIXES[name])


def _subject():
    """Whose hours the page shows and changes: the logged-in practitioner's, or, for the
    practice's owner, a colleague's named by ?practitioner= (anyone else's is a 404)."""
    wanted = request.args.get("practitioner", type=int)
    if wanted is None or wanted == current_user.id:
        return current_user._get_current_object()
    return found_or_404(Practitioner, wanted, current_actor())


def _whose(practitioner_id: int) -> dict:
    """The URL values that keep the page on this practitioner's hours."""
    return {} if practitioner_id == current_user.id else {"practitioner": practitioner_id}


def _render(status: int = 200, **submitted):
    """The whole page, with any submitted form (and its errors) in place of a blank one."""
    practitioner = _subject()
    now = _now()
    forms = {
        "weekly_form": WeeklyRangeForm(formdata=None, prefix=PREFIXES["weekly_form"]),
        "override_form": OverrideForm(formdata=None, prefix=PREFIXES["override_form"]),
        "time_off_form": TimeOffForm(formdata=None, prefix=PREFIXES["time_off_form"]),
        **submitted,
    }
    return render_template(
        "scheduling/availability.html",
        week=hours.weekly_hours(practitioner.id),
        weekdays=hours.WEEKDAYS,
        overrides=hours.upcoming_overrides(practitioner, now),
        time_off=hours.upcoming_time_off(practitioner.id, now),
        services=catalog.current_and_archived(Service.practitioner_id == practitioner.id)[0],
        practice=practitioner.practice,
        zone=practitioner.practice.timezone,
        subject=practitioner,
        whose=_whose(practitioner.id),
        team=invitations.members(practitioner.practice_id) if current_user.is_owner else [],
        **forms,
    ), status


def _render_service(found: Service, status: int = 200, **submitted):
    """One service's own hours page, with any submitted form (and its errors) in place."""
    forms = {
        "own_form": OwnHoursForm(formdata=None, obj=found, prefix=PREFIXES["own_form"]),
        "weekly_form": WeeklyRangeForm(formdata=None, prefix=PREFIXES["weekly_form"]),
        "session_form": SessionForm(formdata=None, prefix=PREFIXES["session_form"]),
        **submitted,
    }
    return render_template(
        "scheduling/service_hours.html",
        found=found,
        week=hours.weekly_hours(found.practitioner_id, found.id),
        weekdays=hours.WEEKDAYS,
        sessions=hours.upcoming_overrides(found.practitioner, _now(), found.id),
        zone=found.practice.timezone,
        **forms,
    ), status


def _refused(name: str, form, refused: hours.RuleError, render=_render):
    for field, message in refused.field_errors.items():
        form[field].errors = [message]
    return render(422, **{name: form})


def _done(message: str, anchor: str, endpoint: str = "scheduling.availability", **values):
    """Back to the page, at the part just changed, showing what happened."""
    flash(message, "success")
    return redirect(url_for(endpoint, _anchor=anchor, **values), code=303)


def _hours_row_or_404(model, row_id: int, service_id: int | None = None):
    """The practitioner's own row of this set of hours: the general ones, or one service's."""
    row = found_or_404(model, row_id, current_actor())
    if row.service_id != service_id:
        abort(404)
    return row


def _clash_note(count: int) -> str:
    if not count:
        return ""
    bookings = "booking is" if count == 1 else f"{count} bookings are"
    return f" {bookings.capitalize()} still in place in that time; cancel from Bookings if needed."


@bp.get("")
def availability():
    return _render()


@bp.post("/weekly")
def add_weekly_range():
    form = _submitted(WeeklyRangeForm, "weekly_form")
    if not form.validate():
        return _render(422, weekly_form=form)
    subject = _subject()
    try:
        hours.add_weekly_range(subject, form.weekday.data, form.start.data, form.end.data)
    except hours.RuleError as refused:
        return _refused("weekly_form", form, refused)
    added = f"Added {form.start.data:%H:%M}–{form.end.data:%H:%M} on {hours.WEEKDAYS[form.weekday.data]}s."
    return _done(added, "weekly", **_whose(subject.id))


@bp.post("/weekly/<int:range_id>/remove")
def remove_weekly_range(range_id: int):
    row = _hours_row_or_404(WeeklyHours, range_id)
    whose = _whose(row.practitioner_id)
    hours.remove_weekly_range(row)
    return _done("Those weekly hours are removed.", "weekly", **whose)


@bp.post("/overrides")
def add_override():
    form = _submitted(OverrideForm, "override_form")
    if not form.validate():
        return _render(422, override_form=form)
    practitioner = _subject()
    try:
        if form.kind.data == "closed":
            _, clashes = hours.close_day(practitioner, form.day.data, _now())
            message = f"{weekday_and_date(form.day.data)} is closed." + _clash_note(clashes)
        else:
            hours.add_override_range(practitioner, form.day.data, form.start.data, form.end.data, _now())
            message = f"On {weekday_and_date(form.day.data)} you're open {form.start.data:%H:%M}–{form.end.data:%H:%M}."
    except hours.RuleError as refused:
        return _refused("override_form", form, refused)
    return _done(message, "overrides", **_whose(practitioner.id))


@bp.post("/overrides/<int:override_id>/remove")
def remove_override(override_id: int):
    row = _hours_row_or_404(DateOverride, override_id)
    whose = _whose(row.practitioner_id)
    hours.remove_override(row)
    return _done("That date change is removed.", "overrides", **whose)


@bp.post("/time-off")
def add_time_off():
    form = _submitted(TimeOffForm, "time_off_form")
    if not form.validate():
        return _render(422, time_off_form=form)
    subject = _subject()
    try:
        _, clashes = hours.add_time_off(subject, form.starts.data, form.ends.data, form.note.data or "", _now())
    except hours.RuleError as refused:
        return _refused("time_off_form", form, refused)
    return _done("The time off is saved." + _clash_note(clashes), "time-off", **_whose(subject.id))


@bp.post("/time-off/<int:time_off_id>/remove")
def remove_time_off(time_off_id: int):
    row = found_or_404(TimeOff, time_off_id, current_actor())
    whose = _whose(row.practitioner_id)
    hours.remove_time_off(row)
    return _done("That time off is removed.", "time-off", **whose)


@bp.get("/services/<int:service_id>")
def service_hours(service_id: int):
    return _render_service(found_or_404(Service, service_id, current_actor()))


def _service_done(found: Service, message: str, anchor: str):
    return _done(message, anchor, "scheduling.service_hours", service_id=found.id)


@bp.post("/services/<int:service_id>/own-hours")
def set_own_hours(service_id: int):
    found = found_or_404(Service, service_id, current_actor())
    form = _submitted(OwnHoursForm, "own_form")
    if not form.validate():
        return _render_service(found, 422, own_form=form)
    hours.set_own_hours(found, form.own_hours.data)
    if found.own_hours:
        return _service_done(found, f"{found.name} is now offered only at the times on this page.", "offered")
    return _service_done(found, f"{found.name} is offered during your general hours again.", "offered")


@bp.post("/services/<int:service_id>/sessions")
def add_service_session(service_id: int):
    found = found_or_404(Service, service_id, current_actor())
    form = _submitted(SessionForm, "session_form")
    if not form.validate():
        return _render_service(found, 422, session_form=form)
    try:
        hours.add_service_session(found, form.day.data, form.start.data, form.end.data, _now())
    except hours.RuleError as refused:
        return _refused("session_form", form, refused, partial(_render_service, found))
    when = f"{weekday_and_date(form.day.data)}, {form.start.data:%H:%M}–{form.end.data:%H:%M}"
    return _service_done(found, f"Added a session of {found.name}: {when}.", "sessions")


@bp.post("/services/<int:service_id>/sessions/<int:session_id>/remove")
def remove_service_session(service_id: int, session_id: int):
    found = found_or_404(Service, service_id, current_actor())
    hours.remove_override(_hours_row_or_404(DateOverride, session_id, found.id))
    return _service_done(found, "That session is removed. Bookings already made for it stay in place.", "sessions")


@bp.post("/services/<int:service_id>/weekly")
def add_service_weekly_range(service_id: int):
    found = found_or_404(Service, service_id, current_actor())
    form = _submitted(WeeklyRangeForm, "weekly_form")
    if not form.validate():
        return _render_service(found, 422, weekly_form=form)
    try:
        hours.add_service_weekly_range(found, form.weekday.data, form.start.data, form.end.data)
    except hours.RuleError as refused:
        return _refused("weekly_form", form, refused, partial(_render_service, found))
    when = f"{form.start.data:%H:%M}–{form.end.data:%H:%M} on {hours.WEEKDAYS[form.weekday.data]}s"
    return _service_done(found, f"Added {when} to the times of {found.name}.", "service-weekly")


@bp.post("/services/<int:service_id>/weekly/<int:range_id>/remove")
def remove_service_weekly_range(service_id: int, range_id: int):
    found = found_or_404(Service, service_id, current_actor())
    hours.remove_weekly_range(_hours_row_or_404(WeeklyHours, range_id, found.id))
    return _service_done(found, "Those weekly times are removed.", "service-weekly")
