"""The grief counseling intake after pregnancy loss: every question optional, every sensitive one declinable."""
from practice.intake.definitions import (
    Choice,
    Condition,
    FormDefinition,
    Question,
    QuestionType,
    Section,
)

NAME = "Grief counseling after pregnancy loss"
SUMMARY = "What happened, the words that feel right, the support around them and what they hope for; all optional."

_HOW_LONG_AGO = (
    Choice("under_2_weeks", "Less than 2 weeks ago"),
    Choice("2_to_6_weeks", "2 to 6 weeks ago"),
    Choice("6_weeks_to_3_months", "6 weeks to 3 months ago"),
    Choice("3_to_12_months", "3 to 12 months ago"),
    Choice("over_a_year", "More than a year ago"),
)

_COMPARED_WITH_USUAL = (
    Choice("as_usual", "About as usual"),
    Choice("a_little_different", "A little different from usual"),
    Choice("very_different", "Very different from usual"),
)

FORM = FormDefinition(
    title="Before we meet",
    intro=(
        "Thank you for taking a moment with this. It helps your counselor understand a little about you before "
        "you meet, so you don't have to explain everything again in the room. Every question is optional: answer "
        "only what feels right, skip anything, or choose “Prefer not to say”. Your answers are saved as you go, "
        "so you can stop and come back later."
    ),
    sections=(
        Section(
            key="loss",
            title="Your loss",
            questions=(
                Question(
                    key="loss_note",
                    type=QuestionType.information,
                    label=(
                        "This section asks about your loss. Skip anything you would rather not answer here; "
                        "you can always talk about it when you meet, or not at all."
                    ),
                ),
                Question(
                    key="loss_kind",
                    type=QuestionType.single_choice,
                    label="If you would like to, tell us what happened.",
                    allow_decline=True,
                    choices=(
                        Choice("miscarriage", "Miscarriage"),
                        Choice("ectopic", "Ectopic pregnancy"),
                        Choice("molar", "Molar pregnancy"),
                        Choice("medical_ending", "Ending a pregnancy for medical reasons"),
                        Choice("stillbirth", "Stillbirth"),
                        Choice("after_birth", "My baby died soon after birth"),
                        Choice("own_words", "In my own words"),
                    ),
                ),
                Question(
                    key="loss_own_words",
                    type=QuestionType.long_text,
                    label="In your own words",
                    allow_decline=True,
                    condition=Condition("loss_kind", "own_words"),
                ),
                Question(
                    key="loss_how_long_ago",
                    type=QuestionType.single_choice,
                    label="How long ago was it?",
                    allow_decline=True,
                    choices=_HOW_LONG_AGO,
                ),
                Question(
                    key="loss_date",
                    type=QuestionType.date,
                    label="The date, if you would like to share it",
                    help="Some people like their counselor to know the date, so it can be remembered with care.",
                    allow_decline=True,
                ),
            ),
        ),
        Section(
            key="words",
            title="The words that feel right",
            intro="We would like to speak about your loss in the way that feels right to you.",
            questions=(
                Question(
                    key="referred_as",
                    type=QuestionType.single_choice,
                    label="How would you like us to refer to your baby or your loss?",
                    allow_decline=True,
                    choices=(
                        Choice("my_baby", "As my baby"),
                        Choice("by_name", "By name"),
                        Choice("the_pregnancy", "As the pregnancy"),
                        Choice("the_loss", "As the loss"),
                        Choice("own_words", "In my own words"),
                    ),
                ),
                Question(
                    key="baby_name",
                    type=QuestionType.short_text,
                    label="The name you gave",
                    allow_decline=True,
                    condition=Condition("referred_as", "by_name"),
                ),
                Question(
                    key="referred_own_words",
                    type=QuestionType.short_text,
                    label="The words you would like us to use",
                    allow_decline=True,
                    condition=Condition("referred_as", "own_words"),
                ),
                Question(
                    key="words_to_avoid",
                    type=QuestionType.long_text,
                    label="Are there words or topics you would rather we avoid?",
                    help="For example, a word that hurts to hear, or something you are not ready to talk about.",
                    allow_decline=True,
                ),
            ),
        ),
        Section(
            key="support",
            title="The people around you",
            questions=(
                Question(
                    key="support_around",
                    type=QuestionType.multiple_choice,
                    label="Who is there for you at the moment?",
                    help="Choose as many as you like, or none.",
                    allow_decline=True,
                    choices=(
                        Choice("partner", "A partner"),
                        Choice("family", "Family"),
                        Choice("friends", "Friends"),
                        Choice("faith", "A faith or spiritual community"),
                        Choice("group", "A support group"),
                        Choice("professional", "A doctor, midwife, therapist or counselor"),
                        Choice("no_one", "No one right now"),
                    ),
                ),
                Question(
                    key="support_more",
                    type=QuestionType.long_text,
                    label="Anything you would like to add about the support around you",
                    allow_decline=True,
                ),
                Question(
                    key="partner",
                    type=QuestionType.single_choice,
                    label="Do you have a partner?",
                    allow_decline=True,
                    choices=(
                        Choice("yes", "Yes"),
                        Choice("no", "No"),
                        Choice("complicated", "It's complicated"),
                    ),
                ),
                Question(
                    key="support_person_coming",
                    type=QuestionType.yes_no,
                    label="Will someone come to the sessions with you?",
                    help="A partner, friend or anyone you choose is welcome, and so is coming alone.",
                    allow_decline=True,
                ),
            ),
        ),
        Section(
            key="earlier",
            title="Earlier losses",
            intro="Only if you would like to say. You can skip this page.",
            questions=(
                Question(
                    key="earlier_losses",
                    type=QuestionType.yes_no,
                    label="Have you had an earlier loss?",
                    allow_decline=True,
                ),
                Question(
                    key="earlier_how_many",
                    type=QuestionType.number,
                    label="How many, if you would like to say",
                    allow_decline=True,
                    condition=Condition("earlier_losses", "yes"),
                ),
            ),
        ),
        Section(
            key="everyday",
            title="Sleep and appetite",
            intro="Grief often touches the body too. There is no right answer here.",
            questions=(
                Question(
                    key="sleep",
                    type=QuestionType.single_choice,
                    label="How has your sleep been lately?",
                    allow_decline=True,
                    choices=_COMPARED_WITH_USUAL,
                ),
                Question(
                    key="appetite",
                    type=QuestionType.single_choice,
                    label="How has your appetite been lately?",
                    allow_decline=True,
                    choices=_COMPARED_WITH_USUAL,
                ),
            ),
        ),
        Section(
            key="looking_ahead",
            title="What you hope for",
            questions=(
                Question(
                    key="hopes",
                    type=QuestionType.long_text,
                    label="What do you hope our time together might bring?",
                    help="A few words are plenty. It is fine not to know yet.",
                    allow_decline=True,
                ),
                Question(
                    key="anything_else",
                    type=QuestionType.long_text,
                    label="Is there anything else you would like your counselor to know?",
                    allow_decline=True,
                ),
                Question(
                    key="keeping_consent",
                    type=QuestionType.consent,
                    label="How we keep what you write",
                    statement=(
                        "I understand that what I write here is stored encrypted by the practice and read only by "
                        "my counselor, to prepare for our sessions. I can ask for a copy of it, or ask for it to "
                        "be deleted, at any time."
                    ),
                    statement_version=1,
                ),
            ),
        ),
    ),
)
