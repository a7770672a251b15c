"""Client rights by the manage link (see their data, download it, ask for erasure), and the
practitioner's list of erasure requests to confirm."""
from datetime import datetime, timezone

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from practice.booking.recovery import booking_for_link
from practice.intake.models import ErasureRequest
from practice.privacy import service
from practice.security.audit import Actor
from practice.security.authz import found_or_404, visible_to
from practice.security.private_pages import current_actor, make_private
from practice.security.token_links import keep_link_private

bp = Blueprint("privacy", __name__)
admin_bp = make_private(Blueprint("privacy_admin", __name__, url_prefix="/admin/erasure-requests"))


@bp.after_request
def _keep_manage_links_private(response):
    # Every page here is reached by the client's manage link, errors included.
    return keep_link_private(response)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _booking_or_404(token: str):
    return booking_for_link(token)


def _client_actor(booking) -> Actor:
    """Whoever holds the manage link: a visitor, acting within the booking's practice."""
    return Actor(practice_id=booking.practice_id, ip_address=request.remote_addr or "")


@bp.get("/manage/<token>/your-data")
def your_data(token: str):
    booking = _booking_or_404(token)
    client = booking.client
    service.record_download(client, how=service.AS_PAGE, actor=_client_actor(booking), now=_now())
    return render_template("privacy/your_data.html", booking=booking, token=token, held=service.held_about(client))


@bp.get("/manage/<token>/your-data.json")
def your_data_json(token: str):
    booking = _booking_or_404(token)
    client = booking.client
    now = _now()
    service.record_download(client, how=service.AS_JSON, actor=_client_actor(booking), now=now)
    body = service.json_download(service.held_about(client), now=now)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="your-data-{now:%Y-%m-%d}.json"'},
    )


@bp.get("/manage/<token>/erasure")
def erasure(token: str):
    booking = _booking_or_404(token)
    return render_template(
        "privacy/erasure.html",
        booking=booking,
        token=token,
        open_request=service.open_request_for(booking.client_id),
        retention_years=booking.practice.retention_years,
    )


@bp.post("/manage/<token>/erasure")
def request_erasure(token: str):
    booking = _booking_or_404(token)
    try:
        service.request_erasure(booking, actor=_client_actor(booking), now=_now())
    except service.ErasureRefused as refused:
        flash(refused.message, "info")
    else:
        flash(
            _("Thank you. We've passed your request on to your practitioner, who will confirm it. There's nothing more you need to do."),
            "success",
        )
    return redirect(url_for("privacy.erasure", token=token), code=303)


@admin_bp.get("/")
def erasure_requests():
    return _render_requests()


@admin_bp.post("/<int:request_id>/confirm")
def confirm(request_id: int):
    actor = current_actor()
    erasure_request = found_or_404(ErasureRequest, request_id, actor)
    try:
        erased = service.confirm_erasure(erasure_request, actor=actor, now=_now())
    except service.StillBooked as refused:
        return _render_requests(refused.message, 409)
    if erased:
        flash("The client's information is erased. Their bookings stay as anonymous time records.", "success")
    else:
        flash("This request was already completed, so nothing changed.", "info")
    return redirect(url_for("privacy_admin.erasure_requests"), code=303)


def _render_requests(message: str | None = None, status: int = 200):
    now = _now()
    requests = service.open_requests(visible_to(current_actor(), ErasureRequest))
    still_booked = {
        found.id: booking for found in requests if (booking := service.next_session_of(found.client_id, now)) is not None
    }
    return (
        render_template(
            "privacy/erasure_requests.html",
            requests=requests,
            still_booked=still_booked,
            message=message,
            zone=current_user.practice.timezone,
            retention_years=current_user.practice.retention_years,
        ),
        status,
    )
