"""Thirty clients pay for the same one-to-one time at once: one is sent to Stripe, the others are refused before paying."""
from collections import Counter
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from practice.booking.models import ACTIVE_STATUSES, Booking
from practice.extensions import db
from practice.payments.models import Payment
from tests.booking.test_concurrency import TAKEN, post_all_at_once
from tests.payments.support import details, offer

CLIENTS = 30


@pytest.mark.parametrize("paying", ["sqlite", "postgresql"], indirect=True)
def test_thirty_payers_for_one_slot_make_one_hold_and_one_checkout(paying):
    offered = offer(paying.app)
    requests = [
        (f"{offered.path}/pay", urlencode(details(offered, n)).encode(), "application/x-www-form-urlencoded")
        for n in range(CLIENTS)
    ]

    answers = post_all_at_once(paying.base_url, requests)

    assert Counter(status for status, _ in answers) == {303: 1, 409: CLIENTS - 1}
    assert all(TAKEN in body for status, body in answers if status == 409)
    with paying.app.app_context():
        held = db.session.scalar(
            select(func.count()).where(Booking.service_id == offered.service_id, Booking.status.in_(ACTIVE_STATUSES))
        )
        made = db.session.scalar(select(func.count()).select_from(Payment))
    assert (held, made) == (1, 1)
    assert len(paying.stripe.get("/v1/checkout/sessions")["data"]) == 1


def test_five_taps_on_confirm_and_pay_at_once_make_one_payment_and_one_checkout(paying):
    offered = offer(paying.app)
    same_form = urlencode(details(offered)).encode()

    answers = post_all_at_once(paying.base_url, [(f"{offered.path}/pay", same_form, "application/x-www-form-urlencoded")] * 5)

    assert [status for status, _ in answers] == [303] * 5
    with paying.app.app_context():
        made = db.session.scalar(select(func.count()).select_from(Payment))
    assert made == 1
    assert len(paying.stripe.get("/v1/checkout/sessions")["data"]) == 1
