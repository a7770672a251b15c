"""The audit trail: who did what to which record, when and from where. Rows are only ever added."""
import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from practice.extensions import db
from practice.security.access import Access
from practice.sqltypes import UTCDateTime, enum_check


class AuditAction(enum.Enum):
    signed_in = "signed_in"
    sign_in_failed = "sign_in_failed"
    signed_out = "signed_out"
    password_reset = "password_reset"
    practice_created = "practice_created"
    settings_changed = "settings_changed"
    profile_changed = "profile_changed"
    invitation_sent = "invitation_sent"
    invitation_revoked = "invitation_revoked"
    invitation_accepted = "invitation_accepted"
    #: A sealed field (a client's note or phone, an email's content) shown in the admin panel.
    sealed_read = "sealed_read"
    exported = "exported"
    data_key_rotated = "data_key_rotated"
    #: An intake's answers shown to the practitioner who holds the booking; printed; downloaded.
    intake_read = "intake_read"
    intake_printed = "intake_printed"
    intake_exported = "intake_exported"
    #: By the client, from their manage link.
    client_data_downloaded = "client_data_downloaded"
    erasure_requested = "erasure_requested"
    #: Never says what was erased: only that it was, for which client record.
    client_erased = "client_erased"


AUDIT_ACTION_LABELS = {
    AuditAction.signed_in: "Logged in",
    AuditAction.sign_in_failed: "Failed log-in",
    AuditAction.signed_out: "Logged out",
    AuditAction.password_reset: "Reset their password",
    AuditAction.practice_created: "Created the practice",
    AuditAction.settings_changed: "Changed practice settings",
    AuditAction.profile_changed: "Changed their profile",
    AuditAction.invitation_sent: "Sent an invitation",
    AuditAction.invitation_revoked: "Withdrew an invitation",
    AuditAction.invitation_accepted: "Accepted an invitation",
    AuditAction.sealed_read: "Read private details",
    AuditAction.exported: "Exported records",
    AuditAction.data_key_rotated: "Rotated the data key",
    AuditAction.intake_read: "Read an intake",
    AuditAction.intake_printed: "Printed an intake",
    AuditAction.intake_exported: "Downloaded an intake",
    AuditAction.client_data_downloaded: "Client downloaded their data",
    AuditAction.erasure_requested: "Client asked for erasure",
    AuditAction.client_erased: "Erased a client's data",
}


class AuditEvent(db.Model):
    """One thing that happened. Nothing updates or deletes a row; PostgreSQL and SQLite triggers refuse it."""

    __access__ = Access.practice

    __table_args__ = (
        enum_check("action", AuditAction),
        Index("ix_audit_event_practice_created", "practice_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: None for what belongs to no practice (a failed log-in with an unknown address).
    practice_id: Mapped[int | None] = mapped_column(ForeignKey("practice.id"))
    #: The practitioner who acted; None for a visitor or the command line.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("practitioner.id"))
    action: Mapped[AuditAction] = mapped_column(Enum(AuditAction, native_enum=False, length=40, create_constraint=False))
    #: The record acted on, as a table name and id ("booking", 12).
    object_type: Mapped[str] = mapped_column(String(40), server_default="")
    object_id: Mapped[int | None]
    #: A short note that never holds client data: which fields were read, which settings changed.
    detail: Mapped[str] = mapped_column(String(300), server_default="")
    ip_address: Mapped[str] = mapped_column(String(45), server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    #: The Practitioner who acted, named rather than imported: the trail sits below every area.
    actor = relationship("Practitioner")

    @property
    def label(self) -> str:
        return AUDIT_ACTION_LABELS[self.action]
