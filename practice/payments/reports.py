"""The payments an admin may see: one month's list, totals by month, and the same rows as a spreadsheet (each download audited)."""
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import joinedload, selectinload

from practice.booking.models import Booking
from practice.clients.models import Client
from practice.extensions import db
from practice.money import amount_text
from practice.payments.models import Payment
from practice.payments.states import PAID_STATUSES, PaymentStatus
from practice.security import audit
from practice.security.audit import Actor
from practice.security.authz import visible_to
from practice.security.models import AuditAction
from practice.timeformats import day_start

CSV_HEADER = [
    "Date", "Client", "Practitioner", "Service", "Session starts", "Amount", "Currency", "Status",
    "Refunded", "Stripe payment", "Checkout session", "Test mode",
]
#: What a spreadsheet reads as the start of a formula (or, after a tab or return, may).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class MonthTotal:
    """The money of one local month's payments in one currency."""

    #: The month's first day.
    month: date
    currency: str
    paid_count: int
    received_cents: int
    refunded_cents: int

    @property
    def net_cents(self) -> int:
        return self.received_cents - self.refunded_cents


def first_of_next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_bounds(month: date, zone: str) -> tuple[datetime, datetime]:
    """The UTC instants where the local month starts and the next begins: 23, 24 or 25-hour days included."""
    return day_start(month, zone), day_start(first_of_next_month(month), zone)


def local_month(value: datetime, zone: str) -> date:
    return value.astimezone(ZoneInfo(zone)).date().replace(day=1)


def payments_page(actor: Actor, *, status: PaymentStatus | None, month: date | None, zone: str) -> list[Payment]:
    """The payments `actor` may see, newest first, with their booking (client, service, practitioner) and refunds loaded.

    `month` (its first day) is a month in the practice's `zone`: a payment made at 23:30 on
    its last day belongs to it, whatever the date in UTC.
    """
    query = (
        select(Payment)
        .options(
            # Sealed columns stay sealed: this list never shows a note or a phone number.
            joinedload(Payment.booking).defer(Booking.client_note),
            joinedload(Payment.booking).joinedload(Booking.client).defer(Client.phone),
            joinedload(Payment.booking).joinedload(Booking.service),
            joinedload(Payment.booking).joinedload(Booking.practitioner),
            selectinload(Payment.refunds),
        )
        .where(_chosen(actor, status))
        .order_by(Payment.created_at.desc(), Payment.id.desc())
    )
    if month is not None:
        starts, ends = month_bounds(month, zone)
        query = query.where(Payment.created_at >= starts, Payment.created_at < ends)
    return list(db.session.scalars(query))


def exported_payments(
    actor: Actor, *, status: PaymentStatus | None, month: date | None, zone: str, now: datetime
) -> list[Payment]:
    """payments_page() for a download, written to the audit trail first: the file leaves Tend with clients' names."""
    audit.record_now(AuditAction.exported, actor=actor, now=now, object_type="payment", detail="Payments spreadsheet")
    return payments_page(actor, status=status, month=month, zone=zone)


def _chosen(actor: Actor, status: PaymentStatus | None) -> ColumnElement[bool]:
    visible = visible_to(actor, Payment)
    return visible if status is None else and_(visible, Payment.status == status)


def monthly_totals(
    actor: Actor, *, zone: str, status: PaymentStatus | None = None, include_test_mode: bool = True
) -> list[MonthTotal]:
    """Money received and refunded, by the local month each payment was made in and by currency, newest month first.

    Only paid payments count (refunds are only ever made of those); a refund made later is
    counted in its payment's month, so a month's net is what its sessions finally brought in.
    Without `include_test_mode`, payments made with Stripe's test keys (no real money) are left out.
    """
    query = select(Payment.created_at, Payment.currency, Payment.amount_cents, Payment.refunded_cents).where(
        _chosen(actor, status), Payment.status.in_(tuple(PAID_STATUSES))
    )
    if not include_test_mode:
        query = query.where(Payment.test_mode.is_(False))
    rows = db.session.execute(query).all()
    sums: dict[tuple[date, str], list[int]] = {}
    for created_at, currency, amount, refunded in rows:
        month_sums = sums.setdefault((local_month(created_at, zone), currency), [0, 0, 0])
        month_sums[0] += 1
        month_sums[1] += amount
        month_sums[2] += refunded
    ordered = sorted(sums.items(), key=lambda item: (-item[0][0].toordinal(), item[0][1]))
    return [MonthTotal(month, currency, *counted) for (month, currency), counted in ordered]


def csv_rows(payments: Iterable[Payment], zone: str) -> Iterator[list[str]]:
    """A header, then one spreadsheet row per payment; never a client's note, contact details or intake."""
    yield CSV_HEADER
    for payment in payments:
        yield [_cell(value) for value in _csv_values(payment, zone)]


def _csv_values(payment: Payment, zone: str) -> list[str]:
    booking = payment.booking
    return [
        _local_iso(payment.created_at, zone),
        booking.display_name,
        booking.practitioner.name,
        booking.service.name,
        _local_iso(booking.starts_at, zone),
        amount_text(payment.amount_cents, payment.currency),
        payment.currency,
        payment.status_label,
        amount_text(payment.refunded_cents, payment.currency),
        payment.payment_intent_id or "",
        payment.checkout_session_id or "",
        "yes" if payment.test_mode else "no",
    ]


def _local_iso(value: datetime, zone: str) -> str:
    return value.astimezone(ZoneInfo(zone)).replace(microsecond=0).isoformat()


def _cell(text: str) -> str:
    # Client names are typed by the public: "=HYPERLINK(…)" must reach the spreadsheet as text, not as a formula.
    return "'" + text if text.startswith(FORMULA_STARTS) else text
