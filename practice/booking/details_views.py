"""The client changing their own details by their manage link, until their session starts."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from practice.booking import details_change, pages, service
from practice.booking.forms import ChangeDetailsForm
from practice.booking.recovery import booking_for_link
from practice.security.token_links import keep_link_private

bp = Blueprint("manage_details", __name__)


@bp.after_request
def _keep_manage_link_private(response):
    # Every page here is reached by the client's manage link, errors included.
    return keep_link_private(response)


@bp.route("/manage/<token>/details", methods=["GET", "POST"])
def edit(token: str):
    booking = booking_for_link(token)
    try:
        details_change.check_details_changeable(booking, now=pages.now())
    except service.ChangeNotAllowed as refused:
        return _render(booking, token, None, 403, refused.message)
    if request.method == "GET":
        return _render(booking, token, ChangeDetailsForm.for_booking(booking))
    form = ChangeDetailsForm()
    try:
        details_change.change_client_details(booking, form.data, now=pages.now())
    except service.InvalidDetails as invalid:
        form.show_errors(invalid.field_errors)
        return _render(booking, token, form, 422, invalid.message)
    except service.BookingError as refused:
        # The session began, or the booking was cancelled, since the form was opened.
        return _render(booking, token, None, 403, refused.message)
    # Only the words: what changed stays out of the URL, the session cookie's flash and the log.
    flash(_("Your details are updated."), "success")
    return redirect(url_for("booking.manage", token=token), code=303)


def _render(booking, token: str, form: ChangeDetailsForm | None, status: int = 200, message: str | None = None):
    """The form, or (without one) the reason it can't be changed, with the way back to the booking."""
    return render_template("booking/change_details.html", booking=booking, token=token, form=form, message=message), status
