"""Error pages and JSON errors: a clear message, never a stack trace or personal data."""
import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

FRIENDLY_MESSAGES = {
    400: "Something in that request didn't make sense to us. Please go back and try again.",
    403: "You don't have access to this page.",
    404: "We couldn't find that page.",
    405: "That action isn't available here.",
    409: "That time was just taken — please choose another time.",
    413: "That was more than we can accept in one go. Please shorten it and try again.",
    415: "Please send this request as JSON.",
    422: "Some details need another look.",
    429: "Too many attempts in a short time. Please wait a minute and try again.",
    500: "Something went wrong on our side. Nothing was booked; please try again in a moment.",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str | None = None, fields: dict | None = None):
    message = message or FRIENDLY_MESSAGES.get(status, "Something went wrong.")
    if wants_json():
        body = {"error": message}
        if fields:
            body["fields"] = fields
        return jsonify(body), status
    return render_template("errors/error.html", status=status, message=message), status


def _handle_http_error(error: HTTPException):
    if isinstance(error, CSRFError):
        return error_response(400, "This form has expired. Please go back, reload the page and try again.")
    return error_response(error.code or 500)


def _handle_unexpected_error(error: Exception):
    # Log the type and place only: exception messages may quote what a client typed.
    log.error("unhandled %s on %s %s", type(error).__name__, request.method, request.url_rule)
    return error_response(500)


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, _handle_http_error)
    app.register_error_handler(InternalServerError, _handle_unexpected_error)
    app.register_error_handler(Exception, _handle_unexpected_error)
