"""The intake link: a booking's public id signed with a timestamp, good for INTAKE_LINK_DAYS and only
while the booking is to come. It lets a client fill and resume the booking's forms, nothing else."""
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from practice.external_urls import external_url

SALT = "tend.intake"
DEFAULT_DAYS = 30


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def intake_token(public_id: str) -> str:
    return _serializer().dumps(public_id)


def public_id_from_token(token: str) -> str | None:
    """The public id a token was signed for; None when expired, tampered with or not ours."""
    return _public_id(token, max_age=int(current_app.config.get("INTAKE_LINK_DAYS", DEFAULT_DAYS)) * 86400)


def public_id_from_expired_token(token: str) -> str | None:
    """The public id of a token we signed, however old: only to say whom to contact once it has expired."""
    return _public_id(token, max_age=None)


def _public_id(token: str, *, max_age: int | None) -> str | None:
    try:
        public_id = _serializer().loads(token, max_age=max_age)
    except BadSignature:  # SignatureExpired included
        return None
    return public_id if isinstance(public_id, str) else None


def intake_url(public_id: str) -> str:
    """The client's link to the booking's forms, the same in emails and on the manage page."""
    return external_url("intake.forms", token=intake_token(public_id))
