"""practices and clients: a practice owns practitioners, settings, services and bookings; clients apart from bookings; sealed notes

Revision ID: 0004_practices_and_clients
Revises: 0003_service_hours
Create Date: 2026-11-27 11:00:00.000000

Practitioners who shared a practice name become one practice, owned by the earliest of
them, whose settings become the practice's. Each booking's client details become a client
of the practice, found by lower-cased email; the booking's note, the client's phone and
every outbox message's recipient, subject and content are sealed with PRACTICE_DATA_KEYS.
"""
import re
from collections import Counter

import sqlalchemy as sa
from alembic import op

from practice.security.sealing import seal, unseal

revision = "0004_practices_and_clients"
down_revision = "0003_service_hours"
branch_labels = None
depends_on = None

#: The settings that move from each practitioner to their practice, with their old defaults.
MOVED_SETTINGS = (
    "timezone",
    "contact_email",
    "min_notice_minutes",
    "max_advance_days",
    "reminder_hours",
    "cancellation_window_hours",
    "accent_colour",
)
OUTBOX_SEALED = ("recipient", "subject", "body_text", "body_html", "ics")

practitioner = sa.table(
    "practitioner",
    sa.column("id", sa.Integer),
    sa.column("practice_name", sa.String),
    sa.column("show_service_in_emails", sa.Boolean),
    sa.column("created_at", sa.DateTime),
    *(sa.column(name) for name in MOVED_SETTINGS),
)
practice = sa.table(
    "practice",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("slug", sa.String),
    sa.column("discreet_emails", sa.Boolean),
    sa.column("currency", sa.String),
    sa.column("created_at", sa.DateTime),
    *(sa.column(name) for name in MOVED_SETTINGS),
)
membership = sa.table(
    "membership",
    sa.column("id", sa.Integer),
    sa.column("practice_id", sa.Integer),
    sa.column("practitioner_id", sa.Integer),
    sa.column("role", sa.String),
    sa.column("created_at", sa.DateTime),
)
service = sa.table(
    "service",
    sa.column("id", sa.Integer),
    sa.column("practitioner_id", sa.Integer),
    sa.column("practice_id", sa.Integer),
    sa.column("currency", sa.String),
)
client = sa.table(
    "client",
    sa.column("id", sa.Integer),
    sa.column("practice_id", sa.Integer),
    sa.column("email", sa.String),
    sa.column("name", sa.String),
    sa.column("preferred_name", sa.String),
    sa.column("pronouns", sa.String),
    sa.column("phone", sa.Text),
    sa.column("created_at", sa.DateTime),
    sa.column("updated_at", sa.DateTime),
)
booking = sa.table(
    "booking",
    sa.column("id", sa.Integer),
    sa.column("practitioner_id", sa.Integer),
    sa.column("practice_id", sa.Integer),
    sa.column("client_id", sa.Integer),
    sa.column("client_name", sa.String),
    sa.column("client_email", sa.String),
    sa.column("client_phone", sa.String),
    sa.column("preferred_name", sa.String),
    sa.column("pronouns", sa.String),
    sa.column("client_note", sa.Text),
    sa.column("created_at", sa.DateTime),
)
outbox_message = sa.table(
    "outbox_message",
    sa.column("id", sa.Integer),
    sa.column("practitioner_id", sa.Integer),
    sa.column("practice_id", sa.Integer),
    *(sa.column(name, sa.Text) for name in OUTBOX_SEALED),
)


def upgrade():
    _create_practice_membership_and_client()
    bind = op.get_bind()
    _move_practitioners_into_practices(bind)

    with op.batch_alter_table("service") as batch_op:
        batch_op.add_column(sa.Column("practice_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("booking") as batch_op:
        batch_op.add_column(sa.Column("practice_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("client_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("submission_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_booking_submission_key"), ["submission_key"])
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.add_column(sa.Column("practice_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("content_dropped_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column("recipient", type_=sa.Text(), existing_nullable=False)
        batch_op.alter_column("subject", type_=sa.Text(), existing_nullable=False)

    for table in ("service", "booking", "outbox_message"):
        op.execute(
            f"UPDATE {table} SET practice_id = (SELECT m.practice_id FROM membership m "
            f"WHERE m.practitioner_id = {table}.practitioner_id)"
        )
    _set_practice_currencies(bind)
    _make_clients_of_bookings(bind)
    _seal_outbox(bind)

    with op.batch_alter_table("service") as batch_op:
        batch_op.alter_column("practice_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f("ix_service_practice_id"), ["practice_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_service_practice_id_practice"), "practice", ["practice_id"], ["id"])
        batch_op.drop_column("currency")
        batch_op.alter_column("own_hours", existing_type=sa.Boolean(), server_default=sa.false())
        batch_op.create_check_constraint("location_kind_valid", "location_kind IN ('in_person', 'video', 'phone')")
        batch_op.create_check_constraint("status_valid", "status IN ('draft', 'published', 'archived')")

    with op.batch_alter_table("booking") as batch_op:
        batch_op.alter_column("practice_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("client_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f("ix_booking_practice_id"), ["practice_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_booking_client_id"), ["client_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_booking_practice_id_practice"), "practice", ["practice_id"], ["id"])
        batch_op.create_foreign_key(batch_op.f("fk_booking_client_id_client"), "client", ["client_id"], ["id"])
        for column in ("client_name", "client_email", "client_phone", "preferred_name", "pronouns"):
            batch_op.drop_column(column)
        batch_op.alter_column("client_note", existing_type=sa.Text(), server_default="")
        batch_op.create_check_constraint(
            "status_valid", "status IN ('held', 'confirmed', 'completed', 'no_show', 'cancelled')"
        )
        batch_op.create_check_constraint(
            "cancelled_by_valid", "cancelled_by IS NULL OR cancelled_by IN ('client', 'practitioner', 'expiry')"
        )

    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.alter_column("practice_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f("ix_outbox_message_practice_id"), ["practice_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_message_practice_id_practice"), "practice", ["practice_id"], ["id"]
        )
        batch_op.create_check_constraint(
            "kind_valid",
            "kind IN ('booking_confirmed', 'booking_rescheduled', 'booking_cancelled', 'booking_reminder', "
            "'practitioner_new_booking', 'practitioner_cancellation', 'practitioner_reschedule', 'password_reset', "
            "'invitation')",
        )
        batch_op.create_check_constraint(
            "status_valid", "status IN ('pending', 'sending', 'sent', 'failed', 'superseded')"
        )

    with op.batch_alter_table("practitioner") as batch_op:
        batch_op.add_column(sa.Column("profession", sa.String(length=120), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))
        batch_op.alter_column("bio", existing_type=sa.Text(), server_default="")
        for name in ("min_notice_not_negative", "max_advance_positive", "reminder_hours_in_range", "cancellation_window_in_range"):
            batch_op.drop_constraint(op.f(f"ck_practitioner_{name}"), type_="check")
        for column in ("practice_name", "show_service_in_emails", *MOVED_SETTINGS):
            batch_op.drop_column(column)


def _create_practice_membership_and_client():
    op.create_table(
        "practice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False, server_default="Europe/London"),
        sa.Column("contact_email", sa.String(length=254), nullable=False, server_default=""),
        sa.Column("address", sa.String(length=500), nullable=False, server_default=""),
        sa.Column("accent_colour", sa.String(length=7), nullable=False, server_default="#2f6b5a"),
        sa.Column("min_notice_minutes", sa.Integer(), nullable=False, server_default="720"),
        sa.Column("max_advance_days", sa.Integer(), nullable=False, server_default="60"),
        sa.Column("cancellation_window_hours", sa.Integer(), nullable=False, server_default="24"),
        sa.Column("reminder_hours", sa.Integer(), nullable=True, server_default="24"),
        sa.Column("discreet_emails", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("crisis_resources", sa.Text(), nullable=False, server_default=""),
        sa.Column("retention_years", sa.Integer(), nullable=False, server_default="7"),
        sa.Column("currency", sa.String(length=3), nullable=False, server_default="GBP"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("min_notice_minutes BETWEEN 0 AND 43200", name=op.f("ck_practice_min_notice_in_range")),
        sa.CheckConstraint("max_advance_days BETWEEN 1 AND 732", name=op.f("ck_practice_max_advance_in_range")),
        sa.CheckConstraint(
            "reminder_hours IS NULL OR reminder_hours BETWEEN 1 AND 168", name=op.f("ck_practice_reminder_hours_in_range")
        ),
        sa.CheckConstraint(
            "cancellation_window_hours BETWEEN 0 AND 336", name=op.f("ck_practice_cancellation_window_in_range")
        ),
        sa.CheckConstraint("retention_years BETWEEN 1 AND 30", name=op.f("ck_practice_retention_years_in_range")),
        sa.CheckConstraint("length(currency) = 3", name=op.f("ck_practice_currency_is_a_code")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice")),
        sa.UniqueConstraint("slug", name=op.f("uq_practice_slug")),
    )
    op.create_table(
        "membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("practice_id", sa.Integer(), nullable=False),
        sa.Column("practitioner_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.Enum("owner", "practitioner", name="role", native_enum=False, length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('owner', 'practitioner')", name=op.f("ck_membership_role_valid")),
        sa.ForeignKeyConstraint(["practice_id"], ["practice.id"], name=op.f("fk_membership_practice_id_practice")),
        sa.ForeignKeyConstraint(
            ["practitioner_id"], ["practitioner.id"], name=op.f("fk_membership_practitioner_id_practitioner")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership")),
        sa.UniqueConstraint("practitioner_id", name=op.f("uq_membership_practitioner_id")),
    )
    op.create_index(op.f("ix_membership_practice_id"), "membership", ["practice_id"], unique=False)
    op.create_table(
        "client",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("practice_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("preferred_name", sa.String(length=120), nullable=False, server_default=""),
        sa.Column("pronouns", sa.String(length=40), nullable=False, server_default=""),
        sa.Column("phone", sa.Text(), nullable=False, server_default=""),
        sa.Column(
            "contact_preference",
            sa.Enum("email_only", "phone_ok", "no_voicemail", name="contactpreference", native_enum=False, length=20),
            nullable=False,
            server_default="email_only",
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "contact_preference IN ('email_only', 'phone_ok', 'no_voicemail')",
            name=op.f("ck_client_contact_preference_valid"),
        ),
        sa.ForeignKeyConstraint(["practice_id"], ["practice.id"], name=op.f("fk_client_practice_id_practice")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client")),
        sa.UniqueConstraint("practice_id", "email", name="uq_client_practice_email"),
    )


def _move_practitioners_into_practices(bind):
    """One practice per practice name (compared without case), owned by its earliest practitioner."""
    rows = bind.execute(sa.select(practitioner).order_by(practitioner.c.id)).mappings().all()
    practices: dict[str, int] = {}
    taken_slugs: set[str] = set()
    for row in rows:
        key = row["practice_name"].strip().lower()
        role = "practitioner"
        if key not in practices:
            role = "owner"
            slug = _unique_slug(row["practice_name"], taken_slugs)
            practices[key] = bind.execute(
                practice.insert().values(
                    name=row["practice_name"],
                    slug=slug,
                    discreet_emails=not row["show_service_in_emails"],
                    created_at=row["created_at"],
                    **{name: row[name] for name in MOVED_SETTINGS},
                ).returning(practice.c.id)
            ).scalar_one()
        bind.execute(
            membership.insert().values(
                practice_id=practices[key], practitioner_id=row["id"], role=role, created_at=row["created_at"]
            )
        )


def _unique_slug(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:50] or "practice"
    if len(base) < 2:
        base = f"practice-{base}"
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug


def _set_practice_currencies(bind):
    """Each practice takes the currency most of its services were priced in (GBP if none)."""
    counts: dict[int, Counter] = {}
    for practice_id, currency in bind.execute(sa.select(service.c.practice_id, service.c.currency)):
        counts.setdefault(practice_id, Counter())[currency] += 1
    for practice_id, currencies in counts.items():
        bind.execute(
            practice.update().where(practice.c.id == practice_id).values(currency=currencies.most_common(1)[0][0])
        )


def _make_clients_of_bookings(bind):
    """A client per practice and lower-cased email; the latest booking's non-empty details win."""
    rows = bind.execute(sa.select(booking).order_by(booking.c.created_at, booking.c.id)).mappings().all()
    clients: dict[tuple[int, str], dict] = {}
    for row in rows:
        key = (row["practice_id"], row["client_email"].strip().lower())
        found = clients.setdefault(key, {"bookings": [], "created_at": row["created_at"], "name": row["client_name"]})
        found["bookings"].append(row["id"])
        found["updated_at"] = row["created_at"]
        for column, field in (("client_name", "name"), ("preferred_name", "preferred_name"), ("pronouns", "pronouns"), ("client_phone", "phone")):
            if row[column]:
                found[field] = row[column]
    for (practice_id, email), found in clients.items():
        client_id = bind.execute(
            client.insert().values(
                practice_id=practice_id,
                email=email,
                name=found["name"],
                preferred_name=found.get("preferred_name", ""),
                pronouns=found.get("pronouns", ""),
                phone=_sealed(found.get("phone", "")),
                created_at=found["created_at"],
                updated_at=found["updated_at"],
            ).returning(client.c.id)
        ).scalar_one()
        bind.execute(booking.update().where(booking.c.id.in_(found["bookings"])).values(client_id=client_id))
    for row in rows:
        if row["client_note"]:
            bind.execute(booking.update().where(booking.c.id == row["id"]).values(client_note=seal(row["client_note"])))


def _seal_outbox(bind):
    for row in bind.execute(sa.select(outbox_message)).mappings().all():
        bind.execute(
            outbox_message.update()
            .where(outbox_message.c.id == row["id"])
            .values({name: _sealed(row[name]) for name in OUTBOX_SEALED})
        )


def _sealed(value):
    return seal(value) if value else value


def _opened(value):
    return unseal(value) if value else value


def downgrade():
    bind = op.get_bind()
    with op.batch_alter_table("practitioner") as batch_op:
        batch_op.add_column(sa.Column("practice_name", sa.String(length=120), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("show_service_in_emails", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=False, server_default="Europe/London"))
        batch_op.add_column(sa.Column("contact_email", sa.String(length=254), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("min_notice_minutes", sa.Integer(), nullable=False, server_default="720"))
        batch_op.add_column(sa.Column("max_advance_days", sa.Integer(), nullable=False, server_default="60"))
        batch_op.add_column(sa.Column("reminder_hours", sa.Integer(), nullable=True, server_default="24"))
        batch_op.add_column(sa.Column("cancellation_window_hours", sa.Integer(), nullable=False, server_default="24"))
        batch_op.add_column(sa.Column("accent_colour", sa.String(length=7), nullable=False, server_default="#2f6b5a"))
        batch_op.create_check_constraint("min_notice_not_negative", "min_notice_minutes >= 0")
        batch_op.create_check_constraint("max_advance_positive", "max_advance_days >= 1")
        batch_op.create_check_constraint("reminder_hours_in_range", "reminder_hours IS NULL OR reminder_hours BETWEEN 1 AND 168")
        batch_op.create_check_constraint("cancellation_window_in_range", "cancellation_window_hours BETWEEN 0 AND 336")
        batch_op.drop_column("session_version")
        batch_op.drop_column("profession")
    of_their_practice = "(SELECT p.{} FROM practice p JOIN membership m ON m.practice_id = p.id WHERE m.practitioner_id = practitioner.id)"
    copied = {"practice_name": "name", **{name: name for name in MOVED_SETTINGS}}
    op.execute("UPDATE practitioner SET " + ", ".join(f"{column} = {of_their_practice.format(source)}" for column, source in copied.items()))
    op.execute(
        "UPDATE practitioner SET show_service_in_emails = NOT (SELECT p.discreet_emails FROM practice p "
        "JOIN membership m ON m.practice_id = p.id WHERE m.practitioner_id = practitioner.id)"
    )

    with op.batch_alter_table("booking") as batch_op:
        batch_op.drop_constraint(op.f("ck_booking_cancelled_by_valid"), type_="check")
        batch_op.drop_constraint(op.f("ck_booking_status_valid"), type_="check")
        batch_op.add_column(sa.Column("client_name", sa.String(length=120), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("client_email", sa.String(length=254), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("client_phone", sa.String(length=40), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("preferred_name", sa.String(length=120), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("pronouns", sa.String(length=40), nullable=False, server_default=""))
    clients = {row["id"]: row for row in bind.execute(sa.select(client)).mappings()}
    for row in bind.execute(sa.select(booking.c.id, booking.c.client_id, booking.c.client_note)).mappings().all():
        found = clients[row["client_id"]]
        bind.execute(
            booking.update()
            .where(booking.c.id == row["id"])
            .values(
                client_name=found["name"],
                client_email=found["email"],
                client_phone=_opened(found["phone"]),
                preferred_name=found["preferred_name"],
                pronouns=found["pronouns"],
                client_note=_opened(row["client_note"]),
            )
        )
    with op.batch_alter_table("booking") as batch_op:
        batch_op.drop_constraint(op.f("fk_booking_client_id_client"), type_="foreignkey")
        batch_op.drop_constraint(op.f("fk_booking_practice_id_practice"), type_="foreignkey")
        batch_op.drop_index(op.f("ix_booking_client_id"))
        batch_op.drop_index(op.f("ix_booking_practice_id"))
        batch_op.drop_constraint(op.f("uq_booking_submission_key"), type_="unique")
        batch_op.drop_column("submission_key")
        batch_op.drop_column("client_id")
        batch_op.drop_column("practice_id")

    for row in bind.execute(sa.select(outbox_message)).mappings().all():
        bind.execute(
            outbox_message.update()
            .where(outbox_message.c.id == row["id"])
            .values({name: _opened(row[name]) for name in OUTBOX_SEALED})
        )
    op.execute("DELETE FROM outbox_message WHERE kind = 'invitation'")
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.drop_constraint(op.f("ck_outbox_message_status_valid"), type_="check")
        batch_op.drop_constraint(op.f("ck_outbox_message_kind_valid"), type_="check")
        batch_op.drop_constraint(op.f("fk_outbox_message_practice_id_practice"), type_="foreignkey")
        batch_op.drop_index(op.f("ix_outbox_message_practice_id"))
        batch_op.drop_column("practice_id")
        batch_op.drop_column("content_dropped_at")
        batch_op.alter_column("recipient", type_=sa.String(length=254), existing_nullable=False)
        batch_op.alter_column("subject", type_=sa.String(length=300), existing_nullable=False)

    with op.batch_alter_table("service") as batch_op:
        batch_op.add_column(sa.Column("currency", sa.String(length=3), nullable=False, server_default="GBP"))
    op.execute("UPDATE service SET currency = (SELECT p.currency FROM practice p WHERE p.id = service.practice_id)")
    with op.batch_alter_table("service") as batch_op:
        batch_op.drop_constraint(op.f("ck_service_status_valid"), type_="check")
        batch_op.drop_constraint(op.f("ck_service_location_kind_valid"), type_="check")
        batch_op.drop_constraint(op.f("fk_service_practice_id_practice"), type_="foreignkey")
        batch_op.drop_index(op.f("ix_service_practice_id"))
        batch_op.drop_column("practice_id")

    op.drop_table("client")
    op.drop_index(op.f("ix_membership_practice_id"), table_name="membership")
    op.drop_table("membership")
    op.drop_table("practice")
