"""Saving a client's answers page by page: one response per form however the pages arrive, flags that stay, closed forms."""
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from practice.booking import service as booking_service
from practice.booking.models import Booking
from practice.extensions import db
from practice.intake import service as intake
from practice.intake.definitions import Attention
from practice.intake.models import IntakeResponse
from tests.factories import make_booking, make_practitioner, make_service

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)


def _booking_with_form(template: str) -> tuple[int, int]:
    practitioner = make_practitioner(min_notice_minutes=0)
    service = make_service(practitioner)
    form = intake.create_form(practitioner, template=template, now=NOW)
    intake.set_services_asking(form, [service.id])
    return make_booking(service, NOW + timedelta(days=5)).id, form.id


def _save(booking_id: int, form_id: int, step: int, posted: dict, now: datetime = NOW):
    return intake.save_page(db.session.get(Booking, booking_id), form_id, step, posted, now=now)


def test_a_double_tapped_first_page_makes_one_response(any_app):
    with any_app.app_context():
        booking_id, form_id = _booking_with_form("massage")
    start = threading.Barrier(2)
    outcomes = []

    def tap():
        with any_app.app_context():
            start.wait()
            try:
                outcomes.append(_save(booking_id, form_id, 0, {"q-bleeding_now": ["none"]}).errors)
            except Exception as failed:  # noqa: BLE001 - the test reports whatever broke
                outcomes.append(failed)
            finally:
                db.session.remove()

    taps = [threading.Thread(target=tap) for _ in range(2)]
    for thread in taps:
        thread.start()
    for thread in taps:
        thread.join(timeout=30)

    assert outcomes == [{}, {}]
    with any_app.app_context():
        assert db.session.scalar(select(func.count(IntakeResponse.id))) == 1


def test_the_link_resumes_at_the_first_page_not_yet_answered(app):
    with app.app_context():
        booking_id, form_id = _booking_with_form("grief")
        _save(booking_id, form_id, 0, {})
        _save(booking_id, form_id, 1, {"q-words_to_avoid": ["due dates"]})

        response = db.session.scalars(select(IntakeResponse)).one()
        assert (response.step, response.is_submitted) == (2, False)
        assert intake.answers_of(response) == {"words_to_avoid": "due dates"}


def test_going_back_to_an_earlier_page_does_not_lose_the_place(app):
    with app.app_context():
        booking_id, form_id = _booking_with_form("grief")
        for step in range(3):
            _save(booking_id, form_id, step, {})
        _save(booking_id, form_id, 0, {"q-loss_how_long_ago": ["six weeks"]})

        assert db.session.scalars(select(IntakeResponse)).one().step == 3


def test_a_flag_once_raised_stays_when_the_answer_is_changed(app):
    with app.app_context():
        booking_id, form_id = _booking_with_form("massage")
        _save(booking_id, form_id, 0, {"q-bleeding_now": ["heavy"]})
        _save(booking_id, form_id, 0, {"q-bleeding_now": ["none"]})

        response = db.session.scalars(select(IntakeResponse)).one()
        assert response.attention is Attention.check_before_session
        assert intake.flag_reasons(response) == ["Heavy bleeding now"]


def test_a_page_with_errors_saves_nothing(app):
    with app.app_context():
        booking_id, form_id = _booking_with_form("massage")

        saved = _save(booking_id, form_id, 0, {"q-bleeding_now": ["gushing"]})

        assert set(saved.errors) == {"bleeding_now"}
        assert db.session.scalar(select(func.count(IntakeResponse.id))) == 0


@pytest.mark.parametrize("step", [-1, 99])
def test_a_step_outside_the_form_is_refused(app, step):
    with app.app_context():
        booking_id, form_id = _booking_with_form("massage")

        with pytest.raises(intake.IntakeClosed):
            _save(booking_id, form_id, step, {})


def test_a_cancelled_booking_takes_no_more_answers(app):
    with app.app_context():
        booking_id, form_id = _booking_with_form("grief")
        booking_service.cancel_booking(booking_id, by=booking_service.CLIENT, now=NOW)

        with pytest.raises(intake.IntakeClosed):
            _save(booking_id, form_id, 0, {})


def test_no_answers_once_the_session_has_begun(app):
    with app.app_context():
        booking_id, form_id = _booking_with_form("grief")

        with pytest.raises(intake.IntakeClosed):
            _save(booking_id, form_id, 0, {}, now=NOW + timedelta(days=5))


def test_a_sent_form_takes_no_more_answers(app):
    with app.app_context():
        booking_id, form_id = _booking_with_form("gad7")
        definition = intake.forms_for_service(db.session.get(Booking, booking_id).service_id)[0].latest.definition
        for step in range(len(definition.sections)):
            _save(booking_id, form_id, step, {})

        with pytest.raises(intake.IntakeClosed):
            _save(booking_id, form_id, 0, {})


def test_a_form_the_service_does_not_ask_for_cannot_be_answered(app):
    with app.app_context():
        booking_id, _ = _booking_with_form("grief")
        other_practitioner = make_practitioner()
        stranger = intake.create_form(other_practitioner, template="massage", now=NOW)

        with pytest.raises(intake.IntakeClosed):
            _save(booking_id, stranger.id, 0, {})


def test_pages_are_answered_in_order(app):
    with app.app_context():
        booking_id, form_id = _booking_with_form("grief")

        with pytest.raises(intake.IntakeClosed):
            _save(booking_id, form_id, 1, {})
        assert db.session.scalar(select(func.count(IntakeResponse.id))) == 0
