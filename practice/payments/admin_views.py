"""The admin's payments: the list by status and month, the same list as a spreadsheet, and refunds from a booking's page."""
import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from practice.errors import error_response
from practice.money import AmountError, format_money, parse_amount
from practice.payment_settings import test_keys_in_use
from practice.payments import reports, service
from practice.payments.models import Payment, Refund
from practice.payments.states import STATUS_LABELS, PaymentStatus, RefundStatus
from practice.security.authz import found_or_404
from practice.security.private_pages import current_actor, make_private
from practice.timeformats import YEARS

bp = make_private(Blueprint("payments_admin", __name__, url_prefix="/admin"))

MONTH_PATTERN = re.compile(r"([0-9]{4})-([0-9]{2})")
MONTH_MESSAGE = "Please give the month as its year and number, like 2025-03."
#: What refund_by_practitioner() records when Stripe refused a refund outright.
STRIPE_REFUSED = "Stripe could not make this refund"


class BadFilter(ValueError):
    """A filter value the page cannot use; the message says what to type instead."""


@dataclass(frozen=True)
class Filters:
    status: PaymentStatus | None = None
    #: The first day of a month in the practice's time zone.
    month: date | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status] if self.status is not None else ""

    def as_args(self) -> dict[str, str]:
        """The filters as the page's query string carries them."""
        args = {}
        if self.status is not None:
            args["status"] = self.status.value
        if self.month is not None:
            args["month"] = f"{self.month:%Y-%m}"
        return args


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _zone_of_practice() -> str:
    return current_user.practice.timezone


@bp.app_template_global("payments_for_booking")
def _payments_for_booking(booking) -> list[Payment]:
    return service.payments_of(booking.id)


@bp.get("/payments/")
def list_payments():
    filters, errors = _filters_from(request.args)
    if errors:
        return _render_list(filters, errors, payments=[], totals=[], status=400)
    actor, zone = current_actor(), _zone_of_practice()
    return _render_list(
        filters,
        errors,
        payments=reports.payments_page(actor, status=filters.status, month=filters.month, zone=zone),
        # Once live keys are set, test payments (no real money) stay out of the totals.
        totals=reports.monthly_totals(
            actor, zone=zone, status=filters.status, include_test_mode=test_keys_in_use(current_app.config)
        ),
    )


@bp.get("/payments.csv")
def payments_csv():
    filters, errors = _filters_from(request.args)
    if errors:
        return error_response(400, " ".join(errors.values()))
    actor, zone = current_actor(), _zone_of_practice()
    payments = reports.exported_payments(actor, status=filters.status, month=filters.month, zone=zone, now=_now())
    filename = f"payments-{filters.month:%Y-%m}.csv" if filters.month else "payments.csv"
    return Response(
        _csv_text(reports.csv_rows(payments, zone)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.post("/payments/<int:payment_id>/refund")
def refund(payment_id: int):
    actor = current_actor()
    payment = found_or_404(Payment, payment_id, actor)
    back = url_for("admin.booking_detail", booking_id=payment.booking_id)
    currency = payment.currency
    try:
        amount = parse_amount(request.form.get("amount", ""), currency)
        made = service.refund_by_practitioner(payment, amount, practitioner_id=actor.practitioner_id, now=_now())
    except (AmountError, service.PaymentError) as refused:
        flash(str(refused), "error")
    else:
        flash(*_refund_outcome(made, currency))
    return redirect(back, code=303)


def _filters_from(args: Mapping[str, str]) -> tuple[Filters, dict[str, str]]:
    """The filters in `args`, and a message for each one that could not be read (which is then left out)."""
    values, errors = {}, {}
    for name, parse in (("status", _status), ("month", _month)):
        try:
            values[name] = parse(args.get(name, "").strip())
        except BadFilter as bad:
            errors[name] = str(bad)
    return Filters(**values), errors


def _status(text: str) -> PaymentStatus | None:
    if not text:
        return None
    try:
        return PaymentStatus(text)
    except ValueError:
        raise BadFilter("Please choose a status from the list.") from None


def _month(text: str) -> date | None:
    """`YYYY-MM`, as a month input sends it (a browser without one lets people type it)."""
    if not text:
        return None
    found = MONTH_PATTERN.fullmatch(text)
    if found is None or int(found[1]) not in YEARS or not 1 <= int(found[2]) <= 12:
        raise BadFilter(MONTH_MESSAGE)
    return date(int(found[1]), int(found[2]), 1)


def _render_list(filters: Filters, errors: dict[str, str], *, payments, totals, status: int = 200):
    return (
        render_template(
            "payments/admin_list.html",
            filters=filters,
            errors=errors,
            typed=request.args,
            statuses=[(choice.value, STATUS_LABELS[choice]) for choice in PaymentStatus],
            payments=payments,
            totals=totals,
            currencies={total.currency for total in totals},
            whole_practice=current_actor().is_owner,
            zone=_zone_of_practice(),
        ),
        status,
    )


def _csv_text(rows) -> str:
    buffer = io.StringIO()
    # The byte-order mark tells spreadsheet programs the file is UTF-8, so "Zoë" does not open as "ZoÃ«".
    buffer.write("\ufeff")
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def _refund_outcome(made: Refund, currency: str) -> tuple[str, str]:
    """The flash message and its category for a refund as Stripe left it."""
    amount = format_money(made.amount_cents, currency)
    if made.status is RefundStatus.succeeded:
        return f"Refunded {amount}.", "success"
    if made.status is RefundStatus.failed:
        reason = made.failure_reason if made.failure_reason not in ("", STRIPE_REFUSED) else "nothing was sent back."
        return f"{STRIPE_REFUSED}: {reason}", "error"
    if made.stripe_refund_id:
        return f"Refund of {amount} asked of Stripe; it will show here once confirmed.", "success"
    # Stripe wasn't reached: the refund stays owed and the worker asks again.
    return f"Stripe couldn't be reached, so the refund of {amount} isn't made yet. Tend will try again shortly.", "error"
