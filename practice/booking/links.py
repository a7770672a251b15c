"""The manage link: a booking's random public id, signed with the secret key, at BASE_URL."""
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

from practice.external_urls import external_url

SALT = "tend.manage-booking"
EMAIL_CONFIRMATION_SALT = "tend.confirm-email"
#: An emailed confirmation link works for a day: a click after the hold lapsed still books a time that is free.
EMAIL_CONFIRMATION_MAX_AGE = 24 * 60 * 60


def manage_token(public_id: str, secret_key: str) -> str:
    return URLSafeSerializer(secret_key, salt=SALT).dumps(public_id)


def public_id_from_token(token: str, secret_key: str) -> str | None:
    """The public id a token was signed for; None when tampered with or not ours."""
    try:
        public_id = URLSafeSerializer(secret_key, salt=SALT).loads(token)
    except BadSignature:
        return None
    return public_id if isinstance(public_id, str) else None


def manage_url(public_id: str) -> str:
    """The client's own link to see, move or cancel their booking; the same in emails, the API and redirects."""
    return external_url("booking.manage", token=manage_token(public_id, current_app.config["SECRET_KEY"]))


def email_confirmation_token(public_id: str, secret_key: str) -> str:
    """Only ever emailed: following it proves the client reads that address (the manage link was shown on screen)."""
    return URLSafeTimedSerializer(secret_key, salt=EMAIL_CONFIRMATION_SALT).dumps(public_id)


def public_id_from_email_confirmation(token: str, secret_key: str) -> str | None:
    try:
        public_id = URLSafeTimedSerializer(secret_key, salt=EMAIL_CONFIRMATION_SALT).loads(
            token, max_age=EMAIL_CONFIRMATION_MAX_AGE
        )
    except BadSignature:
        return None
    return public_id if isinstance(public_id, str) else None


def email_confirmation_url(public_id: str) -> str:
    token = email_confirmation_token(public_id, current_app.config["SECRET_KEY"])
    return external_url("booking.confirm_email", token=token)
