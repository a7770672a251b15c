"""Care rules, without an app: the self-harm items, the massage red flags, and hidden questions raising nothing."""
from datetime import date, timedelta

import pytest

from practice.intake.care import RaisedFlag, attention_of, raised_flags
from practice.intake.definitions import DECLINED, Attention
from practice.intake.starter_forms import grief, massage
from practice.intake.starter_forms.screeners import EPDS, GAD7, PHQ9

SESSION = date(2026, 3, 20)


def days_before_session(days: int) -> str:
    return (SESSION - timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("definition", "key"),
    [(EPDS, "epds_10"), (PHQ9, "phq9_9")],
    ids=["EPDS item 10", "PHQ-9 item 9"],
)
@pytest.mark.parametrize("value", ["1", "2", "3"])
def test_a_self_harm_item_above_zero_needs_attention_and_shows_crisis_resources(definition, key, value):
    flags = raised_flags(definition, {key: value}, session_day=SESSION)

    assert [(flag.level, flag.shows_crisis_resources) for flag in flags] == [(Attention.needs_attention, True)]
    assert attention_of(flags) is Attention.needs_attention


@pytest.mark.parametrize(
    ("definition", "key"),
    [(EPDS, "epds_10"), (PHQ9, "phq9_9")],
    ids=["EPDS item 10", "PHQ-9 item 9"],
)
@pytest.mark.parametrize("value", ["0", DECLINED, None], ids=["zero", "declined", "unanswered"])
def test_a_self_harm_item_at_zero_declined_or_skipped_raises_nothing(definition, key, value):
    answers = {} if value is None else {key: value}

    flags = raised_flags(definition, answers, session_day=SESSION)

    assert flags == []
    assert attention_of(flags) is Attention.none


def test_the_self_harm_reason_names_the_item_for_the_practitioner():
    (epds,) = raised_flags(EPDS, {"epds_10": "3"}, session_day=SESSION)
    (phq9,) = raised_flags(PHQ9, {"phq9_9": "1"}, session_day=SESSION)

    assert "EPDS item 10" in epds.reason
    assert "PHQ-9 item 9" in phq9.reason


def test_high_answers_to_other_screener_items_raise_nothing():
    answers = {key: "3" for key in EPDS.scoring.items if key != "epds_10"}

    assert raised_flags(EPDS, answers, session_day=SESSION) == []
    assert raised_flags(GAD7, {key: "3" for key in GAD7.scoring.items}, session_day=SESSION) == []


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        ({"bleeding_now": "heavy"}, "Heavy bleeding now"),
        ({"fever": "yes"}, "Fever"),
        ({"procedure": "yes", "procedure_date": days_before_session(3)}, "Procedure within the last two weeks"),
        ({"procedure": "yes", "procedure_date": days_before_session(0)}, "Procedure within the last two weeks"),
        ({"procedure": "yes", "procedure_date": days_before_session(14)}, "Procedure within the last two weeks"),
        ({"clearance": "no"}, "No medical clearance yet"),
        ({"clearance": "not_sure"}, "No medical clearance yet"),
    ],
    ids=["heavy bleeding", "fever", "procedure 3 days before", "procedure that day", "procedure 14 days before",
         "no clearance", "not sure of clearance"],
)
def test_a_massage_red_flag_asks_for_a_check_before_the_session(answers, reason):
    flags = raised_flags(massage.FORM, answers, session_day=SESSION)

    assert flags == [RaisedFlag(Attention.check_before_session, reason, False)]
    assert attention_of(flags) is Attention.check_before_session


@pytest.mark.parametrize(
    "answers",
    [
        {"bleeding_now": "none"},
        {"bleeding_now": "spotting"},
        {"bleeding_now": DECLINED},
        {"fever": "no"},
        {"procedure": "yes", "procedure_date": days_before_session(15)},
        {"procedure": "yes", "procedure_date": days_before_session(20)},
        {"procedure": "yes", "procedure_date": days_before_session(-2)},
        {"procedure": "yes", "procedure_date": DECLINED},
        {"clearance": "yes"},
        {"pain": "10", "pressure": "firm"},
    ],
    ids=["no bleeding", "spotting", "bleeding declined", "no fever", "procedure 15 days before",
         "procedure 20 days before", "procedure planned after", "procedure date declined", "cleared",
         "pain and pressure"],
)
def test_answers_without_a_red_flag_raise_nothing(answers):
    assert raised_flags(massage.FORM, answers, session_day=SESSION) == []


def test_a_flagged_question_that_is_hidden_raises_nothing():
    # The date stays from before the client changed "procedure" to no: the question is no longer shown.
    answers = {"procedure": "no", "procedure_date": days_before_session(3)}

    assert raised_flags(massage.FORM, answers, session_day=SESSION) == []


def test_every_red_flag_is_listed_in_the_order_of_the_form():
    answers = {
        "clearance": "no",
        "fever": "yes",
        "bleeding_now": "heavy",
        "procedure": "yes",
        "procedure_date": days_before_session(1),
    }

    reasons = [flag.reason for flag in raised_flags(massage.FORM, answers, session_day=SESSION)]

    assert reasons == ["Heavy bleeding now", "Fever", "Procedure within the last two weeks", "No medical clearance yet"]


def test_needs_attention_outranks_check_before_session():
    flags = [
        RaisedFlag(Attention.check_before_session, "Fever", False),
        RaisedFlag(Attention.needs_attention, "Self-harm item answered above zero (EPDS item 10)", True),
    ]

    assert attention_of(flags) is Attention.needs_attention


def test_the_grief_form_raises_no_flag():
    assert all(question.flag is None for question in grief.FORM.questions())
