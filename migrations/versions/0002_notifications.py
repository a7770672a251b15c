"""notifications: outbox, reminder and cancellation settings, booking sequence

Revision ID: 0002_notifications
Revises: 0001_foundation
Create Date: 2026-11-25 21:56:39.693718

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_notifications'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('booking_confirmed', 'booking_rescheduled', 'booking_cancelled', 'booking_reminder', 'practitioner_new_booking', 'practitioner_cancellation', 'practitioner_reschedule', 'password_reset', name='messagekind', native_enum=False, length=40), nullable=False),
    sa.Column('practitioner_id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('dedupe_key', sa.String(length=120), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('ics', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'sending', 'sent', 'failed', name='outboxstatus', native_enum=False, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_outbox_message_attempts_not_negative')),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_outbox_message_booking_id_booking')),
    sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'], name=op.f('fk_outbox_message_practitioner_id_practitioner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_message_dedupe_key'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_message_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_practitioner_id'), ['practitioner_id'], unique=False)
        batch_op.create_index('ix_outbox_message_status_next_attempt', ['status', 'next_attempt_at'], unique=False)

    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('practitioner', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_hours', sa.Integer(), nullable=True, server_default='24'))
        batch_op.add_column(sa.Column('cancellation_window_hours', sa.Integer(), nullable=False, server_default='24'))
        batch_op.add_column(sa.Column('show_service_in_emails', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('accent_colour', sa.String(length=7), nullable=False, server_default='#2f6b5a'))
        batch_op.create_check_constraint(
            'reminder_hours_in_range', 'reminder_hours IS NULL OR reminder_hours BETWEEN 1 AND 168'
        )
        batch_op.create_check_constraint(
            'cancellation_window_in_range', 'cancellation_window_hours BETWEEN 0 AND 336'
        )

def downgrade():
    with op.batch_alter_table('practitioner', schema=None) as batch_op:
        batch_op.drop_constraint('cancellation_window_in_range', type_='check')
        batch_op.drop_constraint('reminder_hours_in_range', type_='check')
        batch_op.drop_column('accent_colour')
        batch_op.drop_column('show_service_in_emails')
        batch_op.drop_column('cancellation_window_hours')
        batch_op.drop_column('reminder_hours')

    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_column('sequence')

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_status_next_attempt')
        batch_op.drop_index(batch_op.f('ix_outbox_message_practitioner_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_message_booking_id'))

    op.drop_table('outbox_message')

