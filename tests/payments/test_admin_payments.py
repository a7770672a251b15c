"""The admin's payments: the list by status and local month, its totals and spreadsheet, and refusals of the refund form."""
import csv
import io
import socket
from datetime import date, datetime, timedelta, timezone
from html import unescape
from itertools import count
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from flask import render_template
from sqlalchemy import event, func, select

from practice.accounts.models import Practitioner, Role
from practice.booking.models import Booking
from practice.extensions import db
from practice.payments import reports
from practice.payments.models import Payment, Refund
from practice.payments.states import PAID_STATUSES, PaymentStatus, RefundStatus
from practice.security.audit import Actor
from practice.security.models import AuditAction, AuditEvent
from tests.factories import log_in_as, make_booking, make_practitioner, make_service

NEW_YORK = "America/New_York"
#: 23:30 on the last day of March in New York: already 1 April in UTC.
LATE_ON_MARCH_31 = datetime(2024, 3, 31, 23, 30, tzinfo=ZoneInfo(NEW_YORK))
MID_APRIL = datetime(2024, 4, 15, 12, tzinfo=timezone.utc)
SESSION = datetime(2024, 5, 2, 14, tzinfo=timezone.utc)
#: Each booking a day after the last: PostgreSQL refuses a practitioner two sessions at once.
_days = count(1)


def make_payment(
    practitioner: Practitioner,
    *,
    status: PaymentStatus = PaymentStatus.succeeded,
    amount_cents: int = 2000,
    created_at: datetime = MID_APRIL,
    client_name: str = "Hannah Brooks",
    session_at: datetime | None = None,
    **overrides,
) -> Payment:
    """A booking with one of the practitioner's services (a day later than the last one), and a payment for it as Stripe would have left it."""
    service = make_service(practitioner, name=f"{practitioner.name} massage")
    booking = make_booking(
        service, session_at or SESSION + timedelta(days=next(_days)), client_name=client_name, client_email=f"{client_name.lower().replace(' ', '.')}@example.org"
    )
    values = dict(
        practice_id=booking.practice_id,
        practitioner_id=booking.practitioner_id,
        booking_id=booking.id,
        client_id=booking.client_id,
        amount_cents=amount_cents,
        currency="GBP",
        status=status,
        checkout_session_id=f"cs_test_{booking.id}",
        payment_intent_id=f"pi_test_{booking.id}" if status in PAID_STATUSES else None,
        created_at=created_at.astimezone(timezone.utc),
        expires_at=created_at.astimezone(timezone.utc) + timedelta(minutes=31),
        paid_at=created_at.astimezone(timezone.utc) if status in PAID_STATUSES else None,
    )
    values.update(overrides)
    payment = Payment(**values)
    db.session.add(payment)
    db.session.commit()
    return payment


@pytest.fixture
def any_app(make_app, request):
    """SQLite, unless a test asks for both databases (BOTH_DATABASES): only where SQL decides is PostgreSQL asked too."""
    return make_app(getattr(request, "param", "sqlite"))


BOTH_DATABASES = pytest.mark.parametrize("any_app", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def client(any_app):
    """Dates are stored differently by SQLite and PostgreSQL: the month's bounds must hold on both."""
    return any_app.test_client()


@pytest.fixture
def practice(any_app):
    """A New York practice: its owner and a practitioner, neither logged in."""
    with any_app.app_context():
        owner = make_practitioner(timezone=NEW_YORK, name="Rowan Hale")
        colleague = make_practitioner(owner.practice, role=Role.practitioner, name="Sam Okafor")
        return SimpleNamespace(owner_id=owner.id, colleague_id=colleague.id, practice_id=owner.practice_id)


def log_in(app, client, practitioner_id: int) -> None:
    with app.app_context():
        log_in_as(client, db.session.get(Practitioner, practitioner_id))


def add_payment(app, practitioner_id: int, **values) -> int:
    with app.app_context():
        return make_payment(db.session.get(Practitioner, practitioner_id), **values).id


def page_of(client, query: str = "") -> str:
    response = client.get(f"/admin/payments/{query}")
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


def csv_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def refund_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Refund.id)))


def booking_of(app, payment_id: int) -> int:
    with app.app_context():
        return db.session.get(Payment, payment_id).booking_id


def make_other_practice_payment(app, **values) -> int:
    with app.app_context():
        return make_payment(make_practitioner(name="Elsewhere Owner"), **values).id


def owner_actor(practice) -> Actor:
    return Actor(practice.owner_id, practice.practice_id, True)


# --- The list -------------------------------------------------------------------------------------


def test_the_list_shows_each_payment_newest_first_with_a_link_to_its_booking(any_app, client, practice):
    add_payment(any_app, practice.owner_id, client_name="Priya Shah", created_at=MID_APRIL - timedelta(days=2))
    newer = add_payment(any_app, practice.owner_id, client_name="Ada Lovelace", amount_cents=4550)
    log_in(any_app, client, practice.owner_id)

    page = page_of(client)

    assert page.index("Ada Lovelace") < page.index("Priya Shah")
    assert "£45.50" in page and "Paid" in page
    assert f'href="/admin/bookings/{booking_of(any_app, newer)}"' in page
    assert "<title>Payments · Tend</title>" in page


def test_a_status_filter_shows_only_payments_in_that_status(any_app, client, practice):
    add_payment(any_app, practice.owner_id, client_name="Priya Shah", status=PaymentStatus.failed)
    add_payment(any_app, practice.owner_id, client_name="Ada Lovelace")
    log_in(any_app, client, practice.owner_id)

    page = page_of(client, "?status=failed")

    assert "Priya Shah" in page and "Ada Lovelace" not in page
    assert '<option value="failed" selected>Not paid</option>' in page


@BOTH_DATABASES
def test_a_month_filter_shows_only_payments_made_in_that_local_month(any_app, client, practice):
    add_payment(any_app, practice.owner_id, client_name="Priya Shah", created_at=LATE_ON_MARCH_31)
    add_payment(any_app, practice.owner_id, client_name="Ada Lovelace", created_at=MID_APRIL)
    log_in(any_app, client, practice.owner_id)

    march, april = page_of(client, "?month=2024-03"), page_of(client, "?month=2024-04")

    assert "Priya Shah" in march and "Ada Lovelace" not in march
    assert "Ada Lovelace" in april and "Priya Shah" not in april


@pytest.mark.parametrize(
    ("zone", "local", "month"),
    [
        # West of UTC: 23:30 on 31 March is 03:30 on 1 April in UTC.
        (NEW_YORK, datetime(2024, 3, 31, 23, 30), date(2024, 3, 1)),
        # East of UTC: 00:30 on 1 April is still 31 March in UTC.
        ("Pacific/Kiritimati", datetime(2024, 4, 1, 0, 30), date(2024, 4, 1)),
        # The first moment of a local month, and the last of one, around a clock change.
        ("Europe/London", datetime(2024, 4, 1, 0, 0), date(2024, 4, 1)),
        ("Europe/London", datetime(2024, 3, 31, 23, 59, 59), date(2024, 3, 1)),
    ],
)
def test_a_payment_belongs_to_the_month_of_its_local_date(any_app, zone, local, month):
    with any_app.app_context():
        owner = make_practitioner(timezone=zone)
        payment = make_payment(owner, created_at=local.replace(tzinfo=ZoneInfo(zone)))
        actor = Actor(owner.id, owner.practice_id, True)
        other_month = date(2024, 2 if month.month == 3 else 3, 1)

        assert [p.id for p in reports.payments_page(actor, status=None, month=month, zone=zone)] == [payment.id]
        assert reports.payments_page(actor, status=None, month=other_month, zone=zone) == []


def test_a_months_bounds_follow_the_clock_change():
    starts, ends = reports.month_bounds(date(2024, 3, 1), NEW_YORK)

    assert starts == datetime(2024, 3, 1, 5, tzinfo=timezone.utc)
    assert ends == datetime(2024, 4, 1, 4, tzinfo=timezone.utc)
    assert reports.month_bounds(date(2024, 12, 1), NEW_YORK)[1] == datetime(2025, 1, 1, 5, tzinfo=timezone.utc)


@BOTH_DATABASES
def test_the_list_loads_what_it_shows_in_two_queries_however_many_payments(any_app, practice):
    with any_app.app_context():
        owner = db.session.get(Practitioner, practice.owner_id)
        for n in range(4):
            make_payment(owner, client_name=f"Client {n}")
        statements = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            for payment in reports.payments_page(owner_actor(practice), status=None, month=None, zone=NEW_YORK):
                booking = payment.booking
                assert booking.display_name and booking.service.name and booking.practitioner.name
                assert payment.refunds == [] and payment.refund_owed_cents == 0
        finally:
            event.remove(db.engine, "before_cursor_execute", count)

    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2


@BOTH_DATABASES
def test_a_practitioner_sees_only_their_own_payments_and_the_owner_sees_the_practices(any_app, client, practice):
    add_payment(any_app, practice.owner_id, client_name="Priya Shah")
    add_payment(any_app, practice.colleague_id, client_name="Ada Lovelace")
    make_other_practice_payment(any_app, client_name="Zed Stranger")

    log_in(any_app, client, practice.colleague_id)
    colleagues = page_of(client)
    log_in(any_app, client, practice.owner_id)
    owners = page_of(client)

    assert "Ada Lovelace" in colleagues and "Priya Shah" not in colleagues
    assert "Ada Lovelace" in owners and "Priya Shah" in owners
    assert "Zed Stranger" not in owners


def test_the_list_says_so_when_there_are_no_payments(any_app, client, practice):
    log_in(any_app, client, practice.owner_id)

    assert "No payments yet." in page_of(client)
    assert "No payments match these choices." in page_of(client, "?month=2020-01")


def test_the_download_link_carries_the_filters(any_app, client, practice):
    add_payment(any_app, practice.owner_id, created_at=LATE_ON_MARCH_31)
    log_in(any_app, client, practice.owner_id)

    page = page_of(client, "?status=succeeded&month=2024-03")

    assert 'href="/admin/payments.csv?status=succeeded&month=2024-03"' in page


@pytest.mark.parametrize("month", ["2024-13", "2024-00", "March", "2024-3", "12345-01", "1999-12", "2024-03-01"])
def test_a_month_that_cannot_be_read_is_refused_with_a_message(any_app, client, practice, month):
    log_in(any_app, client, practice.owner_id)

    page, download = client.get(f"/admin/payments/?month={month}"), client.get(f"/admin/payments.csv?month={month}")

    assert page.status_code == 400 and download.status_code == 400
    assert "Please give the month as its year and number, like 2025-03." in page.get_data(as_text=True)
    assert "Please give the month as its year and number" in download.get_data(as_text=True)


def test_a_status_that_does_not_exist_is_refused_with_a_message(any_app, client, practice):
    log_in(any_app, client, practice.owner_id)

    response = client.get("/admin/payments/?status=stolen")

    assert response.status_code == 400
    assert "Please choose a status from the list." in response.get_data(as_text=True)


def test_the_pages_need_a_login(client):
    assert client.get("/admin/payments/").status_code == 302
    assert client.get("/admin/payments.csv").status_code == 302


# --- Totals ---------------------------------------------------------------------------------------


@BOTH_DATABASES
def test_monthly_totals_count_money_received_and_refunded_by_local_month(any_app, practice):
    with any_app.app_context():
        owner = db.session.get(Practitioner, practice.owner_id)
        make_payment(owner, created_at=LATE_ON_MARCH_31, amount_cents=2000)
        make_payment(
            owner, created_at=datetime(2024, 3, 2, tzinfo=timezone.utc), amount_cents=3000,
            status=PaymentStatus.partially_refunded, refunded_cents=1000,
        )
        make_payment(owner, created_at=datetime(2024, 3, 3, tzinfo=timezone.utc), status=PaymentStatus.failed, amount_cents=9900)
        make_payment(owner, created_at=MID_APRIL, amount_cents=4000)

        totals = reports.monthly_totals(owner_actor(practice), zone=NEW_YORK)

    assert totals == [
        reports.MonthTotal(date(2024, 4, 1), "GBP", paid_count=1, received_cents=4000, refunded_cents=0),
        reports.MonthTotal(date(2024, 3, 1), "GBP", paid_count=2, received_cents=5000, refunded_cents=1000),
    ]
    assert totals[1].net_cents == 4000


def test_monthly_totals_keep_currencies_apart(any_app, practice):
    with any_app.app_context():
        owner = db.session.get(Practitioner, practice.owner_id)
        make_payment(owner, amount_cents=2000)
        make_payment(owner, amount_cents=3000, currency="EUR")

        totals = reports.monthly_totals(owner_actor(practice), zone=NEW_YORK)

    assert [(t.currency, t.received_cents) for t in totals] == [("EUR", 3000), ("GBP", 2000)]


def test_the_page_shows_the_totals(any_app, client, practice):
    add_payment(any_app, practice.owner_id, amount_cents=4000, status=PaymentStatus.partially_refunded, refunded_cents=1500)
    log_in(any_app, client, practice.owner_id)

    page = page_of(client)

    assert "April 2024" in page
    assert "£40.00" in page and "£15.00" in page and "£25.00" in page


# --- The spreadsheet ------------------------------------------------------------------------------


def test_the_spreadsheet_has_a_header_and_one_row_per_payment(any_app, client, practice):
    payment_id = add_payment(
        any_app, practice.owner_id, client_name="Priya Shah", created_at=LATE_ON_MARCH_31, session_at=SESSION
    )
    add_payment(any_app, practice.owner_id, created_at=MID_APRIL)
    log_in(any_app, client, practice.owner_id)

    response = client.get("/admin/payments.csv?month=2024-03")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="payments-2024-03.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    assert csv_of(response) == [
        reports.CSV_HEADER,
        [
            "2024-03-31T23:30:00-04:00", "Priya Shah", "Rowan Hale", "Rowan Hale massage", "2024-05-02T10:00:00-04:00",
            "20.00", "GBP", "Paid", "0.00", f"pi_test_{booking_of(any_app, payment_id)}",
            f"cs_test_{booking_of(any_app, payment_id)}", "no",
        ],
    ]


def test_the_whole_spreadsheet_is_named_payments_csv(any_app, client, practice):
    log_in(any_app, client, practice.owner_id)

    response = client.get("/admin/payments.csv")

    assert response.headers["Content-Disposition"] == 'attachment; filename="payments.csv"'
    assert csv_of(response) == [reports.CSV_HEADER]


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://evil.example\",\"x\")", "+44 1", "-1+1", "@SUM(A1)", "\tTabbed"])
def test_a_cell_a_spreadsheet_would_read_as_a_formula_is_kept_as_text(any_app, client, practice, name):
    add_payment(any_app, practice.owner_id, client_name=name)
    log_in(any_app, client, practice.owner_id)

    row = csv_of(client.get("/admin/payments.csv"))[1]

    assert row[1] == "'" + name


def test_the_spreadsheet_never_holds_the_clients_note_or_contact_details(any_app, client, practice):
    with any_app.app_context():
        payment = make_payment(db.session.get(Practitioner, practice.owner_id), client_name="Priya Shah")
        booking = db.session.get(Booking, payment.booking_id)
        booking.client_note = "grieving my father"
        booking.client.phone = "07700 900123"
        db.session.commit()
    log_in(any_app, client, practice.owner_id)

    text = client.get("/admin/payments.csv").get_data(as_text=True)

    assert "Priya Shah" in text
    assert "grieving" not in text and "07700" not in text and "@example.org" not in text


def test_a_download_is_written_to_the_audit_trail(any_app, client, practice):
    log_in(any_app, client, practice.owner_id)

    client.get("/admin/payments.csv")

    with any_app.app_context():
        exported = db.session.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.exported)).all()
        assert [(e.actor_id, e.practice_id, e.object_type) for e in exported] == [
            (practice.owner_id, practice.practice_id, "payment")
        ]


# --- Refunds --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("abc", "Please enter the amount as a number, like 65.50."),
        ("", "Please enter an amount, like 65.50."),
        ("0", "Please enter an amount above zero."),
        ("-5", "An amount can't be negative."),
        ("12.345", "Please use at most two decimal places, like 65.50."),
        ("20.01", "At most £20.00 can still be refunded."),
    ],
)
def test_a_refund_of_an_amount_that_cannot_be_refunded_is_refused(any_app, client, practice, amount, message):
    payment_id = add_payment(any_app, practice.owner_id, amount_cents=2000)
    log_in(any_app, client, practice.owner_id)

    response = client.post(f"/admin/payments/{payment_id}/refund", data={"amount": amount})

    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/bookings/{booking_of(any_app, payment_id)}"
    assert message in unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert refund_count(any_app) == 0


def test_a_refund_stripe_cannot_be_reached_for_is_kept_owed_and_said_so(make_app):
    # Bound but not listening: every connection is refused at once.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        app = make_app(STRIPE_SECRET_KEY="sk_test_unreachable", STRIPE_API_BASE=f"http://127.0.0.1:{closed.getsockname()[1]}")
        client = app.test_client()
        with app.app_context():
            owner = make_practitioner()
            owner_id, payment_id = owner.id, make_payment(owner, amount_cents=2000).id
            log_in_as(client, owner)

        response = client.post(f"/admin/payments/{payment_id}/refund", data={"amount": "12.50"}, follow_redirects=True)

    assert "Stripe couldn't be reached, so the refund of £12.50 isn't made yet." in unescape(response.get_data(as_text=True))
    with app.app_context():
        owed = db.session.scalars(select(Refund)).all()
        assert [(r.payment_id, r.amount_cents, r.status, r.requested_by_id) for r in owed] == [
            (payment_id, 1250, RefundStatus.pending, owner_id)
        ]


def test_a_payment_refunded_in_full_cannot_be_refunded_again(any_app, client, practice):
    payment_id = add_payment(any_app, practice.owner_id, status=PaymentStatus.refunded, refunded_cents=2000)
    log_in(any_app, client, practice.owner_id)

    response = client.post(f"/admin/payments/{payment_id}/refund", data={"amount": "5"}, follow_redirects=True)

    assert "There is nothing left to refund on this payment." in response.get_data(as_text=True)
    assert refund_count(any_app) == 0


def test_another_practices_payment_cannot_be_refunded(any_app, client, practice):
    elsewhere = make_other_practice_payment(any_app)
    log_in(any_app, client, practice.owner_id)

    response = client.post(f"/admin/payments/{elsewhere}/refund", data={"amount": "5"})

    assert response.status_code == 404
    assert refund_count(any_app) == 0


def test_a_colleagues_payment_cannot_be_refunded_by_a_practitioner(any_app, client, practice):
    owners = add_payment(any_app, practice.owner_id)
    log_in(any_app, client, practice.colleague_id)

    assert client.post(f"/admin/payments/{owners}/refund", data={"amount": "5"}).status_code == 404
    assert refund_count(any_app) == 0


# --- The booking page's part ----------------------------------------------------------------------


def test_the_booking_part_offers_to_refund_what_is_left(any_app, practice):
    with any_app.app_context():
        payment = make_payment(
            db.session.get(Practitioner, practice.owner_id), amount_cents=2000,
            status=PaymentStatus.partially_refunded, refunded_cents=500, test_mode=True,
        )
        with any_app.test_request_context():
            html = unescape(render_template("payments/_booking_payments.html", booking=payment.booking, zone=NEW_YORK))

    assert "<h2 id=\"payments-title\">Payments</h2>" in html
    assert "Partly refunded" in html and "Test mode" in html
    assert f'action="/admin/payments/{payment.id}/refund"' in html
    assert '<label for="refund-amount-' in html and "Amount to refund" in html
    assert 'value="15.00"' in html and 'inputmode="decimal"' in html
    assert 'name="csrf_token"' in html


def test_the_booking_part_is_empty_without_payments(any_app, practice):
    with any_app.app_context():
        service = make_service(db.session.get(Practitioner, practice.owner_id))
        booking = make_booking(service, SESSION)
        with any_app.test_request_context():
            assert render_template("payments/_booking_payments.html", booking=booking, zone=NEW_YORK).strip() == ""


def test_an_unpaid_payment_offers_no_refund(any_app, practice):
    with any_app.app_context():
        payment = make_payment(db.session.get(Practitioner, practice.owner_id), status=PaymentStatus.failed, failure_reason="The card was declined")
        with any_app.test_request_context():
            html = render_template("payments/_booking_payments.html", booking=payment.booking, zone=NEW_YORK)

    assert "Not paid" in html and "The card was declined" in html
    assert "Amount to refund" not in html


def test_with_live_keys_test_payments_stay_out_of_the_totals(any_app, practice):
    add_payment(any_app, practice.owner_id, amount_cents=4000)
    add_payment(any_app, practice.owner_id, amount_cents=1000, test_mode=True)
    with any_app.app_context():
        live = reports.monthly_totals(owner_actor(practice), zone=NEW_YORK, include_test_mode=False)
        testing = reports.monthly_totals(owner_actor(practice), zone=NEW_YORK, include_test_mode=True)

    assert [t.received_cents for t in live] == [4000]
    assert [t.received_cents for t in testing] == [5000]
