"""The starter forms, without an app: usable as given, gentle to fill, and careful with what they flag."""
import re

import pytest

from practice.intake.definitions import Attention, QuestionType, check
from practice.intake.starter_forms import STARTER_FORMS, grief, massage

#: Questions about the body, the loss or the mind: each must offer "Prefer not to say".
MASSAGE_SENSITIVE = (
    "time_since_loss",
    "bleeding_now",
    "fever",
    "procedure",
    "procedure_date",
    "clearance",
    "pain",
    "areas_to_avoid",
    "areas_to_focus",
    "areas_notes",
)


def test_the_five_templates_are_offered():
    assert sorted(STARTER_FORMS) == ["epds", "gad7", "grief", "massage", "phq9"]


@pytest.mark.parametrize("key", sorted(STARTER_FORMS))
def test_every_starter_form_passes_check(key):
    starter = STARTER_FORMS[key]

    assert check(starter.definition) is starter.definition
    assert starter.name.strip() and starter.summary.strip() and starter.definition.intro.strip()


def test_every_question_of_the_grief_form_is_optional():
    assert [q.key for q in grief.FORM.questions() if q.required] == []


def test_every_grief_question_but_the_consent_offers_prefer_not_to_say():
    sensitive = [q for q in grief.FORM.questions() if q.asks and q.type is not QuestionType.consent]

    assert [q.key for q in sensitive if not q.allow_decline] == []


@pytest.mark.parametrize("key", MASSAGE_SENSITIVE)
def test_every_sensitive_massage_question_offers_prefer_not_to_say(key):
    assert massage.FORM.question(key).allow_decline


@pytest.mark.parametrize("key", ["epds", "phq9", "gad7"])
def test_every_screener_question_offers_prefer_not_to_say(key):
    definition = STARTER_FORMS[key].definition

    assert all(question.allow_decline for question in definition.questions())


@pytest.mark.parametrize("key", ["epds", "phq9", "gad7"])
def test_screener_answer_values_are_their_scores(key):
    definition = STARTER_FORMS[key].definition

    for item in definition.scoring.items:
        assert [(c.value, c.score) for c in definition.question(item).options()] in (
            [("0", 0), ("1", 1), ("2", 2), ("3", 3)],
            [("3", 3), ("2", 2), ("1", 1), ("0", 0)],
        ), item


def test_the_epds_asks_about_the_past_7_days():
    definition = STARTER_FORMS["epds"].definition

    assert all("in the past 7 days" in section.intro for section in definition.sections)


@pytest.mark.parametrize("key", ["phq9", "gad7"])
def test_the_phq9_and_gad7_ask_about_the_last_2_weeks(key):
    (section,) = STARTER_FORMS[key].definition.sections

    assert section.intro.startswith("Over the last 2 weeks, how often have you been bothered by")
    assert [c.label for c in section.questions[0].options()] == [
        "Not at all", "Several days", "More than half the days", "Nearly every day",
    ]


def test_only_the_self_harm_items_of_the_screeners_show_crisis_resources():
    flagged = {
        question.key
        for starter in STARTER_FORMS.values()
        for question in starter.definition.questions()
        if question.flag is not None and question.flag.shows_crisis_resources
    }

    assert flagged == {"epds_10", "phq9_9"}


def test_massage_red_flags_ask_for_a_check_before_the_session():
    flags = {q.key: q.flag for q in massage.FORM.questions() if q.flag is not None}

    assert set(flags) == {"bleeding_now", "fever", "procedure_date", "clearance"}
    levels = {(flag.level, flag.shows_crisis_resources) for flag in flags.values()}
    assert levels == {(Attention.check_before_session, False)}
    assert flags["procedure_date"].within_days == 14


def test_the_grief_loss_section_opens_with_a_content_note():
    loss = grief.FORM.section("loss")

    assert loss.questions[0].type is QuestionType.information
    assert loss.questions[0].label.startswith("This section asks about your loss.")


def test_the_grief_form_asks_for_a_name_only_after_by_name():
    name = grief.FORM.question("baby_name")

    assert (name.condition.question, name.condition.equals) == ("referred_as", "by_name")


@pytest.mark.parametrize(
    ("form", "key", "required"),
    [(grief.FORM, "keeping_consent", False), (massage.FORM, "touch_consent", True)],
)
def test_each_care_form_ends_with_a_versioned_consent(form, key, required):
    last = form.sections[-1].questions[-1]

    assert (last.key, last.type, last.statement_version, last.required) == (key, QuestionType.consent, 1, required)


def test_consent_to_touch_says_the_client_can_stop_at_any_time():
    assert "stop at any time" in massage.FORM.question("touch_consent").statement


@pytest.mark.parametrize("form", [grief.FORM, massage.FORM], ids=["grief", "massage"])
def test_the_care_forms_never_use_clinical_words_for_the_baby(form):
    words = " ".join(
        [form.title, form.intro]
        + [f"{s.title} {s.intro}" for s in form.sections]
        + [f"{q.label} {q.help} {q.statement} " + " ".join(c.label for c in q.options()) for q in form.questions()]
    )

    assert not re.search(r"\b(fetus|foetus|fetal|embryo|products of conception|tissue)\b", words, re.IGNORECASE)
