"""The builder's edits of a form definition: choices keep their values, consents their statement versions."""
import pytest

from practice.intake import editing
from practice.intake.definitions import (
    DECLINED,
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
)
from practice.intake.editing import ChoicesError, QuestionDraft

BLEEDING = Question(
    "bleeding",
    QuestionType.single_choice,
    "Are you bleeding at the moment?",
    choices=(Choice("none", "No bleeding"), Choice("spotting", "Light spotting"), Choice("heavy", "Heavy bleeding")),
    flag=Flag(Attention.check_before_session, "Heavy bleeding now", values=("heavy",)),
)
PROCEDURE = Question("procedure", QuestionType.yes_no, "Have you had a procedure since your loss?")
WHEN = Question("when", QuestionType.date, "When was it?", condition=Condition("procedure", "yes"))
CONSENT = Question("touch", QuestionType.consent, "Consent to touch", statement="I agree to be touched.", statement_version=2)
NOTES = Question("notes", QuestionType.long_text, "Anything else?")

FORM = FormDefinition(
    title="Before massage",
    sections=(
        Section("body", "Your body", questions=(BLEEDING, PROCEDURE, WHEN)),
        Section("consent", "Consent", questions=(CONSENT, NOTES)),
    ),
)

MOOD = Question(
    "mood",
    QuestionType.single_choice,
    "I have felt low",
    choices=(Choice("0", "Never", 0), Choice("1", "Sometimes", 1), Choice("2", "Often", 2)),
)
SCREENER = FormDefinition(
    title="Mood",
    sections=(Section("past_week", "The past week", questions=(MOOD,)),),
    scoring=Scoring("Mood score", ("mood",), (Band(0, 1, "Low"), Band(2, 2, "High")), "A journal, 2020."),
)


def draft_of(question: Question, **changes) -> QuestionDraft:
    values = dict(
        label=question.label,
        help=question.help,
        required=question.required,
        allow_decline=question.allow_decline,
        choice_labels=tuple(choice.label for choice in question.choices),
        scale_max=question.scale_max,
        min_label=question.min_label,
        max_label=question.max_label,
        statement=question.statement,
        condition=question.condition,
    )
    values.update(changes)
    return QuestionDraft(**values)


def test_definitions_used_here_are_valid():
    check(FORM)
    check(SCREENER)


def test_unchanged_choices_keep_their_values():
    kept = editing.kept_choices(BLEEDING.choices, ("No bleeding", "Light spotting", "Heavy bleeding"))

    assert kept == BLEEDING.choices


def test_a_choice_reworded_in_place_keeps_its_value():
    kept = editing.kept_choices(BLEEDING.choices, ("No bleeding", "Light spotting", "Heavy bleeding (more than a period)"))

    assert kept[2] == Choice("heavy", "Heavy bleeding (more than a period)")


def test_a_moved_choice_keeps_its_value_wherever_it_goes():
    kept = editing.kept_choices(BLEEDING.choices, ("Heavy bleeding", "no  BLEEDING", "Light spotting"))

    assert [choice.value for choice in kept] == ["heavy", "none", "spotting"]
    assert kept[1].label == "no  BLEEDING"


def test_a_new_choice_gets_a_value_never_used_before():
    kept = editing.kept_choices(BLEEDING.choices, ("No bleeding", "Heavy bleeding", "Brown discharge", "None"))

    values = [choice.value for choice in kept]
    assert values[:2] == ["none", "heavy"]
    # "Light spotting" left: its value is not handed to an answer that means something else.
    assert values[2:] == ["brown_discharge", "none_2"]


def test_new_values_avoid_the_declined_answer():
    kept = editing.kept_choices((), ("Prefer not to say", "Yes"))

    assert DECLINED not in [choice.value for choice in kept]


def test_blank_lines_are_dropped():
    kept = editing.kept_choices((), ("Yes", "", "   ", "No"))

    assert [choice.label for choice in kept] == ["Yes", "No"]


@pytest.mark.parametrize(
    "lines, message",
    [
        (("Only one",), "at least two"),
        (("Same", "same "), "read the same"),
        (tuple(f"Answer {n}" for n in range(editing.MAX_CHOICES + 1)), "keep to"),
        (("x" * 501, "Short"), "characters"),
    ],
)
def test_unusable_choices_are_refused(lines, message):
    with pytest.raises(ChoicesError, match=message):
        editing.kept_choices((), lines)


def test_a_screeners_answers_may_be_reworded_and_keep_their_scores():
    kept = editing.kept_choices(MOOD.choices, ("Not at all", "Sometimes", "Often"), scored_by="Mood score")

    assert kept == (Choice("0", "Not at all", 0), Choice("1", "Sometimes", 1), Choice("2", "Often", 2))


@pytest.mark.parametrize("lines", [("Never", "Sometimes"), ("Never", "Sometimes", "Often", "Always")])
def test_a_screeners_answers_can_be_neither_added_nor_removed(lines):
    with pytest.raises(ChoicesError, match="Mood score"):
        editing.kept_choices(MOOD.choices, lines, scored_by="Mood score")


def test_editing_a_scored_question_keeps_its_scores():
    changed = editing.with_edited_question(
        SCREENER, "mood", draft_of(MOOD, label="I have felt low or flat", choice_labels=("Not at all", "Sometimes", "Often"))
    )

    assert [choice.score for choice in changed.question("mood").choices] == [0, 1, 2]
    check(changed)


def test_changing_a_consent_statement_makes_its_next_version():
    changed = editing.with_edited_question(FORM, "touch", draft_of(CONSENT, statement="I agree to gentle touch."))

    assert changed.question("touch").statement_version == 3


def test_a_consent_statement_left_as_it_was_keeps_its_version():
    changed = editing.with_edited_question(
        FORM, "touch", draft_of(CONSENT, label="Touch", statement="  I agree to be\r\ntouched. ")
    )

    assert changed.question("touch").statement_version == 2
    assert changed.question("touch").label == "Touch"


def test_a_new_consent_starts_at_statement_version_one():
    changed = editing.with_new_question(FORM, "consent", QuestionType.consent, QuestionDraft("Oils", statement="I agree."))

    assert changed.sections[1].questions[-1].statement_version == 1


def test_a_new_question_gets_a_fresh_key_at_the_end_of_its_section():
    changed = editing.with_new_question(FORM, "body", QuestionType.short_text, QuestionDraft("Your GP's name", required=True))

    added = changed.sections[0].questions[-1]
    assert added.key == "short_text_1"
    assert (added.type, added.label, added.required) == (QuestionType.short_text, "Your GP's name", True)


def test_information_text_is_never_required_nor_offers_a_decline():
    changed = editing.with_new_question(
        FORM, "body", QuestionType.information, QuestionDraft("A gentle note.", required=True, allow_decline=True, help="x")
    )

    added = changed.sections[0].questions[-1]
    assert (added.required, added.allow_decline, added.help) == (False, False, "")


def test_a_care_flag_stays_while_its_answer_is_offered():
    changed = editing.with_edited_question(FORM, "bleeding", draft_of(BLEEDING, label="Bleeding now?"))

    assert changed.question("bleeding").flag == BLEEDING.flag


def test_a_care_flag_goes_with_the_last_answer_it_reacts_to():
    changed = editing.with_edited_question(FORM, "bleeding", draft_of(BLEEDING, choice_labels=("No bleeding", "Light spotting")))

    assert changed.question("bleeding").flag is None


def test_a_condition_is_kept_from_the_draft():
    changed = editing.with_edited_question(FORM, "notes", draft_of(NOTES, condition=Condition("procedure", "no")))

    assert changed.question("notes").condition == Condition("procedure", "no")


def test_conditions_offer_the_answers_of_earlier_choice_questions_only():
    offered = dict(editing.condition_choices(FORM, "body", "when"))

    assert set(offered) == {"bleeding:none", "bleeding:spotting", "bleeding:heavy", "procedure:yes", "procedure:no"}
    assert offered["procedure:yes"] == "Have you had a procedure since your loss? — Yes"


def test_conditions_of_a_first_question_offer_nothing():
    assert editing.condition_choices(FORM, "body", "bleeding") == []


def test_conditions_of_a_question_to_be_added_offer_its_whole_section():
    offered = dict(editing.condition_choices(FORM, "body"))

    assert "procedure:no" in offered


def test_a_condition_survives_the_select_value():
    condition = Condition("procedure", "yes")

    assert editing.condition_from(editing.condition_value(condition)) == condition
    assert editing.condition_from("") is None


def test_a_question_moves_within_its_section():
    changed = editing.with_moved_question(FORM, "procedure", -1)

    assert [q.key for q in changed.sections[0].questions] == ["procedure", "bleeding", "when"]


def test_a_question_moved_past_its_section_joins_the_next():
    changed = editing.with_moved_question(FORM, "when", 1)

    assert [q.key for q in changed.sections[0].questions] == ["bleeding", "procedure"]
    assert [q.key for q in changed.sections[1].questions] == ["when", "touch", "notes"]


def test_a_question_moved_up_past_its_section_joins_the_end_of_the_one_before():
    changed = editing.with_moved_question(FORM, "touch", -1)

    assert [q.key for q in changed.sections[0].questions] == ["bleeding", "procedure", "when", "touch"]


def test_the_first_question_cannot_move_further_up():
    assert editing.with_moved_question(FORM, "bleeding", -1) == FORM


def test_a_section_moves():
    changed = editing.with_moved_section(FORM, "consent", -1)

    assert [s.key for s in changed.sections] == ["consent", "body"]


def test_a_new_section_is_added_at_the_end_with_a_fresh_key():
    changed = editing.with_new_section(FORM, " Aftercare ", "A few words.")

    assert changed.sections[-1] == Section("section_1", "Aftercare", "A few words.")


def test_a_section_goes_with_its_questions():
    changed = editing.without_section_and_questions(FORM, "consent")

    assert [s.key for s in changed.sections] == ["body"]
    assert changed.question("touch") is None


def test_a_section_stays_while_a_question_elsewhere_depends_on_it():
    dependent = editing.with_edited_question(FORM, "notes", draft_of(NOTES, condition=Condition("procedure", "yes")))

    with pytest.raises(DefinitionError, match="Anything else"):
        editing.without_section_and_questions(dependent, "body")


def test_a_section_the_score_counts_stays():
    with pytest.raises(DefinitionError, match="Mood score"):
        editing.without_section_and_questions(SCREENER, "past_week")


def test_edits_of_a_missing_section_or_question_are_refused():
    with pytest.raises(DefinitionError):
        editing.with_section_details(FORM, "gone", "Title", "")
    with pytest.raises(DefinitionError):
        editing.with_edited_question(FORM, "gone", QuestionDraft("x"))


def test_shown_when_names_the_question_and_the_answer():
    assert editing.shown_when(FORM, WHEN) == "Shown only when “Have you had a procedure since your loss?” is “Yes”."
    assert editing.shown_when(FORM, NOTES) == ""


def test_flag_note_says_what_the_flag_does():
    assert editing.flag_note(BLEEDING) == (
        "Flags the booking: Check before session (Heavy bleeding now) — when the answer is “Heavy bleeding”."
    )
    assert editing.flag_note(NOTES) == ""


def test_flag_note_of_a_date_and_of_a_crisis_item():
    dated = Question("done", QuestionType.date, "When?", flag=Flag(Attention.check_before_session, "Recent", within_days=14))
    crisis = Question(
        "harm",
        QuestionType.single_choice,
        "Thoughts of harm",
        choices=(Choice("0", "Never", 0), Choice("1", "Sometimes", 1)),
        flag=Flag(Attention.needs_attention, "Self-harm item", values=("1",), shows_crisis_resources=True),
    )

    assert "at most 14 days before the session" in editing.flag_note(dated)
    assert editing.flag_note(crisis).startswith("Flags the booking: Needs attention")
    assert "crisis resources" in editing.flag_note(crisis)
