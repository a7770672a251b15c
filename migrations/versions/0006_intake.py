"""intake: forms and their versions, the services that ask for them, sealed responses, erasure requests

Revision ID: 0006_intake
Revises: 0005_invitations_and_audit
Create Date: 2026-11-27 13:13:46.112017

"""
import sqlalchemy as sa
from alembic import op

revision = '0006_intake'
down_revision = '0005_invitations_and_audit'
branch_labels = None
depends_on = None

AUDIT_ACTIONS = (
    "signed_in", "sign_in_failed", "signed_out", "password_reset", "practice_created", "settings_changed",
    "profile_changed", "invitation_sent", "invitation_revoked", "invitation_accepted", "sealed_read", "exported",
    "data_key_rotated",
)
NEW_AUDIT_ACTIONS = (
    "intake_read", "intake_printed", "intake_exported", "client_data_downloaded", "erasure_requested", "client_erased",
)
MESSAGE_KINDS = (
    "booking_confirmed", "booking_rescheduled", "booking_cancelled", "booking_reminder", "practitioner_new_booking",
    "practitioner_cancellation", "practitioner_reschedule", "password_reset", "invitation",
)
NEW_MESSAGE_KINDS = ("intake_attention", "erasure_requested")
REFUSAL = "audit events are never changed or deleted"


def upgrade():
    op.create_table('intake_form',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('practitioner_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('template', sa.String(length=40), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_intake_form_practice_id_practice')),
    sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'], name=op.f('fk_intake_form_practitioner_id_practitioner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_form'))
    )
    with op.batch_alter_table('intake_form', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_form_practice_id'), ['practice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_intake_form_practitioner_id'), ['practitioner_id'], unique=False)

    op.create_table('intake_form_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('definition_json', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['form_id'], ['intake_form.id'], name=op.f('fk_intake_form_version_form_id_intake_form')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_form_version')),
    sa.UniqueConstraint('form_id', 'number', name='uq_intake_form_version_number')
    )
    op.create_table('service_intake_form',
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['form_id'], ['intake_form.id'], name=op.f('fk_service_intake_form_form_id_intake_form')),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_service_intake_form_service_id_service')),
    sa.PrimaryKeyConstraint('service_id', 'form_id', name=op.f('pk_service_intake_form'))
    )
    with op.batch_alter_table('service_intake_form', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_intake_form_form_id'), ['form_id'], unique=False)

    op.create_table('erasure_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('practitioner_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.Enum('confirmed', 'retention', name='erasureoutcome', native_enum=False, length=20), nullable=True),
    sa.CheckConstraint("outcome IN ('confirmed', 'retention')", name=op.f('ck_erasure_request_outcome_valid')),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_erasure_request_booking_id_booking')),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_erasure_request_client_id_client')),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_erasure_request_practice_id_practice')),
    sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'], name=op.f('fk_erasure_request_practitioner_id_practitioner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_erasure_request'))
    )
    with op.batch_alter_table('erasure_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_erasure_request_practice_id'), ['practice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_erasure_request_practitioner_id'), ['practitioner_id'], unique=False)
        batch_op.create_index('uq_erasure_request_open_per_client', ['client_id'], unique=True, sqlite_where=sa.text('completed_at IS NULL'), postgresql_where=sa.text('completed_at IS NULL'))

    op.create_table('intake_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('practitioner_id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('form_version_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('in_progress', 'submitted', name='responsestatus', native_enum=False, length=20), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('answers_json', sa.Text(), server_default='', nullable=False),
    sa.Column('score_json', sa.Text(), server_default='', nullable=False),
    sa.Column('flag_reasons_json', sa.Text(), server_default='', nullable=False),
    sa.Column('attention_level', sa.Integer(), server_default='0', nullable=False),
    sa.Column('attention_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('in_progress', 'submitted')", name=op.f('ck_intake_response_status_valid')),
    sa.CheckConstraint('attention_level BETWEEN 0 AND 2', name=op.f('ck_intake_response_attention_level_valid')),
    sa.CheckConstraint('step >= 0', name=op.f('ck_intake_response_step_not_negative')),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_intake_response_booking_id_booking')),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_intake_response_client_id_client')),
    sa.ForeignKeyConstraint(['form_id'], ['intake_form.id'], name=op.f('fk_intake_response_form_id_intake_form')),
    sa.ForeignKeyConstraint(['form_version_id'], ['intake_form_version.id'], name=op.f('fk_intake_response_form_version_id_intake_form_version')),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_intake_response_practice_id_practice')),
    sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'], name=op.f('fk_intake_response_practitioner_id_practitioner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_response')),
    sa.UniqueConstraint('booking_id', 'form_id', name='uq_intake_response_booking_form')
    )
    with op.batch_alter_table('intake_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_response_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_intake_response_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_intake_response_form_id'), ['form_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_intake_response_practice_id'), ['practice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_intake_response_practitioner_id'), ['practitioner_id'], unique=False)

    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))

    _allow_audit_actions(AUDIT_ACTIONS + NEW_AUDIT_ACTIONS)
    _replace_check("outbox_message", "kind", MESSAGE_KINDS + NEW_MESSAGE_KINDS)



def _replace_check(table, column, values):
    """Widen the CHECK on an enum column. SQLite changes a CHECK by copying the table."""
    name = op.f(f"ck_{table}_{column}_valid")
    check = f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")"
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(name, table, type_="check")
        op.create_check_constraint(name, table, check)
        return
    with op.batch_alter_table(table, recreate="always") as batch_op:
        batch_op.drop_constraint(name, type_="check")
        batch_op.create_check_constraint(name, sa.text(check))


def _allow_audit_actions(actions):
    sqlite = op.get_bind().dialect.name == "sqlite"
    # Copying the table on SQLite drops its triggers: they are made again at once.
    if sqlite:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER audit_event_no_{event}")
    _replace_check("audit_event", "action", actions)
    if sqlite:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_event_no_{event.lower()} BEFORE {event} ON audit_event "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
            )


def downgrade():
    # The audit trail keeps the wider CHECK: its entries of the new kinds are never removed.
    op.execute("DELETE FROM outbox_message WHERE kind IN ('intake_attention', 'erasure_requested')")
    _replace_check("outbox_message", "kind", MESSAGE_KINDS)
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_column('erased_at')

    with op.batch_alter_table('intake_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_response_practitioner_id'))
        batch_op.drop_index(batch_op.f('ix_intake_response_practice_id'))
        batch_op.drop_index(batch_op.f('ix_intake_response_form_id'))
        batch_op.drop_index(batch_op.f('ix_intake_response_client_id'))
        batch_op.drop_index(batch_op.f('ix_intake_response_booking_id'))

    op.drop_table('intake_response')
    with op.batch_alter_table('erasure_request', schema=None) as batch_op:
        batch_op.drop_index('uq_erasure_request_open_per_client', sqlite_where=sa.text('completed_at IS NULL'), postgresql_where=sa.text('completed_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_erasure_request_practitioner_id'))
        batch_op.drop_index(batch_op.f('ix_erasure_request_practice_id'))

    op.drop_table('erasure_request')
    with op.batch_alter_table('service_intake_form', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_intake_form_form_id'))

    op.drop_table('service_intake_form')
    op.drop_table('intake_form_version')
    with op.batch_alter_table('intake_form', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_form_practitioner_id'))
        batch_op.drop_index(batch_op.f('ix_intake_form_practice_id'))

    op.drop_table('intake_form')
