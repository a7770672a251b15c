"""The practitioner's services: create, edit, publish, archive."""
from datetime import datetime, timezone

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from practice.catalog import service
from practice.catalog.forms import ServiceForm
from practice.catalog.models import Service
from practice.security.authz import found_or_404, visible_to
from practice.security.private_pages import current_actor, make_private

bp = make_private(Blueprint("catalog", __name__, url_prefix="/admin/services"))

DONE = {
    "publish": "{name} is published: clients can book it now.",
    "unpublish": "{name} is back to a draft: clients can no longer book it. Existing bookings are kept.",
    "archive": "{name} is archived and hidden everywhere. Existing bookings are kept.",
    "restore": "{name} is restored as a draft.",
}


def _render_list(status: int = 200, message: str | None = None):
    current, archived = service.current_and_archived(visible_to(current_actor(), Service))
    return render_template("catalog/list.html", services=current, archived=archived, message=message), status


def _render_form(form: ServiceForm, found: Service | None, status: int):
    return render_template("catalog/form.html", form=form, found=found), status


@bp.get("")
def list_services():
    return _render_list()


@bp.route("/new", methods=["GET", "POST"])
def new_service():
    form = ServiceForm(currency=current_user.practice.currency)
    if not form.validate_on_submit():
        return _render_form(form, None, 422 if form.is_submitted() else 200)
    try:
        created = service.create_service(current_user._get_current_object(), form.details(), now=datetime.now(timezone.utc))
    except service.CatalogError as refused:
        form.show_errors(refused.field_errors)
        return _render_form(form, None, 422)
    flash(f"{created.name} is saved as a draft. Publish it when you're ready for clients to book it.", "success")
    return redirect(url_for("catalog.list_services"), code=303)


@bp.route("/<int:service_id>/edit", methods=["GET", "POST"])
def edit_service(service_id: int):
    found = found_or_404(Service, service_id, current_actor())
    form = ServiceForm(obj=found, price=found.price_cents, currency=found.currency)
    if not form.validate_on_submit():
        return _render_form(form, found, 422 if form.is_submitted() else 200)
    try:
        service.update_service(found, form.details())
    except service.CatalogError as refused:
        form.show_errors(refused.field_errors)
        return _render_form(form, found, 422)
    flash(f"{found.name} is saved.", "success")
    return redirect(url_for("catalog.list_services"), code=303)


def _change_status(service_id: int, action: str):
    found = found_or_404(Service, service_id, current_actor())
    try:
        service.change_status(found, action)
    except service.CatalogError as refused:
        return _render_list(409, refused.message)
    flash(DONE[action].format(name=found.name), "success")
    return redirect(url_for("catalog.list_services"), code=303)


@bp.post("/<int:service_id>/publish")
def publish_service(service_id: int):
    return _change_status(service_id, "publish")


@bp.post("/<int:service_id>/unpublish")
def unpublish_service(service_id: int):
    return _change_status(service_id, "unpublish")


@bp.post("/<int:service_id>/archive")
def archive_service(service_id: int):
    return _change_status(service_id, "archive")


@bp.post("/<int:service_id>/restore")
def restore_service(service_id: int):
    return _change_status(service_id, "restore")
