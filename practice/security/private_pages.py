"""Blueprints whose pages belong to the logged-in practitioner alone."""
from typing import TypeVar

from flask import Blueprint, abort
from flask_login import login_required

from practice.admin.service import owned

Owned = TypeVar("Owned")


def make_private(bp: Blueprint) -> Blueprint:
    """Require a login for every page of `bp` and keep its answers out of every cache.

    These pages name clients and carry their manage links: no shared or back-button cache
    may keep them.
    """

    @bp.before_request
    @login_required
    def require_login():
        """Every page here belongs to the logged-in practitioner."""

    @bp.after_request
    def keep_out_of_caches(response):
        response.headers["Cache-Control"] = "no-store"
        return response

    return bp


def owned_or_404(model: type[Owned], object_id: int, practitioner_id: int) -> Owned:
    """The row if it belongs to the practitioner; else 404, never 403.

    Another practice's ids must not even be confirmed to exist.
    """
    found = owned(model, object_id, practitioner_id)
    if found is None:
        abort(404)
    return found
