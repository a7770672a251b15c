"""The schema the migrations build is the schema the models describe: tables, columns, types, defaults, constraints."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from practice.extensions import db
from tests.factories import make_booking, make_practitioner, make_service


def _default_text(default: str | None) -> str | None:
    """A server default as written, without the quotes, brackets and casts each database adds when it reports one."""
    if default is None:
        return None
    text_ = re.sub(r"::[a-z ]+(\([0-9]+\))?", "", str(default)).strip("() ").strip("'")
    return {"true": "1", "false": "0"}.get(text_.lower(), text_)


def _same_default(context, inspected_column, metadata_column, inspected_default, metadata_default, rendered_metadata_default):
    # Alembic's own comparison reports DEFAULT '' as different from '' on SQLite; compare what they mean.
    if _default_text(inspected_default) == _default_text(rendered_metadata_default):
        return False
    return None


def _differences(app) -> list:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": _same_default}
        )
        return compare_metadata(context, db.metadata)


def test_the_migrated_schema_matches_the_models(any_app):
    assert _differences(any_app) == []


STATUS_COLUMNS = [
    ("booking", "status"),
    ("booking", "cancelled_by"),
    ("service", "status"),
    ("service", "location_kind"),
    ("outbox_message", "status"),
    ("outbox_message", "kind"),
    ("membership", "role"),
    ("invitation", "role"),
    ("client", "contact_preference"),
    ("audit_event", "action"),
]


@pytest.mark.parametrize(("table", "column"), STATUS_COLUMNS)
def test_every_status_column_has_a_check_of_its_values(any_app, table, column):
    with any_app.app_context():
        names = {check["name"] for check in inspect(db.engine).get_check_constraints(table)}

    assert f"ck_{table}_{column}_valid" in names


def test_the_database_refuses_a_status_that_is_not_one(any_app):
    with any_app.app_context():
        booking = make_booking(make_service(make_practitioner()), datetime.now(timezone.utc) + timedelta(days=1))

        with pytest.raises(IntegrityError):
            db.session.execute(text("UPDATE booking SET status = 'maybe' WHERE id = :id"), {"id": booking.id})
            db.session.flush()
