"""Re-encrypting every sealed value under the newest data key."""
from datetime import datetime

from flask import current_app
from sqlalchemy import Text, bindparam, select, type_coerce, update

from practice.extensions import begin_write_transaction, db
from practice.security import audit, sealing
from practice.security.audit import Actor
from practice.security.models import AuditAction

#: Rows re-encrypted per transaction: short write locks on SQLite, bounded memory anywhere.
BATCH = 500


def configured_keys() -> list[str]:
    return sealing.parse_keys(current_app.config.get("PRACTICE_DATA_KEYS"))


def use_keys(keys: list[str]) -> None:
    """Seal with keys[0] and open with any of them, in this app, from now on."""
    current_app.config["PRACTICE_DATA_KEYS"] = ",".join(keys)
    current_app.extensions[sealing.KEYRING] = sealing.keyring(keys)


def sealed_columns() -> list:
    """Every column of every table whose type is SealedText."""
    return [
        column
        for table in db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, sealing.SealedText)
    ]


def reseal_everything(*, now: datetime) -> dict[str, int]:
    """Re-encrypt each sealed value under the first configured key; return how many, by column."""
    counts = {f"{column.table.name}.{column.name}": _reseal_column(column) for column in sealed_columns()}
    begin_write_transaction()
    audit.record(AuditAction.data_key_rotated, actor=Actor(), now=now, detail=f"{sum(counts.values())} values")
    db.session.commit()
    return counts


def _reseal_column(column) -> int:
    table, keyring = column.table, sealing.current_keyring()
    raw = type_coerce(column, Text)
    done, last_id = 0, 0
    while True:
        begin_write_transaction()
        rows = db.session.execute(
            select(table.c.id, raw).where(table.c.id > last_id, raw != "").order_by(table.c.id).limit(BATCH)
        ).all()
        if not rows:
            db.session.rollback()
            return done
        db.session.execute(
            update(table).where(table.c.id == bindparam("row_id")).values({column.name: bindparam("token", type_=Text)}),
            [{"row_id": row_id, "token": keyring.rotate(token.encode("ascii")).decode("ascii")} for row_id, token in rows],
        )
        db.session.commit()
        done += len(rows)
        last_id = rows[-1][0]
