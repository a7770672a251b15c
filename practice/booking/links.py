"""The manage link's token: a booking's random public id, signed with the secret key."""
from itsdangerous import BadSignature, URLSafeSerializer

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
