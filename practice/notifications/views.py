"""The Emails page: every message Tend owes or sent for the practice, rendered as it went out."""
from datetime import datetime, timezone

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from practice.notifications import service
from practice.notifications.models import OutboxMessage
from practice.security.authz import found_or_404
from practice.security.headers import email_preview
from practice.security.private_pages import current_actor, make_private

bp = make_private(Blueprint("notifications", __name__, url_prefix="/admin/emails"))

#: Far beyond any real outbox; keeps a hand-typed ?page= from asking SQLite for an absurd offset.
LAST_PAGE = 10_000


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _read_message(message_id: int, what: str) -> OutboxMessage:
    """The message, if the actor may see it, its reading recorded first."""
    actor = current_actor()
    message = found_or_404(OutboxMessage, message_id, actor)
    if not service.may_see(actor, message):
        abort(404)
    service.record_content_read(message, actor=actor, now=_now(), what=what)
    return message


@bp.get("/")
def list_messages():
    page = min(max(request.args.get("page", 1, type=int), 1), LAST_PAGE)
    visible = service.visible_messages(current_actor())
    messages, more = service.messages_for(visible, page=page)
    return render_template(
        "notifications/emails.html",
        messages=messages,
        page=page,
        more=more,
        failed=service.failed_count(visible),
        zone=current_user.practice.timezone,
    )


@bp.get("/<int:message_id>")
def show_message(message_id: int):
    message = _read_message(message_id, "email content")
    return render_template(
        "notifications/email.html", message=message, zone=current_user.practice.timezone,
        kept_days=service.SENT_CONTENT_KEPT.days,
    )


@bp.get("/<int:message_id>/html")
def message_html(message_id: int):
    """The email's HTML alone, framed by show_message: a page of its own, so it can have the
    inline styles mail clients need without the admin pages' policy allowing them."""
    # Framed by the message's page, but a page of its own: read directly, it is a read too.
    return email_preview(_read_message(message_id, "email content (HTML)").body_html)


@bp.post("/<int:message_id>/send-again")
def send_again(message_id: int):
    actor = current_actor()
    if not service.may_see(actor, found_or_404(OutboxMessage, message_id, actor)):
        abort(404)
    if service.retry_message(message_id, now=_now()):
        flash("This email is back in the queue. Tend will try to send it again within a minute or so.", "success")
    else:
        flash("This email isn't waiting to be sent again, so nothing changed.", "info")
    return redirect(url_for("notifications.show_message", message_id=message_id), code=303)
