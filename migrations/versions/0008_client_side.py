"""client side: the grace to cancel after booking, group places, abuse limits, email-confirmed holds,
what to expect and content notes per service, the client's language, and two new kinds of email

Revision ID: 0008_client_side
Revises: 0007_payments
Create Date: 2026-11-27 17:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0008_client_side'
down_revision = '0007_payments'
branch_labels = None
depends_on = None

MESSAGE_KINDS = (
    "booking_confirmed", "booking_rescheduled", "booking_cancelled", "booking_reminder", "practitioner_new_booking",
    "practitioner_cancellation", "practitioner_reschedule", "password_reset", "invitation", "intake_attention",
    "erasure_requested", "hold_released", "payment_refunded",
)
NEW_MESSAGE_KINDS = ("lost_link", "email_confirmation")


def upgrade():
    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancel_grace_minutes', sa.Integer(), server_default='30', nullable=False))
        batch_op.add_column(sa.Column('exact_group_places', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('max_active_bookings_per_email', sa.Integer(), server_default='3', nullable=False))
        batch_op.add_column(sa.Column('confirm_new_client_email', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('what_to_expect', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('content_note', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hold_reason', sa.Enum('payment', 'email', name='holdreason', native_enum=False, length=20), nullable=True))
        batch_op.add_column(sa.Column('locale', sa.String(length=35), server_default='en', nullable=False))
        batch_op.create_check_constraint(op.f('ck_booking_hold_reason_valid'), "hold_reason IN ('payment', 'email')")
    # Every hold before this revision waited for a payment.
    op.execute("UPDATE booking SET hold_reason = 'payment' WHERE status = 'held'")
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


def downgrade():
    op.execute("DELETE FROM outbox_message WHERE kind IN ('lost_link', 'email_confirmation')")
    _replace_check("outbox_message", "kind", MESSAGE_KINDS)
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_booking_hold_reason_valid'), type_='check')
        batch_op.drop_column('locale')
        batch_op.drop_column('hold_reason')
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_column('content_note')
        batch_op.drop_column('what_to_expect')
    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.drop_column('confirm_new_client_email')
        batch_op.drop_column('max_active_bookings_per_email')
        batch_op.drop_column('exact_group_places')
        batch_op.drop_column('cancel_grace_minutes')
