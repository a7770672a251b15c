"""Practitioner accounts: set up a practice, log in and out, reset a password, edit one's own profile."""
import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from practice.accounts.common_passwords import is_common_password
from practice.accounts.models import Membership, Practice, Practitioner, Role
from practice.accounts.passwords import hash_password, password_matches
from practice.accounts.signals import password_reset_requested
from practice.extensions import begin_write_transaction, db
from practice.external_urls import external_url
from practice.security import audit
from practice.security.audit import Actor
from practice.security.models import AuditAction
from practice.timeformats import is_known_timezone

MIN_PASSWORD_LENGTH = 10
#: scrypt hashes whatever it is given; a cap keeps one request from costing much more than another.
MAX_PASSWORD_LENGTH = 1024
COMMON_PASSWORD_MESSAGE = "That password is one of the most commonly used, so it's easy to guess. Please choose another."

RESET_SALT = "tend.password-reset"
RESET_LIFETIME = timedelta(hours=1)

SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
SLUG_LENGTHS = range(2, 61)
NAME_LIMIT = 120
BIO_LIMIT = 2000


class AccountError(Exception):
    """An account change that cannot be made; `field_errors` are safe to show the practitioner."""

    def __init__(self, field_errors: dict[str, str]):
        super().__init__("; ".join(field_errors.values()))
        self.field_errors = field_errors


class SignupClosed(Exception):
    """Someone set up this install's practice a moment ago: from now on people join by invitation."""


class InvalidResetLink(Exception):
    """The reset link is malformed, expired, or already used."""


@dataclass(frozen=True)
class NewPractice:
    """What the first person of a practice says about it when setting it up."""

    name: str
    slug: str
    timezone: str


@dataclass(frozen=True)
class PersonProfile:
    """What a practitioner says about themselves; clients read it on the booking pages."""

    name: str
    profession: str = ""
    bio: str = ""
    #: The end of their booking page's address; chosen from the name when left empty.
    slug: str = ""


def normalized_email(email: str) -> str:
    # Logins are matched without regard to case: people type their address both ways.
    return email.strip().lower()


def signup_open(*, allow_signup: bool) -> bool:
    """Anyone may set up a practice on an install that hosts several, or on one that has none yet."""
    return allow_signup or db.session.scalar(select(Practice.id).limit(1)) is None


def create_practice(
    *, email: str, password: str, person: PersonProfile, practice: NewPractice, actor: Actor, now: datetime,
    allow_signup: bool = True,
) -> Practitioner:
    """Set up a practice with its first practitioner as owner, or raise AccountError naming every field in the way.

    Without `allow_signup` (an install that hosts one practice) it raises SignupClosed once
    any practice exists, decided under the write lock so two first sign-ups make one practice.
    """
    email = normalized_email(email)
    errors = password_errors(password) | person_errors(person) | _new_practice_errors(practice)
    if errors:
        raise AccountError(errors)
    # Made holding no write lock and no connection: scrypt is slow on purpose.
    db.session.rollback()
    password_hash = hash_password(password)
    begin_write_transaction()
    if not signup_open(allow_signup=allow_signup):
        db.session.rollback()
        raise SignupClosed()
    errors = _taken_errors(email=email, practice_slug=practice.slug, practitioner_slug=person.slug)
    if errors:
        db.session.rollback()
        raise AccountError(errors)
    created = Practice(name=practice.name, slug=practice.slug, timezone=practice.timezone, created_at=now)
    db.session.add(created)
    practitioner = _new_practitioner(email, password_hash, person, now)
    db.session.add(Membership(practice=created, practitioner=practitioner, role=Role.owner, created_at=now))
    db.session.flush()
    audit.record(
        AuditAction.practice_created,
        actor=Actor(practitioner.id, created.id, True, actor.ip_address),
        now=now,
        object_type="practice",
        object_id=created.id,
    )
    _commit_or_explain()
    return practitioner


def join_practice(
    *, practice_id: int, email: str, password_hash: str, person: PersonProfile, role: Role, now: datetime
) -> Practitioner:
    """Add a practitioner to a practice in the caller's write transaction (an accepted invitation)."""
    errors = _taken_errors(email=email, practitioner_slug=person.slug)
    if errors:
        raise AccountError(errors)
    practitioner = _new_practitioner(email, password_hash, person, now)
    db.session.add(Membership(practice_id=practice_id, practitioner=practitioner, role=role, created_at=now))
    db.session.flush()
    return practitioner


def authenticate(email: str, password: str, *, ip_address: str, now: datetime) -> Practitioner | None:
    """The practitioner with these credentials, or None, taking as long either way; both are audited.

    The hash is checked holding no write lock and no database connection, so a storm of
    failed logins never holds up bookings.
    """
    practitioner = practitioner_by_email(email)
    # An unknown address is hashed too, so the response time does not reveal which have accounts.
    stored_hash = practitioner.password_hash if practitioner is not None else _unused_hash()
    db.session.rollback()
    matches = password_matches(stored_hash, password)
    if practitioner is None:
        _audit_login(None, AuditAction.sign_in_failed, ip_address, now, detail="unknown address")
        return None
    if not matches:
        _audit_login(practitioner, AuditAction.sign_in_failed, ip_address, now)
        return None
    _audit_login(practitioner, AuditAction.signed_in, ip_address, now)
    return practitioner


def sign_out(practitioner_id: int, *, actor: Actor, now: datetime) -> None:
    """End every session of the account, on every device: a shared or lost phone is logged out too."""
    begin_write_transaction()
    practitioner = db.session.get(Practitioner, practitioner_id)
    if practitioner is not None:
        practitioner.session_version += 1
        audit.record(AuditAction.signed_out, actor=actor, now=now, object_type="practitioner", object_id=practitioner_id)
    db.session.commit()


def practitioner_by_id(practitioner_id: int) -> Practitioner | None:
    return db.session.get(Practitioner, practitioner_id)


def practitioner_by_email(email: str) -> Practitioner | None:
    return db.session.scalar(select(Practitioner).where(func.lower(Practitioner.email) == normalized_email(email)))


def update_profile(practitioner: Practitioner, person: PersonProfile, *, actor: Actor, now: datetime) -> Practitioner:
    """Save what a practitioner says about themselves, or raise AccountError and change nothing."""
    practitioner_id = practitioner.id
    errors = person_errors(person)
    if errors:
        raise AccountError(errors)
    begin_write_transaction()
    errors = _taken_errors(practitioner_slug=person.slug, practitioner_id=practitioner_id)
    if errors:
        db.session.rollback()
        raise AccountError(errors)
    practitioner = db.session.get(Practitioner, practitioner_id)
    changed = [name for name in ("name", "profession", "bio", "slug") if getattr(practitioner, name) != getattr(person, name)]
    practitioner.name, practitioner.profession, practitioner.bio = person.name, person.profession, person.bio
    practitioner.slug = person.slug or practitioner.slug
    if changed:
        audit.record(
            AuditAction.profile_changed, actor=actor, now=now, object_type="practitioner",
            object_id=practitioner_id, detail=", ".join(changed),
        )
    _commit_or_explain()
    return practitioner


def request_password_reset(email: str, *, secret_key: str, now: datetime) -> None:
    """Announce that the account with this address, if there is one, wants a reset link.

    Runs in the worker, never in the request: the form's answer must take as long for an
    address with no account as for one with, so it only queues this. Notifications decides
    whether an email is owed (not more than one every few minutes).
    """
    practitioner = practitioner_by_email(email)
    if practitioner is None:
        return
    begin_write_transaction()
    reset_url = external_url("accounts.reset_password", token=password_reset_token(practitioner, secret_key))
    password_reset_requested.send(practitioner, reset_url=reset_url, now=now)
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


def reset_password(token: str, new_password: str, *, secret_key: str, now: datetime, ip_address: str = "") -> Practitioner:
    """Set a new password by a reset link, ending every session; raise InvalidResetLink or AccountError instead."""
    if practitioner_for_reset_token(token, secret_key, now=now) is None:
        raise InvalidResetLink()
    errors = password_errors(new_password)
    if errors:
        raise AccountError(errors)
    # Ends the read above: no connection is held while scrypt runs.
    db.session.rollback()
    password_hash = hash_password(new_password)
    begin_write_transaction()
    # Checked again under the write lock: two tabs submitting one link must not both succeed.
    practitioner = practitioner_for_reset_token(token, secret_key, now=now)
    if practitioner is None:
        db.session.rollback()
        raise InvalidResetLink()
    practitioner.password_hash = password_hash
    practitioner.session_version += 1
    audit.record(
        AuditAction.password_reset,
        actor=Actor(practitioner.id, practitioner.practice_id, practitioner.is_owner, ip_address),
        now=now,
        object_type="practitioner",
        object_id=practitioner.id,
    )
    db.session.commit()
    return practitioner


def password_errors(password: str) -> dict[str, str]:
    if len(password) < MIN_PASSWORD_LENGTH:
        return {"password": f"Please use at least {MIN_PASSWORD_LENGTH} characters."}
    if len(password) > MAX_PASSWORD_LENGTH:
        return {"password": f"Please use at most {MAX_PASSWORD_LENGTH} characters."}
    if is_common_password(password):
        return {"password": COMMON_PASSWORD_MESSAGE}
    return {}


def person_errors(person: PersonProfile) -> dict[str, str]:
    errors = {}
    if not person.name:
        errors["name"] = "Please tell us your name."
    elif len(person.name) > NAME_LIMIT:
        errors["name"] = f"Please keep this under {NAME_LIMIT} characters."
    if len(person.profession) > NAME_LIMIT:
        errors["profession"] = f"Please keep this under {NAME_LIMIT} characters."
    if len(person.bio) > BIO_LIMIT:
        errors["bio"] = "Please keep this under 2,000 characters."
    if person.slug and (message := slug_errors(person.slug)):
        errors["slug"] = message
    return errors


def slug_errors(slug: str) -> str | None:
    if len(slug) not in SLUG_LENGTHS or not SLUG_PATTERN.match(slug):
        return "Please use 2 to 60 lowercase letters, digits and single hyphens between them."
    if slug in RESERVED_SLUGS:
        return "That web address is used by Tend itself — please choose another."
    return None


#: Path segments of the booking pages that a practitioner's slug would hide (/book/<practice>/lost-link).
RESERVED_SLUGS = frozenset({"lost-link"})


def slug_from(name: str) -> str:
    """A web address made from a name: "Rowan Hale" → "rowan-hale"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:50].strip("-")
    return slug if len(slug) >= 2 else "practitioner"


def free_practitioner_slug(wanted: str, *, practitioner_id: int | None = None) -> str:
    """`wanted`, or `wanted-2`, `wanted-3` … whichever no other practitioner uses."""
    slug, n = wanted, 1
    while slug in RESERVED_SLUGS or _taken(Practitioner.slug, slug, Practitioner.id, practitioner_id):
        n += 1
        slug = f"{wanted}-{n}"
    return slug


def _new_practitioner(email: str, password_hash: str, person: PersonProfile, now: datetime) -> Practitioner:
    practitioner = Practitioner(
        email=email,
        password_hash=password_hash,
        name=person.name,
        profession=person.profession,
        bio=person.bio,
        slug=person.slug or free_practitioner_slug(slug_from(person.name)),
        session_version=0,
        created_at=now,
    )
    db.session.add(practitioner)
    return practitioner


def _new_practice_errors(practice: NewPractice) -> dict[str, str]:
    errors = {}
    if not practice.name:
        errors["practice_name"] = "Please give your practice a name."
    elif len(practice.name) > NAME_LIMIT:
        errors["practice_name"] = f"Please keep this under {NAME_LIMIT} characters."
    if message := slug_errors(practice.slug):
        errors["practice_slug"] = message
    if not is_known_timezone(practice.timezone):
        errors["timezone"] = "Please choose a timezone from the list."
    return errors


def _taken_errors(
    *, email: str | None = None, practice_slug: str | None = None, practitioner_slug: str | None = None,
    practitioner_id: int | None = None,
) -> dict[str, str]:
    errors = {}
    if email is not None and _taken(func.lower(Practitioner.email), email, Practitioner.id, practitioner_id):
        # Sign-up is the one place an address's use can be learned; it cannot be avoided
        # without email confirmation, and the login form still reveals nothing.
        errors["email"] = "An account with that email already exists. Try logging in instead."
    if practice_slug and _taken(Practice.slug, practice_slug, Practice.id, None):
        errors["practice_slug"] = "Another practice already uses that web address. Please choose another."
    if practitioner_slug and _taken(Practitioner.slug, practitioner_slug, Practitioner.id, practitioner_id):
        errors["slug"] = "Someone else already uses that web address. Please choose another."
    return errors


def _taken(column, value: str, id_column, own_id: int | None) -> bool:
    query = select(id_column).where(column == value)
    if own_id is not None:
        query = query.where(id_column != own_id)
    return db.session.scalar(query.limit(1)) is not None


def _commit_or_explain() -> None:
    try:
        db.session.commit()
    except IntegrityError:
        # Someone took the address or web address between our check and the insert.
        db.session.rollback()
        raise AccountError({"slug": "That web address or email was just taken. Please try again."}) from None


def _audit_login(practitioner: Practitioner | None, action: AuditAction, ip_address: str, now: datetime, detail: str = "") -> None:
    # Never the address typed for an unknown account: people type passwords into the wrong box.
    actor = (
        Actor(practitioner.id, practitioner.practice_id, practitioner.is_owner, ip_address)
        if practitioner
        else Actor(ip_address=ip_address)
    )
    begin_write_transaction()
    audit.record(
        action, actor=actor, now=now, object_type="practitioner" if practitioner else "",
        object_id=practitioner.id if practitioner else None, detail=detail,
    )
    db.session.commit()


def _password_fingerprint(practitioner: Practitioner) -> str:
    # A digest, not the hash itself: the token's payload is signed but readable by anyone holding it.
    return hashlib.sha256(practitioner.password_hash.encode()).hexdigest()[:32]


@lru_cache(maxsize=1)
def _unused_hash() -> str:
    return hash_password("no account has this password")
