"""foundation: practitioners, services, availability, bookings

Revision ID: 0001_foundation
Revises: 
Create Date: 2026-11-25 21:11:51.036988

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001_foundation'
down_revision = None
branch_labels = None
depends_on = None


NO_OVERLAP = "ex_booking_one_to_one_no_overlap"


def upgrade():

    op.create_table('practitioner',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('practice_name', sa.String(length=120), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('bio', sa.Text(), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('min_notice_minutes', sa.Integer(), nullable=False),
    sa.Column('max_advance_days', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('max_advance_days >= 1', name=op.f('ck_practitioner_max_advance_positive')),
    sa.CheckConstraint('min_notice_minutes >= 0', name=op.f('ck_practitioner_min_notice_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practitioner')),
    sa.UniqueConstraint('email', name=op.f('uq_practitioner_email')),
    sa.UniqueConstraint('slug', name=op.f('uq_practitioner_slug'))
    )
    op.create_table('date_override',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practitioner_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=True),
    sa.Column('end_time', sa.Time(), nullable=True),
    sa.CheckConstraint('(start_time IS NULL AND end_time IS NULL) OR start_time < end_time', name=op.f('ck_date_override_range_ordered_or_closed')),
    sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'], name=op.f('fk_date_override_practitioner_id_practitioner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_date_override'))
    )
    with op.batch_alter_table('date_override', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_date_override_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_date_override_practitioner_id'), ['practitioner_id'], unique=False)

    op.create_table('service',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practitioner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('price_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('buffer_before_minutes', sa.Integer(), nullable=False),
    sa.Column('buffer_after_minutes', sa.Integer(), nullable=False),
    sa.Column('location_kind', sa.Enum('in_person', 'video', 'phone', name='locationkind', native_enum=False, length=20), nullable=False),
    sa.Column('location_detail', sa.String(length=500), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('slot_step_minutes', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'archived', name='servicestatus', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('buffer_after_minutes BETWEEN 0 AND 240', name=op.f('ck_service_buffer_after_in_range')),
    sa.CheckConstraint('buffer_before_minutes BETWEEN 0 AND 240', name=op.f('ck_service_buffer_before_in_range')),
    sa.CheckConstraint('capacity >= 1', name=op.f('ck_service_capacity_positive')),
    sa.CheckConstraint('duration_minutes > 0 AND duration_minutes <= 720', name=op.f('ck_service_duration_in_range')),
    sa.CheckConstraint('price_cents >= 0', name=op.f('ck_service_price_not_negative')),
    sa.CheckConstraint('slot_step_minutes > 0', name=op.f('ck_service_slot_step_positive')),
    sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'], name=op.f('fk_service_practitioner_id_practitioner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service'))
    )
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_practitioner_id'), ['practitioner_id'], unique=False)

    op.create_table('time_off',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practitioner_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_time_off_ends_after_start')),
    sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'], name=op.f('fk_time_off_practitioner_id_practitioner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_time_off'))
    )
    with op.batch_alter_table('time_off', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_time_off_practitioner_id'), ['practitioner_id'], unique=False)

    op.create_table('weekly_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practitioner_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.CheckConstraint('start_time < end_time', name=op.f('ck_weekly_hours_range_ordered')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_weekly_hours_weekday_valid')),
    sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'], name=op.f('fk_weekly_hours_practitioner_id_practitioner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_weekly_hours'))
    )
    with op.batch_alter_table('weekly_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_weekly_hours_practitioner_id'), ['practitioner_id'], unique=False)

    op.create_table('booking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('practitioner_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('held', 'confirmed', 'completed', 'no_show', 'cancelled', name='bookingstatus', native_enum=False, length=20), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('blocked_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('blocked_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('is_group', sa.Boolean(), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('hold_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('client_name', sa.String(length=120), nullable=False),
    sa.Column('client_email', sa.String(length=254), nullable=False),
    sa.Column('client_phone', sa.String(length=40), nullable=False),
    sa.Column('preferred_name', sa.String(length=120), nullable=False),
    sa.Column('pronouns', sa.String(length=40), nullable=False),
    sa.Column('client_note', sa.Text(), nullable=False),
    sa.Column('client_timezone', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by', sa.String(length=20), nullable=True),
    sa.CheckConstraint('blocked_start <= starts_at AND blocked_end >= ends_at', name=op.f('ck_booking_blocks_cover_session')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_booking_ends_after_start')),
    sa.CheckConstraint('seats >= 1', name=op.f('ck_booking_seats_positive')),
    sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'], name=op.f('fk_booking_practitioner_id_practitioner')),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_booking_service_id_service')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking')),
    sa.UniqueConstraint('public_id', name=op.f('uq_booking_public_id'))
    )
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.create_index('ix_booking_practitioner_blocked', ['practitioner_id', 'blocked_start', 'blocked_end'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_service_id'), ['service_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # A second guard behind book()'s lock: two active one-to-one bookings of one
        # practitioner can never overlap, buffers included.
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            f"ALTER TABLE booking ADD CONSTRAINT {NO_OVERLAP} EXCLUDE USING gist ("
            " practitioner_id WITH =, tstzrange(blocked_start, blocked_end) WITH &&"
            ") WHERE (status IN ('held', 'confirmed') AND NOT is_group)"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE booking DROP CONSTRAINT {NO_OVERLAP}")

    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_service_id'))
        batch_op.drop_index('ix_booking_practitioner_blocked')

    op.drop_table('booking')
    with op.batch_alter_table('weekly_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_weekly_hours_practitioner_id'))

    op.drop_table('weekly_hours')
    with op.batch_alter_table('time_off', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_time_off_practitioner_id'))

    op.drop_table('time_off')
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_practitioner_id'))

    op.drop_table('service')
    with op.batch_alter_table('date_override', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_date_override_practitioner_id'))
        batch_op.drop_index(batch_op.f('ix_date_override_day'))

    op.drop_table('date_override')
    op.drop_table('practitioner')

