"""Without Stripe keys every service is paid at the visit, and the admin panel says so; with keys nothing books around checkout."""
from practice.accounts.models import Practitioner
from practice.booking.models import BookingStatus
from practice.catalog.pricing import PaymentMode
from practice.extensions import db
from practice.timeformats import instant_for_url
from tests.factories import log_in_as
from tests.payments.support import ZONE, details, offer, pay, the_booking

STRIPE_KEYS = {"STRIPE_SECRET_KEY": "sk_live_not_used", "STRIPE_WEBHOOK_SECRET": "whsec_not_used"}


def test_without_keys_a_deposit_service_is_paid_at_the_visit_and_books_at_once(app):
    offered = offer(app)
    client = app.test_client()

    page = client.get(offered.path).get_data(as_text=True)
    confirm = client.post(f"{offered.path}/details", data=details(offered)).get_data(as_text=True)
    booked = client.post(f"{offered.path}/confirm", data=details(offered))

    assert "£65.00, paid at your visit" in page
    assert "Confirm booking" in confirm and "Confirm and pay" not in confirm
    assert booked.status_code == 303
    assert the_booking(app, offered).status is BookingStatus.confirmed
    assert pay(client, offered, n=2).status_code == 409
    assert client.post("/stripe/webhook", data="{}").status_code == 404


def test_without_keys_the_admin_panel_says_online_payment_is_off(app):
    offered = offer(app)
    client = app.test_client()
    with app.app_context():
        log_in_as(client, db.session.get(Practitioner, offered.practitioner_id))

    page = client.get("/admin/").get_data(as_text=True)

    assert "Online payment is off" in page and "paid at the visit" in page


def test_test_keys_are_warned_about_on_every_admin_page(make_app):
    app = make_app(STRIPE_SECRET_KEY="sk_test_123", STRIPE_WEBHOOK_SECRET="whsec_123")
    offered = offer(app, mode=PaymentMode.at_visit)
    client = app.test_client()
    with app.app_context():
        log_in_as(client, db.session.get(Practitioner, offered.practitioner_id))

    for path in ("/admin/", "/admin/services", "/admin/payments/"):
        assert "Stripe test mode" in client.get(path).get_data(as_text=True)


def test_with_keys_a_paid_service_is_never_booked_around_checkout(make_app):
    app = make_app(**STRIPE_KEYS)
    offered = offer(app, mode=PaymentMode.full)
    client = app.test_client()

    by_form = client.post(f"{offered.path}/confirm", data=details(offered))
    by_api = client.post(
        "/api/v1/bookings",
        json={"service": offered.service_id, "start": instant_for_url(offered.start), "name": "A", "email": "a@example.org", "timezone": ZONE},
    )

    assert by_form.status_code == 422 and "paid when you book" in by_form.get_data(as_text=True)
    assert by_api.status_code == 422 and "paid when you book" in by_api.get_json()["error"]
    assert the_booking(app, offered) is None
