"""When a client's link is lost or no longer works: a form that emails the links to their upcoming
bookings, and the page a link that opens nothing lands on."""
import hashlib
import hmac
from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, make_response, render_template, request
from flask_limiter import RateLimitExceeded
from werkzeug.exceptions import HTTPException

from practice.accounts.models import Practice
from practice.booking import service
from practice.booking.lost_links import ADDRESS_LIMIT, InvalidAddress, checked_address, send_lost_links
from practice.clients.service import normalised_email
from practice.extensions import limiter
from practice.security.token_links import keep_link_private

bp = Blueprint("recovery", __name__)

def _ip_rate_limit() -> str:
    """How often one IP address may ask (practice/config.py)."""
    return current_app.config["LOST_LINK_RATE_LIMIT_IP"]


def _address_rate_limit() -> str:
    """How often one email address may be asked about, from anywhere: the form must not fill someone's inbox."""
    return current_app.config["LOST_LINK_RATE_LIMIT_ADDRESS"]


def _address_key() -> str:
    """The limiter's key for the address asked about.

    Hashed with the secret key: the limiter keeps its keys in its storage (Redis, perhaps) and
    writes them to its log when a limit is reached, and neither may hold a client's address.
    """
    try:
        typed = request.form.get("email", "")
    except HTTPException:
        # A body we refuse to read (too large): the view refuses it too.
        typed = ""
    try:
        address = checked_address(typed)
    except InvalidAddress:
        address = normalised_email(typed) if isinstance(typed, str) else ""
    secret = current_app.config["SECRET_KEY"]
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    digest = hmac.new(key, address.encode("utf-8", "replace"), hashlib.sha256).hexdigest()
    return f"lost-link:{digest}"


@bp.route("/book/<practice_slug>/lost-link", methods=["GET", "POST"])
@limiter.limit(_ip_rate_limit, methods=["POST"], scope="ip")
@limiter.limit(_address_rate_limit, key_func=_address_key, methods=["POST"], scope="address")
def lost_link(practice_slug: str):
    practice = _practice_or_404(practice_slug)
    if request.method == "GET":
        return _render_form(practice)
    typed = request.form.get("email", "")
    try:
        address = checked_address(typed)
    except InvalidAddress as invalid:
        return _render_form(practice, typed, invalid.message, 422)
    # Whatever it finds, the answer below is the same: it must not tell anyone who books here.
    send_lost_links(practice.id, address, now=datetime.now(UTC))
    return render_template("booking/lost_link_sent.html", practice=practice, address=typed.strip())


@bp.errorhandler(RateLimitExceeded)
def _asked_too_often(error: RateLimitExceeded):
    practice = service.practice_by_slug((request.view_args or {}).get("practice_slug", ""))
    return render_template("booking/lost_link_limited.html", practice=practice), 429


def _practice_or_404(practice_slug: str) -> Practice:
    found = service.practice_by_slug(practice_slug)
    if found is None:
        abort(404)
    return found


def _render_form(practice: Practice, address: str = "", error: str | None = None, status: int = 200):
    return (
        render_template(
            "booking/lost_link.html", practice=practice, address=address, error=error, address_limit=ADDRESS_LIMIT
        ),
        status,
    )


def render_link_not_valid(practice: Practice | None):
    """The page for a manage, intake or payment link that opens nothing (404): whom to contact, and
    the form that emails fresh links. Without `practice`, the install's only one, or a list of them."""
    practices: list[Practice] = []
    if practice is None:
        practices = service.all_practices()
        if len(practices) == 1:
            practice, practices = practices[0], []
    response = make_response(
        render_template(
            "booking/link_not_valid.html", practice=practice, practices=practices, address="", error=None,
            address_limit=ADDRESS_LIMIT,
        ),
        404,
    )
    # The link that brought the visitor here may still be whole enough to hold a booking.
    return keep_link_private(response)


def booking_for_link(token: str):
    """The booking a manage link opens, or (aborting) the link-not-valid page that names the practice.

    A bare "Page not found" would strand a client whose link was cut short or whose booking is gone.
    """
    booking = service.booking_for_manage_token(token, current_app.config["SECRET_KEY"])
    if booking is None:
        abort(render_link_not_valid(practice_for_bad_manage_token(token)))
    return booking


def practice_for_bad_manage_token(token: str) -> Practice | None:
    """The practice a manage link was for, when it is ours but its booking can't be shown (its client
    was erased); otherwise the install's only practice; otherwise None."""
    booking = service.booking_for_manage_token(token, current_app.config["SECRET_KEY"])
    if booking is not None:
        return booking.practice
    practices = service.all_practices()
    return practices[0] if len(practices) == 1 else None
