"""The manage link: a booking's random public id, signed with the secret key, at BASE_URL."""
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from practice.external_urls import external_url

SALT = "tend.manage-booking"


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
