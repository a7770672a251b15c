"""Clients: the people who book, one record per practice, found by their email address."""
import enum
from datetime import datetime, timezone

from flask_babel import lazy_gettext
from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from practice.accounts.models import Practice
from practice.extensions import db
from practice.security.access import Access
from practice.security.sealing import SealedText
from practice.sqltypes import UTCDateTime, enum_check


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class ContactPreference(enum.Enum):
    email_only = "email_only"
    phone_ok = "phone_ok"
    #: A call is fine, a voicemail is not: a message left on a shared phone can be heard by anyone.
    no_voicemail = "no_voicemail"


#: Lazy: each is read in the language of the page that shows it; str() one for JSON.
CONTACT_PREFERENCE_LABELS = {
    ContactPreference.email_only: lazy_gettext("Email only"),
    ContactPreference.phone_ok: lazy_gettext("Phone is fine"),
    ContactPreference.no_voicemail: lazy_gettext("Phone, but no voicemail"),
}


class Client(db.Model):
    """Someone who books with a practice. A returning client is recognised by email, without an account."""

    __access__ = Access.practice

    __table_args__ = (
        UniqueConstraint("practice_id", "email", name="uq_client_practice_email"),
        enum_check("contact_preference", ContactPreference),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"))
    #: Normalised (see clients.service.normalised_email): the one key a client is found by.
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    preferred_name: Mapped[str] = mapped_column(String(120), server_default="")
    pronouns: Mapped[str] = mapped_column(String(40), server_default="")
    phone: Mapped[str] = mapped_column(SealedText, server_default="")
    contact_preference: Mapped[ContactPreference] = mapped_column(
        Enum(ContactPreference, native_enum=False, length=20, create_constraint=False),
        server_default=ContactPreference.email_only.value,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)
    #: When the client's personal fields were anonymised (on request, or at the end of retention).
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    practice: Mapped[Practice] = relationship()

    @property
    def display_name(self) -> str:
        return self.preferred_name or self.name
