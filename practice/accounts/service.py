"""Practitioner accounts: sign up, authenticate, edit the practice profile."""
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from practice.accounts.models import Practitioner
from practice.timeformats import is_known_timezone
from practice.extensions import db

MIN_PASSWORD_LENGTH = 10
#: scrypt hashes whatever it is given; a cap keeps one request from costing much more than another.
MAX_PASSWORD_LENGTH = 1024


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
    practitioner = db.session.scalar(
        select(Practitioner).where(func.lower(Practitioner.email) == normalized_email(email))
    )
    if practitioner is None:
        # Hash anyway, so the response time does not reveal which addresses have accounts.
        check_password_hash(_unused_hash(), password)
        return None
    return practitioner if practitioner.check_password(password) else None


def practitioner_by_id(practitioner_id: int) -> Practitioner | None:
    return db.session.get(Practitioner, practitioner_id)


def update_profile(practitioner: Practitioner, profile: PracticeProfile) -> Practitioner:
    """Save the practice profile, or raise AccountError and leave the account unchanged."""
    errors = _profile_errors(profile, practitioner_id=practitioner.id)
    if errors:
        raise AccountError(errors)
    _apply(practitioner, profile)
    _commit_or_explain(profile, practitioner_id=practitioner.id)
    return practitioner


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
