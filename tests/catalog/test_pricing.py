"""How each service is paid, through the services pages: at the visit, a deposit, in full, or a sliding scale."""
import pytest
from sqlalchemy import func, select

from practice.accounts.models import Practitioner
from practice.catalog.models import Service
from practice.catalog.pricing import PaymentMode
from practice.extensions import db
from tests.factories import log_in_as, make_practitioner, make_service

NEW_SERVICE = {
    "name": "Sliding-scale grief counseling",
    "description": "",
    "duration_minutes": "50",
    "price": "65.00",
    "payment_mode": "at_visit",
    "deposit": "",
    "sliding_min": "",
    "sliding_max": "",
    "location_kind": "phone",
    "location_detail": "",
    "capacity": "1",
    "buffer_before_minutes": "0",
    "buffer_after_minutes": "0",
    "slot_step_minutes": "30",
}


@pytest.fixture
def any_app(make_app, request):
    """SQLite, unless a test asks for both databases (BOTH_DATABASES): the CHECKs on the stored amounts are checked on both."""
    return make_app(getattr(request, "param", "sqlite"))


BOTH_DATABASES = pytest.mark.parametrize("any_app", ["sqlite", "postgresql"], indirect=True)


def create(client, **changes):
    return client.post("/admin/services/new", data={**NEW_SERVICE, **changes})


def payment_columns(app) -> tuple:
    """The only service's mode and amounts, as stored."""
    with app.app_context():
        found = db.session.scalar(select(Service))
        return found.payment_mode, found.price_cents, found.deposit_cents, found.sliding_min_cents, found.sliding_max_cents


def service_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Service.id)))


@pytest.fixture
def existing(any_app, logged_in):
    """A £70.00 service paid at the visit, of the logged-in practitioner; its id."""
    with any_app.app_context():
        return make_service(db.session.get(Practitioner, logged_in.id)).id


def test_a_service_paid_at_the_visit_keeps_no_online_amounts(any_app, client, logged_in):
    response = create(client, payment_mode="at_visit", deposit="20.00", sliding_min="30.00", sliding_max="90.00")

    assert response.status_code == 303
    assert payment_columns(any_app) == (PaymentMode.at_visit, 6500, None, None, None)


@BOTH_DATABASES
def test_a_deposit_is_stored_in_minor_units(any_app, client, logged_in):
    response = create(client, payment_mode="deposit", deposit="20.50")

    assert response.status_code == 303
    assert payment_columns(any_app) == (PaymentMode.deposit, 6500, 2050, None, None)


def test_full_prepayment_keeps_only_the_price(any_app, client, logged_in):
    response = create(client, payment_mode="full", deposit="20.00")

    assert response.status_code == 303
    assert payment_columns(any_app) == (PaymentMode.full, 6500, None, None, None)


@BOTH_DATABASES
def test_a_sliding_scale_keeps_its_range_around_the_suggested_price(any_app, client, logged_in):
    response = create(client, payment_mode="sliding", sliding_min="30", sliding_max="90.00", deposit="20.00")

    assert response.status_code == 303
    assert payment_columns(any_app) == (PaymentMode.sliding, 6500, None, 3000, 9000)


def test_yen_amounts_are_whole_yen(any_app, client):
    with any_app.app_context():
        log_in_as(client, make_practitioner(currency="JPY"))

    response = create(client, price="6500", payment_mode="deposit", deposit="1000")

    assert response.status_code == 303
    assert payment_columns(any_app) == (PaymentMode.deposit, 6500, 1000, None, None)


def test_a_sliding_range_may_start_and_end_at_the_suggested_price(any_app, client, logged_in):
    response = create(client, payment_mode="sliding", sliding_min="65", sliding_max="65")

    assert response.status_code == 303
    assert payment_columns(any_app) == (PaymentMode.sliding, 6500, None, 6500, 6500)


def test_a_deposit_may_be_the_whole_price(any_app, client, logged_in):
    assert create(client, payment_mode="deposit", deposit="65").status_code == 303


def test_the_edit_form_shows_the_stored_mode_and_amounts(any_app, client, logged_in):
    with any_app.app_context():
        found = make_service(
            db.session.get(Practitioner, logged_in.id), payment_mode=PaymentMode.sliding, price_cents=6500,
            sliding_min_cents=3000, sliding_max_cents=9000,
        )
        service_id = found.id

    page = client.get(f"/admin/services/{service_id}/edit").data.decode()

    assert 'checked id="payment_mode-3" name="payment_mode" type="radio" value="sliding"' in page
    assert 'name="sliding_min" type="text" value="30.00"' in page
    assert 'name="sliding_max" type="text" value="90.00"' in page
    assert 'name="deposit" type="text" value=""' in page


@BOTH_DATABASES
def test_changing_a_deposit_service_to_paid_at_the_visit_drops_the_deposit(any_app, client, logged_in):
    create(client, payment_mode="deposit", deposit="20.00")
    with any_app.app_context():
        service_id = db.session.scalar(select(Service.id))

    response = client.post(f"/admin/services/{service_id}/edit", data={**NEW_SERVICE, "deposit": "20.00"})

    assert response.status_code == 303
    assert payment_columns(any_app) == (PaymentMode.at_visit, 6500, None, None, None)


def test_changing_a_deposit_service_to_a_sliding_scale(any_app, client, logged_in):
    create(client, payment_mode="deposit", deposit="20.00")
    with any_app.app_context():
        service_id = db.session.scalar(select(Service.id))

    client.post(
        f"/admin/services/{service_id}/edit",
        data={**NEW_SERVICE, "payment_mode": "sliding", "deposit": "20.00", "sliding_min": "40", "sliding_max": "80"},
    )

    assert payment_columns(any_app) == (PaymentMode.sliding, 6500, None, 4000, 8000)


@BOTH_DATABASES
def test_changing_a_sliding_scale_to_full_prepayment_drops_the_range(any_app, client, existing):
    client.post(
        f"/admin/services/{existing}/edit",
        data={**NEW_SERVICE, "payment_mode": "sliding", "sliding_min": "40", "sliding_max": "80"},
    )

    client.post(f"/admin/services/{existing}/edit", data={**NEW_SERVICE, "payment_mode": "full"})

    assert payment_columns(any_app) == (PaymentMode.full, 6500, None, None, None)


def test_a_refused_edit_keeps_the_stored_mode(any_app, client, existing):
    response = client.post(f"/admin/services/{existing}/edit", data={**NEW_SERVICE, "payment_mode": "deposit", "deposit": ""})

    assert response.status_code == 422
    assert payment_columns(any_app) == (PaymentMode.at_visit, 7000, None, None, None)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"payment_mode": "deposit"}, "Please enter the deposit clients pay online when they book."),
        ({"payment_mode": "deposit", "deposit": "0"}, "Please enter a deposit above 0, or choose “Paid at the visit”."),
        ({"payment_mode": "deposit", "deposit": "0.29"}, "Stripe can&#39;t take less than £0.30 online."),
        ({"payment_mode": "deposit", "deposit": "65.01"}, "The deposit can&#39;t be more than the price (£65.00)."),
        ({"payment_mode": "full", "price": "0.20"}, "Stripe can&#39;t take less than £0.30 online."),
        ({"payment_mode": "full", "price": "0"}, "A free service has nothing to pay online — choose “Paid at the visit”."),
        ({"payment_mode": "deposit", "price": "0", "deposit": "10"}, "A free service has nothing to pay online"),
        ({"payment_mode": "sliding", "price": "0", "sliding_min": "1", "sliding_max": "2"}, "A free service has nothing"),
        ({"payment_mode": "sliding", "sliding_max": "90"}, "Please enter the least a client can choose to pay."),
        ({"payment_mode": "sliding", "sliding_min": "30"}, "Please enter the most a client can choose to pay."),
        ({"payment_mode": "sliding", "sliding_min": "0.10", "sliding_max": "90"}, "Stripe can&#39;t take less than £0.30 online."),
        ({"payment_mode": "sliding", "sliding_min": "70", "sliding_max": "90"}, "The lowest amount can&#39;t be more than the suggested price (£65.00)."),
        ({"payment_mode": "sliding", "sliding_min": "30", "sliding_max": "60"}, "The highest amount can&#39;t be less than the suggested price (£65.00)."),
        ({"payment_mode": "sliding", "sliding_min": "90", "sliding_max": "30"}, "The lowest amount can&#39;t be more than the highest."),
        ({"payment_mode": "sliding", "sliding_min": "30", "sliding_max": "100000.01"}, "at most 100000.00"),
        ({"payment_mode": "moon"}, "Please choose how this service is paid."),
        ({"payment_mode": ""}, "Please choose how this service is paid."),
        ({"payment_mode": "deposit", "deposit": "twenty"}, "Please enter the amount as a number, like 65.50."),
        ({"payment_mode": "sliding", "sliding_min": "-5", "sliding_max": "90"}, "An amount can&#39;t be negative."),
        ({"payment_mode": "sliding", "sliding_min": "30", "sliding_max": "90.001"}, "at most two decimal places"),
    ],
    ids=lambda value: str(value)[:60],
)
def test_each_payment_rule_explains_itself_and_saves_nothing(any_app, client, logged_in, changes, message):
    response = create(client, **changes)

    assert response.status_code == 422
    assert message in response.data.decode()
    assert service_count(any_app) == 0


def test_a_form_sent_without_a_payment_mode_is_refused(any_app, client, logged_in):
    data = {key: value for key, value in NEW_SERVICE.items() if key != "payment_mode"}

    response = client.post("/admin/services/new", data=data)

    assert response.status_code == 422
    assert "Please choose how this service is paid." in response.data.decode()
    assert service_count(any_app) == 0


def test_the_messages_are_tied_to_their_fields_for_screen_readers(client, logged_in):
    page = create(client, payment_mode="moon", deposit="abc").data.decode()

    assert 'aria-describedby="payment_mode-hint payment_mode-error"' in page
    assert '<p class="error" id="payment_mode-error">Please choose how this service is paid.</p>' in page
    assert 'aria-describedby="deposit-hint deposit-error"' in page


@pytest.mark.parametrize(
    "changes",
    [
        {"payment_mode": "deposit", "deposit": "65.00.00"},
        {"payment_mode": "deposit", "deposit": "1e3"},
        {"payment_mode": "deposit", "deposit": "9" * 40},
        {"payment_mode": "deposit", "deposit": "£20"},
        {"payment_mode": "deposit", "deposit": "２０"},
        {"payment_mode": "sliding", "sliding_min": "inf", "sliding_max": "NaN"},
        {"payment_mode": "sliding", "sliding_min": "30", "sliding_max": "9" * 13},
        {"payment_mode": "sliding", "sliding_min": " ", "sliding_max": "\t"},
        {"payment_mode": "full", "price": "9" * 12},
        {"payment_mode": "DEPOSIT", "deposit": "20"},
        {"payment_mode": "at_visit ", "price": "-0.5"},
        {"payment_mode": "<script>", "deposit": "<b>", "sliding_min": "'; drop table service; --"},
        {"payment_mode": "deposit", "price": "", "deposit": "20"},
        {"payment_mode": "sliding", "price": "abc", "sliding_min": "30", "sliding_max": "20"},
    ],
    ids=lambda value: repr(value)[:60],
)
def test_odd_combinations_are_refused_with_a_message_never_an_error(any_app, client, logged_in, changes):
    response = create(client, **changes)

    assert response.status_code == 422
    assert '<p class="error"' in response.data.decode()
    assert service_count(any_app) == 0


def test_the_list_says_how_each_service_is_paid(any_app, client, logged_in):
    with any_app.app_context():
        practitioner = db.session.get(Practitioner, logged_in.id)
        make_service(practitioner, name="A", payment_mode=PaymentMode.at_visit, price_cents=7000)
        make_service(practitioner, name="B", payment_mode=PaymentMode.deposit, price_cents=7000, deposit_cents=2000)
        make_service(practitioner, name="C", payment_mode=PaymentMode.full, price_cents=7000)
        make_service(
            practitioner, name="D", payment_mode=PaymentMode.sliding, price_cents=7000,
            sliding_min_cents=3000, sliding_max_cents=9000,
        )
        make_service(practitioner, name="E", price_cents=0)

    page = client.get("/admin/services").data.decode()

    assert "£70.00, paid at the visit" in page
    assert "£70.00: a £20.00 deposit online, the rest at the visit" in page
    assert "£70.00, paid in full online when booking" in page
    assert "sliding scale from £30.00 to £90.00, suggested £70.00, paid online when booking" in page
    assert "minutes · Free" in page


def test_the_form_explains_what_online_payment_needs(client, logged_in):
    page = client.get("/admin/services/new").data.decode()

    assert "<legend>Price and payment</legend>" in page
    assert "<legend>How clients pay</legend>" in page
    assert 'checked id="payment_mode-0" name="payment_mode" type="radio" value="at_visit"' in page
    assert '<label for="payment_mode-1">A deposit online, the rest at the visit</label>' in page
    assert "Online payments need Stripe keys; without them every service is paid at the visit." in page
