"""The audit trail, for the practice's owner: every sign-in, read of private details and change of settings."""
from flask import Blueprint, render_template, request
from flask_login import current_user

from practice.security import audit
from practice.security.authz import require_owner
from practice.security.private_pages import current_actor, make_private

bp = make_private(Blueprint("security", __name__, url_prefix="/admin/audit"))

#: Far beyond any real trail; keeps a hand-typed ?page= from asking for an absurd offset.
LAST_PAGE = 10_000


@bp.get("/")
def audit_trail():
    require_owner(current_actor())
    page = min(max(request.args.get("page", 1, type=int), 1), LAST_PAGE)
    events, more = audit.events_for(current_user.practice_id, page=page)
    return render_template(
        "security/audit.html", events=events, page=page, more=more, zone=current_user.practice.timezone
    )
