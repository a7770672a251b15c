"""The client's side of intake: the booking's forms, one section per page, by the intake link."""
from datetime import datetime, timezone

from flask import Blueprint, redirect, render_template, request, url_for

from practice.booking import service as booking_service
from practice.intake import client_forms, service
from practice.security.token_links import keep_link_private
from practice.timeformats import local_day

bp = Blueprint("intake", __name__)


class LinkNotRight(Exception):
    """The link is expired, tampered with, or names a form the booking does not have."""

    def __init__(self, booking=None, token: str = ""):
        super().__init__()
        #: The booking, when the link is ours: the page can then say whom to contact.
        self.booking = booking
        #: The token, when it still opens the booking's list of forms.
        self.token = token


class FormsClosed(Exception):
    """The booking is cancelled or its session has begun: its forms can no longer be filled."""

    def __init__(self, booking):
        super().__init__()
        self.booking = booking


@bp.after_app_request
def _keep_intake_links_private(response):
    # The intake link opens a client's answers: no cache keeps its pages, no Referer carries it.
    # An app-wide hook, so that a mistyped /intake/ address is kept private as well.
    if request.path.startswith("/intake/"):
        keep_link_private(response)
    return response


@bp.errorhandler(LinkNotRight)
def _link_not_right(error: LinkNotRight):
    # Whom to ask for fresh links: the booking's practice, or an install's only one.
    practices = [error.booking.practice] if error.booking else booking_service.all_practices()
    practice = practices[0] if len(practices) == 1 else None
    page = render_template("intake/client/link_not_right.html", booking=error.booking, token=error.token, practice=practice)
    return page, 404


@bp.errorhandler(FormsClosed)
def _forms_closed(error: FormsClosed):
    return render_template("intake/client/closed.html", booking=error.booking), 410


@bp.app_template_global()
def intake_forms_for(booking) -> list[client_forms.ListedForm]:
    """The forms the manage page lists, while they can still be filled (empty when the service asks for none)."""
    return client_forms.forms_for_manage_page(booking, _now())


@bp.app_template_global()
def intake_token_for(booking) -> str:
    return service.intake_token(booking)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _booking(token: str):
    booking = service.booking_for_intake_token(token)
    if booking is None:
        raise LinkNotRight(service.booking_for_expired_intake_token(token))
    return booking


def _open_booking(token: str):
    booking = _booking(token)
    if not service.is_open(booking, _now()):
        raise FormsClosed(booking)
    return booking


def _form(booking, token: str, form_id: int) -> service.FormToFill:
    item = service.form_for_booking(booking, form_id)
    if item is None or not service.definition_for(item).sections:
        raise LinkNotRight(booking, token)
    return item


def _sent_page(token: str, form_id: int):
    return redirect(url_for("intake.sent", token=token, form_id=form_id), code=303)


def _step_page(token: str, form_id: int, step: int):
    return redirect(url_for("intake.page", token=token, form_id=form_id, step=step), code=303)


@bp.get("/intake/<token>")
def forms(token: str):
    booking = _open_booking(token)
    return render_template("intake/client/forms.html", booking=booking, token=token, forms=client_forms.listed_forms(booking))


@bp.get("/intake/<token>/<int:form_id>")
def resume(token: str, form_id: int):
    """Where the client left off: the first page not yet answered, or the thanks once sent."""
    booking = _open_booking(token)
    item = _form(booking, token, form_id)
    if item.done:
        return _sent_page(token, form_id)
    return _step_page(token, form_id, service.reached_step(item))


@bp.route("/intake/<token>/<int:form_id>/<int:step>", methods=["GET", "POST"])
def page(token: str, form_id: int, step: int):
    booking = _open_booking(token)
    item = _form(booking, token, form_id)
    definition = service.definition_for(item)
    if step >= len(definition.sections):
        raise LinkNotRight(booking, token)
    if item.done:
        return _sent_page(token, form_id)
    # Pages are answered in order: a later one is reached by answering those before it.
    reached = service.reached_step(item)
    if step > reached:
        return _step_page(token, form_id, reached)
    saved_answers = service.answers_of(item.response)
    now = _now()
    errors, status = {}, 200
    if request.method == "POST":
        posted = request.form.to_dict(flat=False)
        try:
            saved = service.save_page(booking, form_id, step, posted, now=now)
        except service.IntakeClosed:
            raise FormsClosed(booking) from None
        if not saved.errors:
            if saved.next_step is None:
                return _sent_page(token, form_id)
            return _step_page(token, form_id, saved.next_step)
        errors, status = saved.errors, 422
    else:
        posted = client_forms.as_posted(definition.sections[step], saved_answers)
    shown = client_forms.shown_page(definition, step, posted, saved_answers, errors)
    return (
        render_template(
            "intake/client/page.html",
            booking=booking,
            token=token,
            form_id=form_id,
            page=shown,
            # A consent is dated with the practice's day, as the service stores it.
            today=local_day(now, booking.practice.timezone),
            crisis=service.shows_crisis_resources(item.response, booking),
        ),
        status,
    )


@bp.get("/intake/<token>/<int:form_id>/sent")
def sent(token: str, form_id: int):
    # Shown even once the session has begun: the thanks, and any crisis resources, must not vanish.
    booking = _booking(token)
    item = _form(booking, token, form_id)
    if not item.done:
        return redirect(url_for("intake.resume", token=token, form_id=form_id), code=303)
    remaining = [form for form in client_forms.listed_forms(booking) if not form.done]
    return render_template(
        "intake/client/sent.html",
        booking=booking,
        token=token,
        title=service.definition_for(item).title,
        remaining=remaining if service.is_open(booking, _now()) else [],
        crisis=service.shows_crisis_resources(item.response, booking),
    )
