"""The public booking pages: practice → service → day and time → details → confirm; and the manage link."""
import secrets
from itertools import groupby

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from practice.booking import pages, service
from practice.booking.forms import ClientDetailsForm, RescheduleForm
from practice.booking.recovery import booking_for_link, render_link_not_valid
from practice.extensions import limiter, read_without_transaction
from practice.freshness import revalidated
from practice.i18n import current_locale
from practice.security.token_links import keep_link_private
from practice.timeformats import (
    instant_for_url,
    long_instant,
    parse_instant,
)

bp = Blueprint("booking", __name__)
bp.add_app_template_global(pages.service_address, "service_address")
bp.add_app_template_global(service.paid_when_booking, "pays_online")
bp.add_app_template_global(pages.price_text, "price_text")
bp.add_app_template_global(pages.booking_terms, "booking_terms")
bp.add_app_template_global(pages.places_text, "places_text")
bp.add_app_template_global(pages.booking_page_title, "booking_page_title")


@bp.after_request
def _keep_manage_links_private(response):
    # The manage link is the client's only key to the booking: errors on it are kept private too.
    if request.path.startswith(("/manage/", "/confirm-booking/")):
        keep_link_private(response)
    return response


def _practice_or_404(practice_slug: str):
    found = service.practice_by_slug(practice_slug)
    if found is None:
        abort(404)
    return found


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
    read_without_transaction()
    return revalidated(pages.service_page(practice_slug, slug, service_id))


@bp.route("/book/<practice_slug>/<slug>/<int:service_id>/details", methods=["GET", "POST"])
def details(practice_slug: str, slug: str, service_id: int):
    chosen = pages.service_or_404(practice_slug, slug, service_id)
    form = ClientDetailsForm()
    start = parse_instant(form.start.data or request.args.get("start"))
    zone = pages.client_zone(chosen.practice.timezone)
    if start is None:
        return pages.render_times(chosen, zone, 400, _("Please choose a time from the list."))
    if request.method == "GET":
        form.start.data, form.timezone.data = instant_for_url(start), zone
        try:
            service.check_still_free(chosen, start, pages.now())
        except service.SlotTaken:
            return pages.render_taken(chosen, zone, start, _("That time is no longer free — please choose another time."))
        except service.BookingError as refused:
            return pages.render_times(chosen, zone, 422, refused.message)
        return pages.render_details(chosen, form, start, zone)
    if request.form.get("edit"):
        # "Change details" on the confirm page posts what the client typed back here, to edit it.
        return pages.render_details(chosen, form, start, zone)
    try:
        client = service.client_details_from(form.data, locale=current_locale())
    except service.InvalidDetails as invalid:
        form.show_errors(invalid.field_errors)
        return pages.render_details(chosen, form, start, zone, 422, invalid.message)
    # A fresh key each time the confirm step is shown: sent twice, it finds the booking it made.
    form.submission.data = secrets.token_urlsafe(24)
    return render_template("booking/confirm.html", service=chosen, form=form, client=client, start=start, zone=client.timezone)


@bp.post("/book/<practice_slug>/<slug>/<int:service_id>/confirm")
@limiter.limit(pages.booking_rate_limit)
def confirm(practice_slug: str, slug: str, service_id: int):
    chosen = pages.service_or_404(practice_slug, slug, service_id)
    form = ClientDetailsForm()
    start = parse_instant(form.start.data)
    zone = pages.client_zone(chosen.practice.timezone)
    if start is None:
        return pages.render_times(chosen, zone, 400, _("Please choose a time from the list."))
    try:
        client = service.client_details_from(form.data, locale=current_locale())
        booking = service.book(
            service_id=chosen.id,
            start=start,
            client=client,
            now=pages.now(),
            submission_key=pages.submission_key(form),
            from_client=True,
        )
    except service.BookingError as refused:
        return pages.render_refusal(chosen, form, start, zone, refused)
    token = service.manage_token(booking, current_app.config["SECRET_KEY"])
    if booking.awaiting == "email":
        return redirect(url_for("booking.manage", token=token), code=303)
    return redirect(url_for("booking_confirmation.booked", token=token), code=303)


@bp.route("/confirm-booking/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """The emailed link of a first-time client: a button (mail scanners follow links, never press buttons)."""
    booking = service.booking_for_email_confirmation(token, current_app.config["SECRET_KEY"])
    if booking is None:
        abort(render_link_not_valid(None))
    manage_token = service.manage_token(booking, current_app.config["SECRET_KEY"])
    if booking.is_confirmed:
        return redirect(url_for("booking_confirmation.booked", token=manage_token), code=303)
    if request.method == "GET" or (booking.is_cancelled and not booking.lapsed_unpaid):
        return render_template("booking/confirm_email.html", booking=booking, token=token, taken=False)
    outcome = service.confirm_email_hold(booking.id, now=pages.now())
    if outcome is service.HoldOutcome.unavailable:
        return render_template("booking/confirm_email.html", booking=booking, token=token, taken=True), 409
    return redirect(url_for("booking_confirmation.booked", token=manage_token), code=303)


def _render_manage(booking, token: str, status: int = 200, message: str | None = None):
    policy = service.change_policy(booking, pages.now())
    return render_template("booking/manage.html", booking=booking, token=token, policy=policy, message=message), status


@bp.get("/manage/<token>")
def manage(token: str):
    return _render_manage(booking_for_link(token), token)


@bp.post("/manage/<token>/cancel")
def cancel(token: str):
    booking = booking_for_link(token)
    try:
        service.cancel_booking(booking, by=service.CLIENT, now=pages.now())
    except service.ChangeNotAllowed as refused:
        return _render_manage(booking, token, 403, refused.message)
    flash(_("Your booking is cancelled. You're welcome to book again whenever it feels right."), "success")
    return redirect(url_for("booking.manage", token=token), code=303)


@bp.get("/manage/<token>/reschedule")
def reschedule_times(token: str):
    booking = booking_for_link(token)
    try:
        service.check_movable(booking, by=service.CLIENT, now=pages.now())
    except service.ChangeNotAllowed as refused:
        return _render_manage(booking, token, 403, refused.message)
    return _render_new_times(booking, token, pages.client_zone(booking.client_timezone), 200)


@bp.get("/manage/<token>/reschedule/confirm")
def reschedule_confirm(token: str):
    booking = booking_for_link(token)
    zone = pages.client_zone(booking.client_timezone)
    start = parse_instant(request.args.get("start"))
    if start is None:
        return _render_new_times(booking, token, zone, 400, _("Please choose a time from the list."))
    try:
        service.check_reschedule(booking, new_start=start, by=service.CLIENT, now=pages.now())
    except service.BookingError as refused:
        return _refused_move(booking, token, zone, refused)
    form = RescheduleForm(formdata=None, start=instant_for_url(start), timezone=zone)
    return render_template("booking/reschedule_confirm.html", booking=booking, token=token, form=form, start=start, zone=zone)


@bp.post("/manage/<token>/reschedule")
@limiter.limit(pages.booking_rate_limit)
def reschedule(token: str):
    booking = booking_for_link(token)
    form = RescheduleForm()
    zone = pages.client_zone(booking.client_timezone)
    start = parse_instant(form.start.data)
    if start is None:
        return _render_new_times(booking, token, zone, 400, _("Please choose a time from the list."))
    try:
        service.reschedule(booking, new_start=start, by=service.CLIENT, now=pages.now())
    except service.BookingError as refused:
        return _refused_move(booking, token, zone, refused)
    when = long_instant(booking.starts_at, zone)
    if zone == booking.client_timezone:
        moved = _("Your session is now on %(when)s. We'll email you the new time, too.", when=when)
    else:
        moved = _(
            "Your session is now on %(when)s (%(zone)s time). We'll email you the new time, too.",
            when=when, zone=zone.replace("_", " "),
        )
    flash(moved, "success")
    return redirect(url_for("booking.manage", token=token), code=303)


def _render_new_times(booking, token: str, zone: str, status: int, message: str | None = None):
    times = pages.times_page_for(booking.service, zone, moving=booking)
    return (
        render_template(
            "booking/reschedule.html",
            booking=booking,
            token=token,
            service=booking.service,
            message=message,
            **pages.picker(
                times,
                zone,
                times_url=pages.links_to("booking.reschedule_times", token=token),
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
