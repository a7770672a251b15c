"""payments: pricing per service, the refund policy, payment attempts, refunds and the Stripe events handled

Revision ID: 0007_payments
Revises: 0006_intake
Create Date: 2026-11-27 14:38:51.432177

"""
import sqlalchemy as sa
from alembic import op

revision = '0007_payments'
down_revision = '0006_intake'
branch_labels = None
depends_on = None

MESSAGE_KINDS = (
    "booking_confirmed", "booking_rescheduled", "booking_cancelled", "booking_reminder", "practitioner_new_booking",
    "practitioner_cancellation", "practitioner_reschedule", "password_reset", "invitation", "intake_attention",
    "erasure_requested",
)
NEW_MESSAGE_KINDS = ("hold_released", "payment_refunded")


def upgrade():
    op.create_table('stripe_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stripe_event')),
    sa.UniqueConstraint('event_id', name=op.f('uq_stripe_event_event_id'))
    )
    op.create_table('payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('practitioner_id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.Enum('created', 'pending', 'succeeded', 'failed', 'refunded', 'partially_refunded', name='paymentstatus', native_enum=False, length=20), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('checkout_session_id', sa.String(length=255), nullable=True),
    sa.Column('checkout_url', sa.String(length=2000), server_default='', nullable=False),
    sa.Column('payment_intent_id', sa.String(length=255), nullable=True),
    sa.Column('refunded_cents', sa.Integer(), server_default='0', nullable=False),
    sa.Column('failure_reason', sa.String(length=200), server_default='', nullable=False),
    sa.Column('test_mode', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('created', 'pending', 'succeeded', 'failed', 'refunded', 'partially_refunded')", name=op.f('ck_payment_status_valid')),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_payment_amount_positive')),
    sa.CheckConstraint('refunded_cents >= 0 AND refunded_cents <= amount_cents', name=op.f('ck_payment_refunds_within_amount')),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_payment_booking_id_booking')),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_payment_client_id_client')),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_payment_practice_id_practice')),
    sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'], name=op.f('fk_payment_practitioner_id_practitioner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment')),
    sa.UniqueConstraint('checkout_session_id', name=op.f('uq_payment_checkout_session_id')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_payment_idempotency_key')),
    sa.UniqueConstraint('payment_intent_id', name=op.f('uq_payment_payment_intent_id'))
    )
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_practice_id'), ['practice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_practitioner_id'), ['practitioner_id'], unique=False)

    op.create_table('refund',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('practitioner_id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'succeeded', 'failed', name='refundstatus', native_enum=False, length=20), nullable=False),
    sa.Column('reason', sa.Enum('client_cancelled', 'practitioner_cancelled', 'late_payment', 'by_practitioner', name='refundreason', native_enum=False, length=30), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('stripe_refund_id', sa.String(length=255), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('failure_reason', sa.String(length=200), server_default='', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("reason IN ('client_cancelled', 'practitioner_cancelled', 'late_payment', 'by_practitioner')", name=op.f('ck_refund_reason_valid')),
    sa.CheckConstraint("status IN ('pending', 'succeeded', 'failed')", name=op.f('ck_refund_status_valid')),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_refund_amount_positive')),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name=op.f('fk_refund_payment_id_payment')),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_refund_practice_id_practice')),
    sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'], name=op.f('fk_refund_practitioner_id_practitioner')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['practitioner.id'], name=op.f('fk_refund_requested_by_id_practitioner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refund')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_refund_idempotency_key')),
    sa.UniqueConstraint('stripe_refund_id', name=op.f('uq_refund_stripe_refund_id'))
    )
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refund_payment_id'), ['payment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refund_practice_id'), ['practice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refund_practitioner_id'), ['practitioner_id'], unique=False)

    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('full_refund_hours', sa.Integer(), server_default='48', nullable=False))
        batch_op.add_column(sa.Column('late_cancel_keep_percent', sa.Integer(), server_default='100', nullable=False))
        batch_op.create_check_constraint(
            op.f('ck_practice_full_refund_hours_in_range'), sa.text("full_refund_hours BETWEEN 0 AND 336")
        )
        batch_op.create_check_constraint(
            op.f('ck_practice_late_cancel_keep_percent_in_range'), sa.text("late_cancel_keep_percent BETWEEN 0 AND 100")
        )

    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_mode', sa.Enum('at_visit', 'deposit', 'full', 'sliding', name='paymentmode', native_enum=False, length=20), server_default='at_visit', nullable=False))
        batch_op.add_column(sa.Column('deposit_cents', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sliding_min_cents', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sliding_max_cents', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_service_payment_mode_valid'), sa.text("payment_mode IN ('at_visit', 'deposit', 'full', 'sliding')")
        )
        batch_op.create_check_constraint(
            op.f('ck_service_deposit_within_price'),
            sa.text("payment_mode != 'deposit' OR (deposit_cents > 0 AND deposit_cents <= price_cents)"),
        )
        batch_op.create_check_constraint(
            op.f('ck_service_sliding_range_holds_price'),
            sa.text(
                "payment_mode != 'sliding' OR "
                "(sliding_min_cents > 0 AND sliding_min_cents <= price_cents AND price_cents <= sliding_max_cents)"
            ),
        )

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
    op.execute("DELETE FROM outbox_message WHERE kind IN ('hold_released', 'payment_refunded')")
    _replace_check("outbox_message", "kind", MESSAGE_KINDS)
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_service_sliding_range_holds_price'), type_='check')
        batch_op.drop_constraint(op.f('ck_service_deposit_within_price'), type_='check')
        batch_op.drop_constraint(op.f('ck_service_payment_mode_valid'), type_='check')
        batch_op.drop_column('sliding_max_cents')
        batch_op.drop_column('sliding_min_cents')
        batch_op.drop_column('deposit_cents')
        batch_op.drop_column('payment_mode')

    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_practice_late_cancel_keep_percent_in_range'), type_='check')
        batch_op.drop_constraint(op.f('ck_practice_full_refund_hours_in_range'), type_='check')
        batch_op.drop_column('late_cancel_keep_percent')
        batch_op.drop_column('full_refund_hours')

    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refund_practitioner_id'))
        batch_op.drop_index(batch_op.f('ix_refund_practice_id'))
        batch_op.drop_index(batch_op.f('ix_refund_payment_id'))

    op.drop_table('refund')
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_practitioner_id'))
        batch_op.drop_index(batch_op.f('ix_payment_practice_id'))
        batch_op.drop_index(batch_op.f('ix_payment_client_id'))
        batch_op.drop_index(batch_op.f('ix_payment_booking_id'))

    op.drop_table('payment')
    op.drop_table('stripe_event')
