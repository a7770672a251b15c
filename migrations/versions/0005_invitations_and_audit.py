"""invitations and the audit trail: an owner invites practitioners; an append-only record of who read and changed what

Revision ID: 0005_invitations_and_audit
Revises: 0004_practices_and_clients
Create Date: 2026-11-27 11:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = "0005_invitations_and_audit"
down_revision = "0004_practices_and_clients"
branch_labels = None
depends_on = None

AUDIT_ACTIONS = (
    "signed_in", "sign_in_failed", "signed_out", "password_reset", "practice_created", "settings_changed",
    "profile_changed", "invitation_sent", "invitation_revoked", "invitation_accepted", "sealed_read", "exported",
    "data_key_rotated",
)
OPEN = "accepted_at IS NULL AND revoked_at IS NULL"
REFUSAL = "audit events are never changed or deleted"


def upgrade():
    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("practice_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column(
            "role",
            sa.Enum("owner", "practitioner", name="role", native_enum=False, length=20),
            nullable=False,
            server_default="practitioner",
        ),
        sa.Column("invited_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("practitioner_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("role IN ('owner', 'practitioner')", name=op.f("ck_invitation_role_valid")),
        sa.ForeignKeyConstraint(["practice_id"], ["practice.id"], name=op.f("fk_invitation_practice_id_practice")),
        sa.ForeignKeyConstraint(
            ["invited_by_id"], ["practitioner.id"], name=op.f("fk_invitation_invited_by_id_practitioner")
        ),
        sa.ForeignKeyConstraint(
            ["practitioner_id"], ["practitioner.id"], name=op.f("fk_invitation_practitioner_id_practitioner")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation")),
    )
    op.create_index(
        "uq_invitation_open_per_email",
        "invitation",
        ["practice_id", "email"],
        unique=True,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("practice_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.Enum(*AUDIT_ACTIONS, name="auditaction", native_enum=False, length=40), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False, server_default=""),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=300), nullable=False, server_default=""),
        sa.Column("ip_address", sa.String(length=45), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "action IN (" + ", ".join(f"'{action}'" for action in AUDIT_ACTIONS) + ")",
            name=op.f("ck_audit_event_action_valid"),
        ),
        sa.ForeignKeyConstraint(["practice_id"], ["practice.id"], name=op.f("fk_audit_event_practice_id_practice")),
        sa.ForeignKeyConstraint(["actor_id"], ["practitioner.id"], name=op.f("fk_audit_event_actor_id_practitioner")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_index("ix_audit_event_practice_created", "audit_event", ["practice_id", "created_at"], unique=False)
    _refuse_changes_to_audit_events()


def _refuse_changes_to_audit_events():
    # The trail is evidence: not even a bug or a hand-typed query may rewrite it.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()"
        )
        op.execute(
            "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_event_no_{event.lower()} BEFORE {event} ON audit_event "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_event_no_truncate ON audit_event")
        op.execute("DROP TRIGGER audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION audit_event_refuse_change()")
    op.drop_index("ix_audit_event_practice_created", table_name="audit_event")
    op.drop_table("audit_event")
    op.drop_index("uq_invitation_open_per_email", table_name="invitation")
    op.drop_table("invitation")
