"""Column types and constraints shared by the models."""
import enum
from datetime import datetime, timezone

from sqlalchemy import CheckConstraint, DateTime
from sqlalchemy.types import TypeDecorator

#: Row ids are 32-bit integers in PostgreSQL: a larger number from a URL or JSON names no row.
MAX_ID = 2**31 - 1


class UTCDateTime(TypeDecorator):
    """An aware UTC instant on every backend.

    SQLite drops the offset of a stored datetime, so values are normalised to UTC on the
    way in and made aware again on the way out; naive values are refused outright.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def enum_check(column: str, enum_class: type[enum.Enum]) -> CheckConstraint:
    """A CHECK that the column holds one of the enum's values: the database refuses any other string."""
    values = ", ".join(f"'{member.value}'" for member in enum_class)
    return CheckConstraint(f"{column} IN ({values})", name=f"{column}_valid")
