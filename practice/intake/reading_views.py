"""An intake as its practitioner reads it: flags and score first, then the answers; printable; downloadable."""
import json
from datetime import datetime, timezone

from flask import Blueprint, Response, render_template

from practice.intake import service
from practice.intake.models import IntakeResponse
from practice.security.authz import found_or_404
from practice.security.models import AuditAction
from practice.security.private_pages import current_actor, make_private

bp = make_private(Blueprint("intake_admin", __name__, url_prefix="/admin/intake"))


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _read_or_404(response_id: int, how: AuditAction) -> IntakeResponse:
    """The response, once its reading is in the audit trail; 404 for anyone but the practitioner holding the booking."""
    actor = current_actor()
    response = found_or_404(IntakeResponse, response_id, actor)
    service.record_read(response, actor=actor, how=how, now=_now())
    return response


@bp.get("/<int:response_id>")
def read_intake(response_id: int):
    response = _read_or_404(response_id, AuditAction.intake_read)
    return render_template("intake/reading/summary.html", found=service.summary(response), zone=response.booking.practice.timezone)


@bp.get("/<int:response_id>/print")
def print_intake(response_id: int):
    response = _read_or_404(response_id, AuditAction.intake_printed)
    return render_template("intake/reading/print.html", found=service.summary(response), zone=response.booking.practice.timezone)


@bp.get("/<int:response_id>/export")
def export_intake(response_id: int):
    response = _read_or_404(response_id, AuditAction.intake_exported)
    # The file name says nothing of the client: downloads folders are seen by others.
    return Response(
        json.dumps(service.export(response), ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="intake-{response_id}.json"', "Cache-Control": "no-store"},
    )
