"""Blueprints whose pages belong to logged-in practitioners, and who the current actor is."""
from flask import Blueprint, request
from flask_login import current_user, login_required

from practice.security.audit import Actor


def make_private(bp: Blueprint) -> Blueprint:
    """Require a login for every page of `bp` and keep its answers out of every cache.

    These pages name clients and carry their manage links: no shared or back-button cache
    may keep them. Which rows a page may show is decided by security.authz.
    """

    @bp.before_request
    @login_required
    def require_login():
        """Every page here belongs to a logged-in practitioner."""

    @bp.after_request
    def keep_out_of_caches(response):
        response.headers["Cache-Control"] = "no-store"
        return response

    return bp


def current_actor() -> Actor:
    """The logged-in practitioner as security.authz and the audit trail see them; a visitor otherwise."""
    ip_address = request.remote_addr or ""
    if not current_user.is_authenticated:
        return Actor(ip_address=ip_address)
    return Actor(current_user.id, current_user.practice_id, current_user.is_owner, ip_address)
