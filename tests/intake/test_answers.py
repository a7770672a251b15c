"""Reading a posted page of answers, without an app: every question type, declines, conditions and dropped answers."""
from datetime import date

import pytest

from practice.intake.answers import (
    SHORT_TEXT,
    answers_after_page,
    field_name,
    is_shown,
    read_page,
    shown_questions,
)
from practice.intake.definitions import (
    DECLINED,
    MAX_TEXT,
    Choice,
    Condition,
    FormDefinition,
    Question,
    QuestionType,
    Section,
)
from practice.intake.starter_forms import grief

TODAY = date(2026, 3, 14)
COLOURS = (Choice("red", "Red"), Choice("green", "Green"), Choice("blue", "Blue"))


def asking(type: QuestionType, **details) -> Section:
    """A page of one question, keyed "q"."""
    extra = {"choices": COLOURS} if type in (QuestionType.single_choice, QuestionType.multiple_choice) else {}
    if type is QuestionType.scale:
        extra = {"scale_max": 10, "min_label": "None", "max_label": "Most"}
    if type is QuestionType.consent:
        extra = {"statement": "I agree.", "statement_version": 3}
    question = Question("q", type, "A question", **{**extra, **details})
    return Section("page", "A page", questions=(question,))


def read(section: Section, posted: dict[str, list[str]], earlier: dict | None = None):
    return read_page(section, posted, earlier or {}, today=TODAY)


def test_field_names_carry_only_the_key():
    question = Question("loss_date", QuestionType.date, "When?")

    assert (field_name(question), field_name(question, "declined")) == ("q-loss_date", "q-loss_date-declined")


@pytest.mark.parametrize("type", [t for t in QuestionType if t is not QuestionType.information])
def test_a_required_question_left_empty_is_asked_again(type):
    result = read(asking(type, required=True), {})

    assert result.answers == {}
    assert list(result.errors) == ["q"]


@pytest.mark.parametrize("type", [t for t in QuestionType if t is not QuestionType.information])
def test_an_optional_question_left_empty_is_simply_unanswered(type):
    result = read(asking(type), {"q-q": ["   "]})

    assert (result.answers, result.errors) == ({}, {})


def test_the_missing_message_offers_prefer_not_to_say_where_it_is_offered():
    result = read(asking(QuestionType.yes_no, required=True, allow_decline=True), {})

    assert "Prefer not to say" in result.errors["q"]


@pytest.mark.parametrize(
    "type", [QuestionType.single_choice, QuestionType.multiple_choice, QuestionType.yes_no, QuestionType.scale]
)
def test_a_choice_is_declined_by_its_prefer_not_to_say_value(type):
    result = read(asking(type, required=True, allow_decline=True), {"q-q": [DECLINED]})

    assert (result.answers, result.errors) == ({"q": DECLINED}, {})


@pytest.mark.parametrize(
    ("type", "value"),
    [
        (QuestionType.short_text, "Something"),
        (QuestionType.long_text, "Something"),
        (QuestionType.date, "2026-01-01"),
        (QuestionType.number, "2"),
    ],
)
def test_a_typed_answer_is_declined_by_its_checkbox_even_with_text_typed(type, value):
    result = read(asking(type, required=True, allow_decline=True), {"q-q": [value], "q-q-declined": ["1"]})

    assert (result.answers, result.errors) == ({"q": DECLINED}, {})


def test_prefer_not_to_say_is_refused_where_it_is_not_offered():
    result = read(asking(QuestionType.single_choice), {"q-q": [DECLINED]})

    assert result.answers == {}
    assert "q" in result.errors


def test_a_declined_checkbox_is_ignored_where_declining_is_not_offered():
    result = read(asking(QuestionType.short_text), {"q-q": ["Hello"], "q-q-declined": ["1"]})

    assert result.answers == {"q": "Hello"}


@pytest.mark.parametrize(
    ("type", "posted"),
    [
        (QuestionType.single_choice, ["purple"]),
        (QuestionType.single_choice, ["red", "green"]),
        (QuestionType.yes_no, ["maybe"]),
        (QuestionType.scale, ["11"]),
        (QuestionType.scale, ["-1"]),
        (QuestionType.multiple_choice, ["red", "purple"]),
    ],
)
def test_a_value_not_offered_is_asked_again(type, posted):
    result = read(asking(type), {"q-q": posted})

    assert result.answers == {}
    assert "q" in result.errors


@pytest.mark.parametrize(
    ("type", "posted", "answer"),
    [
        (QuestionType.single_choice, ["green"], "green"),
        (QuestionType.yes_no, ["no"], "no"),
        (QuestionType.scale, ["0"], "0"),
        (QuestionType.scale, ["10"], "10"),
        (QuestionType.multiple_choice, ["blue", "red"], ["red", "blue"]),
        (QuestionType.multiple_choice, ["green"], ["green"]),
    ],
)
def test_offered_values_are_kept_multiple_choices_in_the_order_offered(type, posted, answer):
    result = read(asking(type), {"q-q": posted})

    assert (result.answers, result.errors) == ({"q": answer}, {})


@pytest.mark.parametrize(("type", "limit"), [(QuestionType.short_text, SHORT_TEXT), (QuestionType.long_text, MAX_TEXT)])
def test_text_up_to_its_limit_is_kept_and_longer_text_is_asked_again(type, limit):
    kept = read(asking(type), {"q-q": ["x" * limit]})
    refused = read(asking(type), {"q-q": ["x" * (limit + 1)]})

    assert kept.answers == {"q": "x" * limit}
    assert refused.answers == {}
    assert f"{limit:,}" in refused.errors["q"]


def test_text_is_trimmed_and_windows_line_endings_become_newlines():
    result = read(asking(QuestionType.long_text), {"q-q": ["  first\r\nsecond  "]})

    assert result.answers == {"q": "first\nsecond"}


@pytest.mark.parametrize(
    ("posted", "answer"),
    [("2026-03-01", "2026-03-01"), ("1900-01-01", "1900-01-01"), ("2100-12-31", "2100-12-31")],
)
def test_a_date_is_read_as_an_iso_day(posted, answer):
    assert read(asking(QuestionType.date), {"q-q": [posted]}).answers == {"q": answer}


@pytest.mark.parametrize("posted", ["14/03/2026", "2026-02-30", "yesterday", "1899-12-31", "2101-01-01"])
def test_a_date_that_cannot_be_read_or_is_implausible_is_asked_again(posted):
    result = read(asking(QuestionType.date), {"q-q": [posted]})

    assert result.answers == {}
    assert "q" in result.errors


@pytest.mark.parametrize(
    ("posted", "answer"),
    [("3", "3"), ("2.5", "2.5"), ("2,5", "2.5"), ("3.0", "3"), ("-1", "-1"), ("0", "0"), ("100", "100")],
)
def test_a_number_is_read_as_a_plain_decimal(posted, answer):
    assert read(asking(QuestionType.number), {"q-q": [posted]}).answers == {"q": answer}


@pytest.mark.parametrize("posted", ["two", "1e12", "NaN", "Infinity", "1000000000"])
def test_a_number_that_cannot_be_read_or_is_too_large_is_asked_again(posted):
    result = read(asking(QuestionType.number), {"q-q": [posted]})

    assert result.answers == {}
    assert "q" in result.errors


def test_consent_keeps_the_name_the_day_and_the_statement_version():
    result = read(asking(QuestionType.consent, required=True), {"q-q-name": ["Alex Example"], "q-q-agree": ["yes"]})

    assert result.errors == {}
    assert result.answers == {"q": {"name": "Alex Example", "date": "2026-03-14", "statement_version": 3}}


@pytest.mark.parametrize(
    "posted",
    [{"q-q-agree": ["yes"]}, {"q-q-name": ["Alex Example"]}, {"q-q-name": ["A" * 201], "q-q-agree": ["yes"]}],
    ids=["agreed without a name", "named without agreeing", "name too long"],
)
def test_consent_needs_both_a_name_and_agreement(posted):
    result = read(asking(QuestionType.consent), posted)

    assert result.answers == {}
    assert "q" in result.errors


CONDITIONAL_PAGE = Section(
    "page",
    "A page",
    questions=(
        Question("other_loss", QuestionType.yes_no, "Earlier losses?"),
        Question("how_many", QuestionType.number, "How many?", required=True, condition=Condition("other_loss", "yes")),
        Question("note", QuestionType.information, "Only read."),
    ),
)


def test_a_question_shown_by_an_answer_on_the_same_page_is_read():
    result = read(CONDITIONAL_PAGE, {"q-other_loss": ["yes"], "q-how_many": ["2"]})

    assert (result.answers, result.errors) == ({"other_loss": "yes", "how_many": "2"}, {})


def test_a_required_question_shown_on_the_same_page_must_be_answered():
    result = read(CONDITIONAL_PAGE, {"q-other_loss": ["yes"]})

    assert list(result.errors) == ["how_many"]


def test_a_question_hidden_by_an_answer_on_the_same_page_is_ignored_even_if_posted():
    result = read(CONDITIONAL_PAGE, {"q-other_loss": ["no"], "q-how_many": ["2"]})

    assert (result.answers, result.errors) == ({"other_loss": "no"}, {})


def test_the_page_answer_counts_rather_than_an_earlier_saved_answer_to_the_same_question():
    result = read(CONDITIONAL_PAGE, {"q-other_loss": ["no"]}, earlier={"other_loss": "yes", "how_many": "2"})

    assert (result.answers, result.errors) == ({"other_loss": "no"}, {})


def test_information_text_is_never_an_answer():
    result = read(CONDITIONAL_PAGE, {"q-note": ["typed anyway"]})

    assert "note" not in result.answers


def test_a_multiple_choice_condition_holds_when_the_value_is_among_the_answers():
    question = Question("detail", QuestionType.short_text, "Which?", condition=Condition("colours", "blue"))

    assert is_shown(question, {"colours": ["red", "blue"]})
    assert not is_shown(question, {"colours": ["red"]})
    assert not is_shown(question, {"colours": DECLINED})


def test_the_grief_name_question_is_shown_only_to_those_who_chose_by_name():
    words = grief.FORM.section("words")

    def shown(answers):
        return [question.key for question in shown_questions(words, answers)]

    assert "baby_name" in shown({"referred_as": "by_name"})
    assert "baby_name" not in shown({"referred_as": "my_baby"})
    assert "baby_name" not in shown({})


TWO_PAGES = FormDefinition(
    title="Two pages",
    sections=(
        Section("first", "First", questions=(Question("procedure", QuestionType.yes_no, "A procedure?"),)),
        Section(
            "second",
            "Second",
            questions=(
                Question("procedure_date", QuestionType.date, "When?", condition=Condition("procedure", "yes")),
                Question("pressure", QuestionType.short_text, "Pressure?"),
            ),
        ),
    ),
)


def test_answers_to_questions_no_longer_shown_are_dropped_when_an_earlier_page_changes():
    before = {"procedure": "yes", "procedure_date": "2026-03-01", "pressure": "light"}

    after = answers_after_page(TWO_PAGES, before, TWO_PAGES.section("first"), {"procedure": "no"})

    assert after == {"procedure": "no", "pressure": "light"}


def test_a_page_saved_again_replaces_what_it_asked_before_including_answers_now_left_empty():
    before = {"procedure": "yes", "procedure_date": "2026-03-01", "pressure": "light"}

    after = answers_after_page(TWO_PAGES, before, TWO_PAGES.section("second"), {"procedure_date": "2026-03-02"})

    assert after == {"procedure": "yes", "procedure_date": "2026-03-02"}


def test_answers_to_other_pages_are_kept_when_a_page_is_saved():
    before = {"pressure": "light"}

    after = answers_after_page(TWO_PAGES, before, TWO_PAGES.section("first"), {"procedure": "yes"})

    assert after == {"procedure": "yes", "pressure": "light"}
