"""Error pages and JSON errors: a clear message, never a stack trace or personal data."""
import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

#: Lazy: each is read in the language of the request it answers.
FRIENDLY_MESSAGES = {
    400: lazy_gettext("Something in that request didn't make sense to us. Please go back and try again."),
    403: lazy_gettext("You don't have access to this page."),
    404: lazy_gettext("We couldn't find that page."),
    405: lazy_gettext("That action isn't available here."),
    409: lazy_gettext("That time was just taken — please choose another time."),
    413: lazy_gettext("That was more than we can accept in one go. Please shorten it and try again."),
    415: lazy_gettext("Please send this request as JSON."),
    422: lazy_gettext("Some details need another look."),
    429: lazy_gettext("Too many attempts in a short time. Please wait a minute and try again."),
    500: lazy_gettext("Something went wrong on our side. Nothing was booked; please try again in a moment."),
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str | None = None, fields: dict | None = None):
    # A plain string, in the request's language, for JSON as for the page.
    message = str(message or FRIENDLY_MESSAGES.get(status) or _("Something went wrong."))
    if wants_json():
        body = {"error": message}
        if fields:
            body["fields"] = fields
        return jsonify(body), status
    return render_template("errors/error.html", status=status, message=message), status


def _handle_http_error(error: HTTPException):
    if isinstance(error, CSRFError):
        return error_response(400, _("This form has expired. Please go back, reload the page and try again."))
    return error_response(error.code or 500)


def _handle_unexpected_error(error: Exception):
    # Log the type and place only: exception messages may quote what a client typed.
    log.error("unhandled %s on %s %s", type(error).__name__, request.method, request.url_rule)
    return error_response(500)


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, _handle_http_error)
    app.register_error_handler(InternalServerError, _handle_unexpected_error)
    app.register_error_handler(Exception, _handle_unexpected_error)
