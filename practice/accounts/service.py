"""Practitioner accounts: sign up, authenticate, reset a password, edit the practice profile and settings."""
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from practice.accounts.common_passwords import is_common_password
from practice.accounts.models import Practitioner
from practice.extensions import db
from practice.notifications import service as notifications
from practice.timeformats import is_known_timezone

MIN_PASSWORD_LENGTH = 10
#: scrypt hashes whatever it is given; a cap keeps one request from costing much more than another.
MAX_PASSWORD_LENGTH = 1024
COMMON_PASSWORD_MESSAGE = "That password is one of the most commonly used, so it's easy to guess. Please choose another."

RESET_SALT = "tend.password-reset"
RESET_LIFETIME = timedelta(hours=1)
#: At most one reset email per account in this time: the form must not become a way to flood an inbox.
RESET_EMAIL_INTERVAL = timedelta(minutes=2)

REMINDER_HOURS = range(1, 169)
CANCELLATION_WINDOW_HOURS = range(0, 337)
HEX_COLOUR = re.compile(r"#[0-9a-f]{6}\Z")
#: WCAG AA for normal text: emails put white text on the accent colour.
MIN_CONTRAST_WITH_WHITE = 4.5


class AccountError(Exception):
    """An account change that cannot be made; `field_errors` are safe to show the practitioner."""

    def __init__(self, field_errors: dict[str, str]):
        super().__init__("; ".join(field_errors.values()))
        self.field_errors = field_errors


@dataclass(frozen=True)
class PracticeProfile:
    """What a practitioner says about themselves and their practice."""

    name: str
    practice_name: str
    slug: str
    timezone: str
    bio: str = ""
    contact_email: str = ""


class InvalidResetLink(Exception):
    """The reset link is malformed, expired, or already used."""


@dataclass(frozen=True)
class PracticeSettings:
    """How the practice's emails and self-service changes behave."""

    #: None sends no reminders.
    reminder_hours: int | None = 24
    cancellation_window_hours: int = 24
    show_service_in_emails: bool = False
    accent_colour: str = "#2f6b5a"


def normalized_email(email: str) -> str:
    # Logins are matched without regard to case: people type their address both ways.
    return email.strip().lower()


def sign_up(*, email: str, password: str, profile: PracticeProfile, now: datetime) -> Practitioner:
    """Create a practitioner account, or raise AccountError naming every field in the way."""
    email = normalized_email(email)
    errors = _password_errors(password) | _profile_errors(profile, email=email)
    if errors:
        raise AccountError(errors)
    practitioner = Practitioner(email=email, created_at=now)
    practitioner.set_password(password)
    _apply(practitioner, profile)
    db.session.add(practitioner)
    _commit_or_explain(profile, email=email)
    return practitioner


def authenticate(email: str, password: str) -> Practitioner | None:
    """The practitioner with these credentials, or None, taking as long either way."""
    practitioner = _practitioner_by_email(email)
    if practitioner is None:
        # Hash anyway, so the response time does not reveal which addresses have accounts.
        check_password_hash(_unused_hash(), password)
        return None
    return practitioner if practitioner.check_password(password) else None


def practitioner_by_id(practitioner_id: int) -> Practitioner | None:
    return db.session.get(Practitioner, practitioner_id)


def update_profile(
    practitioner: Practitioner, profile: PracticeProfile, settings: PracticeSettings | None = None
) -> Practitioner:
    """Save the practice profile (and settings), or raise AccountError and leave the account unchanged."""
    errors = _profile_errors(profile, practitioner_id=practitioner.id)
    if settings is not None:
        errors |= _settings_errors(settings)
    if errors:
        raise AccountError(errors)
    _apply(practitioner, profile)
    if settings is not None:
        _apply_settings(practitioner, settings)
    _commit_or_explain(profile, practitioner_id=practitioner.id)
    return practitioner


def request_password_reset(email: str, *, secret_key: str, now: datetime) -> None:
    """Owe a reset link to the account with this address, if there is one.

    Says nothing either way: the caller must answer every address alike, so the form never
    reveals who has an account.
    """
    practitioner = _practitioner_by_email(email)
    if practitioner is None:
        return
    if notifications.password_reset_owed_since(practitioner.id, now - RESET_EMAIL_INTERVAL):
        return
    reset_url = notifications.external_url("accounts.reset_password", token=password_reset_token(practitioner, secret_key))
    notifications.owe_password_reset(practitioner, reset_url=reset_url, now=now)
    db.session.commit()


def password_reset_token(practitioner: Practitioner, secret_key: str) -> str:
    # Bound to the current password: once it changes, every earlier link stops working.
    payload = {"id": practitioner.id, "pw": _password_fingerprint(practitioner)}
    return URLSafeTimedSerializer(secret_key, salt=RESET_SALT).dumps(payload)


def practitioner_for_reset_token(token: str, secret_key: str, *, now: datetime) -> Practitioner | None:
    """The practitioner a reset link is for, or None if it is malformed, over an hour old, or used."""
    try:
        payload, issued_at = URLSafeTimedSerializer(secret_key, salt=RESET_SALT).loads(token, return_timestamp=True)
    except BadData:
        return None
    if now - issued_at > RESET_LIFETIME or not isinstance(payload, dict):
        return None
    practitioner_id, fingerprint = payload.get("id"), payload.get("pw")
    if not isinstance(practitioner_id, int) or not isinstance(fingerprint, str):
        return None
    practitioner = db.session.get(Practitioner, practitioner_id)
    if practitioner is None or not hmac.compare_digest(fingerprint, _password_fingerprint(practitioner)):
        return None
    return practitioner


def reset_password(token: str, new_password: str, *, secret_key: str, now: datetime) -> Practitioner:
    """Set a new password by a reset link; raise InvalidResetLink or AccountError instead."""
    practitioner = practitioner_for_reset_token(token, secret_key, now=now)
    if practitioner is None:
        raise InvalidResetLink()
    errors = _password_errors(new_password)
    if errors:
        raise AccountError(errors)
    practitioner.set_password(new_password)
    db.session.commit()
    return practitioner


def contrast_with_white(colour: str) -> float:
    """The WCAG contrast ratio of a #rrggbb colour against white, from 1 to 21."""
    return 1.05 / (_relative_luminance(colour) + 0.05)


def _relative_luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _password_fingerprint(practitioner: Practitioner) -> str:
    # A digest, not the hash itself: the token's payload is signed but readable by anyone holding it.
    return hashlib.sha256(practitioner.password_hash.encode()).hexdigest()[:32]


def _practitioner_by_email(email: str) -> Practitioner | None:
    return db.session.scalar(select(Practitioner).where(func.lower(Practitioner.email) == normalized_email(email)))


def _settings_errors(settings: PracticeSettings) -> dict[str, str]:
    errors = {}
    if settings.reminder_hours is not None and settings.reminder_hours not in REMINDER_HOURS:
        errors["reminder_hours"] = "Please choose a reminder between 1 hour and 1 week (168 hours) before, or no reminders."
    if settings.cancellation_window_hours is None or settings.cancellation_window_hours not in CANCELLATION_WINDOW_HOURS:
        errors["cancellation_window_hours"] = "Please enter a whole number of hours from 0 to 336 (two weeks)."
    if not HEX_COLOUR.match(settings.accent_colour or ""):
        errors["accent_colour"] = "Please give a colour as # and six hex digits, like #2f6b5a."
    elif (ratio := contrast_with_white(settings.accent_colour)) < MIN_CONTRAST_WITH_WHITE:
        errors["accent_colour"] = (
            f"That colour is too light for white button text to be read easily (contrast {ratio:.1f}:1; "
            f"it needs at least {MIN_CONTRAST_WITH_WHITE}:1). Please choose a darker shade."
        )
    return errors


def _apply_settings(practitioner: Practitioner, settings: PracticeSettings) -> None:
    practitioner.reminder_hours = settings.reminder_hours
    practitioner.cancellation_window_hours = settings.cancellation_window_hours
    practitioner.show_service_in_emails = settings.show_service_in_emails
    practitioner.accent_colour = settings.accent_colour


def _apply(practitioner: Practitioner, profile: PracticeProfile) -> None:
    practitioner.name = profile.name
    practitioner.practice_name = profile.practice_name
    practitioner.slug = profile.slug
    practitioner.timezone = profile.timezone
    practitioner.bio = profile.bio
    practitioner.contact_email = profile.contact_email


def _password_errors(password: str) -> dict[str, str]:
    if len(password) < MIN_PASSWORD_LENGTH:
        return {"password": f"Please use at least {MIN_PASSWORD_LENGTH} characters."}
    if len(password) > MAX_PASSWORD_LENGTH:
        return {"password": f"Please use at most {MAX_PASSWORD_LENGTH} characters."}
    if is_common_password(password):
        return {"password": COMMON_PASSWORD_MESSAGE}
    return {}


def _profile_errors(profile: PracticeProfile, *, email: str | None = None, practitioner_id: int | None = None) -> dict[str, str]:
    errors = {}
    if not is_known_timezone(profile.timezone):
        errors["timezone"] = "Please choose a timezone from the list."
    if _taken(Practitioner.slug, profile.slug, practitioner_id):
        errors["slug"] = "Another practice already uses that web address. Please choose another."
    if email is not None and _taken(func.lower(Practitioner.email), email, practitioner_id):
        # Sign-up is the one place an address's use can be learned; it cannot be avoided
        # without email confirmation, and the login form still reveals nothing.
        errors["email"] = "An account with that email already exists. Try logging in instead."
    return errors


def _taken(column, value: str, practitioner_id: int | None) -> bool:
    query = select(Practitioner.id).where(column == value)
    if practitioner_id is not None:
        query = query.where(Practitioner.id != practitioner_id)
    return db.session.scalar(query.limit(1)) is not None


def _commit_or_explain(profile: PracticeProfile, **identity) -> None:
    try:
        db.session.commit()
    except IntegrityError:
        # Someone took the slug or address between our check and the insert.
        db.session.rollback()
        raise AccountError(
            _profile_errors(profile, **identity) or {"slug": "That web address was just taken. Please choose another."}
        ) from None


@lru_cache(maxsize=1)
def _unused_hash() -> str:
    return generate_password_hash("no account has this password", method="scrypt")
