"""Form definitions, without an app: JSON round trips, what check() refuses, and the editing helpers."""
import json
from dataclasses import replace

import pytest

from practice.intake.definitions import (
    DECLINED,
    MAX_SCALE,
    Attention,
    Band,
    Choice,
    Condition,
    DefinitionError,
    Flag,
    FormDefinition,
    Question,
    QuestionType,
    Scoring,
    Section,
    check,
    fresh_key,
    from_json,
    moved,
    to_json,
    with_question,
    with_section,
    without_question,
    without_section,
)
from practice.intake.starter_forms import STARTER_FORMS

YES_NO = Question("procedure", QuestionType.yes_no, "A procedure?")
WHEN = Question("procedure_date", QuestionType.date, "When?", condition=Condition("procedure", "yes"))
SCORED = Question(
    "item_1",
    QuestionType.single_choice,
    "An item",
    choices=(Choice("0", "Never", 0), Choice("1", "Sometimes", 1)),
)
SCORING = Scoring("Tiny", ("item_1",), (Band(0, 0, "Low"), Band(1, 1, "High")), "A paper.")


def form(*questions: Question, scoring: Scoring | None = None) -> FormDefinition:
    return FormDefinition(title="A form", sections=(Section("page", "A page", questions=questions),), scoring=scoring)


@pytest.mark.parametrize("key", sorted(STARTER_FORMS))
def test_every_starter_form_survives_a_json_round_trip(key):
    definition = STARTER_FORMS[key].definition

    assert from_json(to_json(definition)) == definition


def test_json_leaves_out_defaults_and_names_attention_levels():
    definition = form(
        Question("bleeding", QuestionType.single_choice, "Bleeding?",
                 choices=(Choice("none", "None"), Choice("heavy", "Heavy")),
                 flag=Flag(Attention.check_before_session, "Heavy bleeding now", values=("heavy",))),
    )

    data = json.loads(to_json(definition))

    question = data["sections"][0]["questions"][0]
    assert question["flag"] == {"level": "check_before_session", "reason": "Heavy bleeding now", "values": ["heavy"]}
    assert "help" not in question and "scoring" not in data


def test_a_definition_that_can_be_used_is_returned_by_check():
    definition = form(YES_NO, WHEN, SCORED, scoring=SCORING)

    assert check(definition) is definition


@pytest.mark.parametrize(
    "definition",
    [
        FormDefinition(title="  "),
        form(YES_NO, replace(YES_NO, label="Again?")),
        FormDefinition(title="A form", sections=(Section("procedure", "Page", questions=(YES_NO,)),)),
        form(replace(YES_NO, key="Procedure")),
        form(replace(YES_NO, key="1st")),
        form(replace(YES_NO, key="x" * 41)),
        form(replace(YES_NO, label=" ")),
    ],
    ids=["no title", "duplicate question keys", "section and question share a key", "capital in key",
         "key starting with a digit", "key too long", "no wording"],
)
def test_check_refuses_missing_wording_and_unusable_or_duplicate_keys(definition):
    with pytest.raises(DefinitionError):
        check(definition)


@pytest.mark.parametrize(
    "definition",
    [
        form(WHEN, YES_NO),
        form(WHEN),
        form(replace(WHEN, condition=Condition("procedure_date", "yes"))),
        form(YES_NO, replace(WHEN, condition=Condition("procedure", "maybe"))),
        form(Question("note", QuestionType.short_text, "Note"), replace(WHEN, condition=Condition("note", "yes"))),
        FormDefinition(title="A form", sections=(
            Section("first", "First", questions=(WHEN,)),
            Section("second", "Second", questions=(YES_NO,)),
        )),
    ],
    ids=["on a later question", "on a missing question", "on itself", "on an answer not offered",
         "on a text question", "on a later page"],
)
def test_check_refuses_conditions_on_anything_but_an_earlier_choosing_question(definition):
    with pytest.raises(DefinitionError):
        check(definition)


def test_a_condition_on_a_question_of_an_earlier_page_is_accepted():
    definition = FormDefinition(title="A form", sections=(
        Section("first", "First", questions=(YES_NO,)),
        Section("second", "Second", questions=(WHEN,)),
    ))

    assert check(definition) is definition


@pytest.mark.parametrize(
    "choices",
    [
        (Choice(DECLINED, "Prefer not to say"), Choice("yes", "Yes")),
        (Choice("yes", "Yes"), Choice("yes", "Yes again")),
        (Choice("", "Blank"), Choice("yes", "Yes")),
        (Choice("only", "Only one"),),
    ],
    ids=["clashes with DECLINED", "duplicate values", "empty value", "a single choice"],
)
@pytest.mark.parametrize("type", [QuestionType.single_choice, QuestionType.multiple_choice])
def test_check_refuses_choices_that_cannot_be_told_apart(type, choices):
    with pytest.raises(DefinitionError):
        check(form(Question("q", type, "A question", choices=choices)))


@pytest.mark.parametrize(("scale_max", "usable"), [(0, False), (1, True), (MAX_SCALE, True), (MAX_SCALE + 1, False)])
def test_check_keeps_scales_between_one_and_the_largest_scale(scale_max, usable):
    definition = form(Question("pain", QuestionType.scale, "Pain", scale_max=scale_max))

    if usable:
        assert check(definition) is definition
    else:
        with pytest.raises(DefinitionError):
            check(definition)


def test_check_refuses_a_consent_without_a_statement():
    with pytest.raises(DefinitionError):
        check(form(Question("consent", QuestionType.consent, "Consent", statement=" ")))


@pytest.mark.parametrize(
    "scoring",
    [
        replace(SCORING, items=("missing",)),
        replace(SCORING, items=("procedure",)),
        replace(SCORING, bands=()),
        replace(SCORING, bands=(Band(0, 0, "Low"),)),
        replace(SCORING, bands=(Band(1, 1, "High"),)),
        replace(SCORING, bands=(Band(0, 0, "Low"), Band(0, 1, "High"))),
        replace(SCORING, bands=(Band(0, 1, "Low"), Band(3, 3, "Past a gap"))),
    ],
    ids=["a missing item", "an unscored item", "no bands", "bands stop short", "bands start above zero",
         "overlapping bands", "a gap between bands"],
)
def test_check_refuses_a_score_it_could_not_compute_or_place_in_a_band(scoring):
    with pytest.raises(DefinitionError):
        check(form(YES_NO, SCORED, scoring=scoring))


def test_with_question_adds_a_question_at_the_end_of_its_section():
    definition = with_question(form(YES_NO), "page", WHEN)

    assert [q.key for q in definition.questions()] == ["procedure", "procedure_date"]


def test_with_question_replaces_the_question_of_the_same_key_in_place():
    definition = with_question(form(YES_NO, WHEN), "page", replace(YES_NO, label="Any procedure?"))

    assert [q.label for q in definition.questions()] == ["Any procedure?", "When?"]


def test_with_question_refuses_a_section_not_in_the_form():
    with pytest.raises(DefinitionError):
        with_question(form(YES_NO), "elsewhere", WHEN)


def test_with_section_and_without_section_add_replace_and_remove_pages():
    page = Section("extra", "Extra")
    definition = with_section(form(YES_NO), page)
    renamed = with_section(definition, replace(page, title="More"))

    assert [s.title for s in renamed.sections] == ["A page", "More"]
    assert [s.key for s in without_section(renamed, "extra").sections] == ["page"]


def test_without_question_removes_it():
    assert [q.key for q in without_question(form(YES_NO, WHEN), "procedure_date").questions()] == ["procedure"]


def test_without_question_refuses_while_a_condition_depends_on_it():
    with pytest.raises(DefinitionError, match="When"):
        without_question(form(YES_NO, WHEN), "procedure")


def test_without_question_refuses_while_the_score_counts_it():
    with pytest.raises(DefinitionError, match="Tiny"):
        without_question(form(SCORED, scoring=SCORING), "item_1")


def test_a_screener_item_cannot_be_removed_from_a_starter_screener():
    with pytest.raises(DefinitionError):
        without_question(STARTER_FORMS["epds"].definition, "epds_10")


@pytest.mark.parametrize(
    ("key", "step", "order"),
    [
        ("b", -1, "bac"),
        ("b", 1, "acb"),
        ("a", -1, "abc"),
        ("c", 5, "abc"),
        ("a", 2, "bca"),
        ("z", 1, "abc"),
    ],
    ids=["up", "down", "first stays first", "last stays last", "two places", "unknown key"],
)
def test_moved_shifts_one_item_within_bounds(key, step, order):
    items = tuple(Section(name, name.upper()) for name in "abc")

    assert "".join(item.key for item in moved(items, key, step)) == order


@pytest.mark.parametrize(
    ("base", "key"),
    [
        ("procedure", "procedure_2"),
        ("Pain level", "pain_level_1"),
        ("", "q_1"),
        ("2nd loss", "q_2nd_loss_1"),
        ("éé", "q_1"),
    ],
)
def test_fresh_key_makes_a_usable_key_not_yet_taken(base, key):
    definition = form(YES_NO, Question("procedure_1", QuestionType.short_text, "Other"))

    made = fresh_key(definition, base)

    assert made == key
    assert check(with_question(definition, "page", Question(made, QuestionType.short_text, "New"))) is not None
