"""The Flask extensions, created unbound and bound in create_app()."""
import sqlite3

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import Pool

from practice import sqlite_writers

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
mail = Mail()
limiter = Limiter(key_func=get_remote_address)

SQLITE_BEGIN_IMMEDIATE = "sqlite_begin_immediate"


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy emit BEGIN itself (see _begin_sqlite) so that book() can ask for
    # BEGIN IMMEDIATE: the write lock is then taken before the slot is re-checked.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Erased and dropped client data is overwritten, not left in the file's free pages.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection):
    if connection.dialect.name != "sqlite":
        return
    # Straight to the driver: every request opens a transaction, and SQLAlchemy's statement
    # machinery around a bare BEGIN would cost more than SQLite takes to run it.
    driver = connection.connection.dbapi_connection
    if not connection.get_execution_options().get(SQLITE_BEGIN_IMMEDIATE, False):
        driver.execute("BEGIN")
        return
    sqlite_writers.take_turn(connection.info, connection.engine.url.database)
    try:
        driver.execute("BEGIN IMMEDIATE")
    except BaseException:
        sqlite_writers.end_turn(connection.info)
        raise


@event.listens_for(Engine, "commit")
def _commit_then_end_turn(connection):
    _end_transaction_then_turn(connection, "commit")


@event.listens_for(Engine, "rollback")
def _rollback_then_end_turn(connection):
    _end_transaction_then_turn(connection, "rollback")


def _end_transaction_then_turn(connection, ending: str) -> None:
    """Commit or roll back a writer's transaction, then let the next writer in.

    These events come before SQLAlchemy's own commit or rollback, which then find nothing left
    to do: the next writer starts once this one's commit is on disk, not while it is written.
    """
    if sqlite_writers.TURN in connection.info:
        try:
            getattr(connection.connection.dbapi_connection, ending)()
        finally:
            sqlite_writers.end_turn(connection.info)


@event.listens_for(Pool, "reset")
def _end_turn_of_returned_connection(dbapi_connection, connection_record, reset_state):
    # A connection returned mid-transaction: the pool rolls it back.
    sqlite_writers.end_turn(connection_record.info)


@event.listens_for(Pool, "invalidate")
def _end_turn_of_dropped_connection(dbapi_connection, connection_record, exception):
    sqlite_writers.end_turn(connection_record.info)


def read_without_transaction() -> None:
    """Run the rest of this request's statements each on its own, without BEGIN and ROLLBACK.

    For the public reads, which need no snapshot: a schedule_version is read before what it stands
    for, so what is kept under it is never newer than it. On PostgreSQL this saves two round trips
    a request; SQLite's BEGIN costs nothing, and there nothing changes. Call before any statement.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def begin_write_transaction() -> None:
    """Drop whatever the session was doing and open a transaction that is going to write.

    On SQLite it opens with BEGIN IMMEDIATE: a worker that first read and then wrote could
    otherwise fail at once with "database is locked" instead of waiting its turn.
    """
    db.session.rollback()
    db.session.connection(execution_options={SQLITE_BEGIN_IMMEDIATE: True})
