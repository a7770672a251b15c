"""service hours: a service may be offered only at its own weekly times and dated sessions

Revision ID: 0003_service_hours
Revises: 0002_notifications
Create Date: 2026-11-26 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0003_service_hours"
down_revision = "0002_notifications"
branch_labels = None
depends_on = None

#: Tables whose rows are the general hours (service_id NULL) or one service's own.
HOURS_TABLES = ("weekly_hours", "date_override")


def upgrade():
    # A plain ADD COLUMN: "0" is a constant SQLite can add in place (and PostgreSQL reads as
    # false), so the service table, which bookings reference, is never rebuilt.
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(sa.Column("own_hours", sa.Boolean(), nullable=False, server_default="0"))

    # SQLite cannot add a foreign key to a table, so batch mode rebuilds these two; no
    # table references them, so the rebuild is safe with foreign keys enforced.
    for table in HOURS_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("service_id", sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_{table}_service_id"), ["service_id"], unique=False)
            batch_op.create_foreign_key(batch_op.f(f"fk_{table}_service_id_service"), "service", ["service_id"], ["id"])


def downgrade():
    # The older schema cannot tell a service's own rows from the general hours: kept, they
    # would open the practitioner's whole calendar at the circle's times, so they go.
    for table in reversed(HOURS_TABLES):
        op.execute(sa.text(f"DELETE FROM {table} WHERE service_id IS NOT NULL"))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_service_id_service"), type_="foreignkey")
            batch_op.drop_index(batch_op.f(f"ix_{table}_service_id"))
            batch_op.drop_column("service_id")

    if op.get_bind().dialect.name == "sqlite":
        # Batch mode would rebuild the service table, and dropping the old copy fails while
        # bookings reference it; SQLite (3.35+) drops a plain column in place.
        op.execute(sa.text("ALTER TABLE service DROP COLUMN own_hours"))
    else:
        op.drop_column("service", "own_hours")
