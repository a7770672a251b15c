"""schedule version: a token on each practitioner that every change to their hours, date overrides,
time off or bookings replaces, by trigger, in the same transaction

Revision ID: 0009_schedule_version
Revises: 0008_client_side
Create Date: 2026-11-27 20:30:00

The web processes keep a practitioner's hours, and the free times worked out from them and their
bookings, in memory (scheduling.availability, booking.free_times), and work them out again when
this token differs. Triggers rather than application code, so that no write can forget it: the
ORM, a bulk DELETE, a migration or a hand-typed UPDATE all change the token. A booking changes it
when it is added or removed, or when what makes it busy changes (status, times, hold, seats).

A later migration that rebuilds one of these tables, or the practitioner table, on SQLite
(batch_alter_table copies the table) drops or breaks the triggers: create them again there.
tests/scheduling/test_schedule_in_memory.py checks they exist.
"""
import sqlalchemy as sa
from alembic import op

revision = '0009_schedule_version'
down_revision = '0008_client_side'
branch_labels = None
depends_on = None

TABLES = ("weekly_hours", "date_override", "time_off", "booking")
#: A booking's other columns (its note, its reminder, its client's details) leave the practitioner as busy as before.
BOOKING_BUSY_COLUMNS = (
    "status", "starts_at", "ends_at", "blocked_start", "blocked_end", "hold_expires_at", "seats", "is_group",
    "service_id", "practitioner_id",
)
# A random token, not a counter: a transaction that changes the schedule and then rolls back has
# shown its token to no other transaction, but a counter's next value would be used again.
SQLITE_TOKEN = "lower(hex(randomblob(8)))"
POSTGRES_TOKEN = "substr(md5(random()::text || clock_timestamp()::text), 1, 16)"


def _updated(table: str) -> str:
    return "UPDATE OF " + ", ".join(BOOKING_BUSY_COLUMNS) if table == "booking" else "UPDATE"


def upgrade():
    with op.batch_alter_table('practitioner', schema=None) as batch_op:
        batch_op.add_column(sa.Column('schedule_version', sa.String(length=32), server_default='', nullable=False))
    if op.get_bind().dialect.name == "postgresql":
        _create_postgres_triggers()
    else:
        _create_sqlite_triggers()


def _create_sqlite_triggers():
    # Rows written before the triggers existed: no process may hold them under the empty token.
    op.execute(f"UPDATE practitioner SET schedule_version = {SQLITE_TOKEN}")
    whose = {
        "insert": "NEW.practitioner_id",
        "update": "OLD.practitioner_id, NEW.practitioner_id",
        "delete": "OLD.practitioner_id",
    }
    for table in TABLES:
        for operation, practitioners in whose.items():
            when = _updated(table) if operation == "update" else operation.upper()
            op.execute(
                f"CREATE TRIGGER {table}_{operation}_new_schedule_version AFTER {when} ON {table} BEGIN "
                f"UPDATE practitioner SET schedule_version = {SQLITE_TOKEN} WHERE id IN ({practitioners}); END"
            )


def _create_postgres_triggers():
    op.execute(f"UPDATE practitioner SET schedule_version = {POSTGRES_TOKEN}")
    # OLD is NULL in an INSERT trigger and NEW in a DELETE one, so one function serves all three.
    op.execute(
        "CREATE FUNCTION new_schedule_version() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"UPDATE practitioner SET schedule_version = {POSTGRES_TOKEN} "
        "WHERE id IN (NEW.practitioner_id, OLD.practitioner_id); RETURN NULL; END $$"
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_new_schedule_version AFTER INSERT OR DELETE OR {_updated(table)} ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION new_schedule_version()"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_new_schedule_version ON {table}")
        op.execute("DROP FUNCTION new_schedule_version()")
    else:
        for table in TABLES:
            for operation in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_{operation}_new_schedule_version")
    with op.batch_alter_table('practitioner', schema=None) as batch_op:
        batch_op.drop_column('schedule_version')
