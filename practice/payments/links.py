"""The links Stripe sends a client back by: a payment's random key, signed with a timestamp.

Stripe keeps these URLs, so they carry no manage token: a return link only leads on to the
booking's page for a day, long enough to come back from paying.
"""
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

SALT = "tend.payment-return"
#: After this, the return link no longer leads to the booking: the confirmation email does.
RETURN_LINK_SECONDS = 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def return_token(payment_key: str) -> str:
    return _serializer().dumps(payment_key)


def payment_key_from_token(token: str) -> str | None:
    """The payment key a token was signed for; None when expired, tampered with or not ours."""
    try:
        key = _serializer().loads(token, max_age=RETURN_LINK_SECONDS)
    except BadSignature:  # SignatureExpired included
        return None
    return key if isinstance(key, str) else None
