"""Blueprints whose pages belong to the logged-in practitioner alone."""
from flask import Blueprint
from flask_login import login_required


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
