"""The massage health history after pregnancy loss, flagging what to check before the session."""
from practice.intake.definitions import (
    Attention,
    Choice,
    Condition,
    Flag,
    FormDefinition,
    Question,
    QuestionType,
    Section,
)

NAME = "Massage health history after pregnancy loss"
SUMMARY = "Recovery, bleeding, procedures, clearance, pain, areas, pressure, allergies and consent to touch."

_AREAS = (
    Choice("belly", "Belly"),
    Choice("lower_back", "Lower back"),
    Choice("chest", "Chest and breasts"),
    Choice("hips", "Hips and buttocks"),
    Choice("legs", "Legs"),
    Choice("feet", "Feet"),
    Choice("neck_shoulders", "Neck and shoulders"),
    Choice("head_face", "Head and face"),
)

FORM = FormDefinition(
    title="Your health before massage",
    intro=(
        "These questions help your therapist make the massage safe and comfortable for you. Answer what you can; "
        "for anything personal you can choose “Prefer not to say” and talk it through in person instead. Your "
        "answers are saved as you go."
    ),
    sections=(
        Section(
            key="recovery",
            title="Your recovery",
            questions=(
                Question(
                    key="recovery_note",
                    type=QuestionType.information,
                    label=(
                        "This page asks a few questions about your body since your loss. They are here only so "
                        "the massage is safe for you. Skip anything you would rather discuss in person."
                    ),
                ),
                Question(
                    key="time_since_loss",
                    type=QuestionType.single_choice,
                    label="How long ago was your loss?",
                    allow_decline=True,
                    choices=(
                        Choice("under_2_weeks", "Less than 2 weeks ago"),
                        Choice("2_to_6_weeks", "2 to 6 weeks ago"),
                        Choice("6_to_12_weeks", "6 to 12 weeks ago"),
                        Choice("3_to_12_months", "3 to 12 months ago"),
                        Choice("over_a_year", "More than a year ago"),
                    ),
                ),
                Question(
                    key="bleeding_now",
                    type=QuestionType.single_choice,
                    label="Are you bleeding at the moment?",
                    allow_decline=True,
                    choices=(
                        Choice("none", "No bleeding"),
                        Choice("spotting", "Light spotting"),
                        Choice("heavy", "Heavy bleeding"),
                    ),
                    flag=Flag(Attention.check_before_session, "Heavy bleeding now", values=("heavy",)),
                ),
                Question(
                    key="fever",
                    type=QuestionType.yes_no,
                    label="Do you have a fever now, or have you had one in the last few days?",
                    allow_decline=True,
                    flag=Flag(Attention.check_before_session, "Fever", values=("yes",)),
                ),
                Question(
                    key="procedure",
                    type=QuestionType.yes_no,
                    label="Have you had a medical procedure or surgery since your loss?",
                    help="For example a D&C, a caesarean or keyhole surgery.",
                    allow_decline=True,
                ),
                Question(
                    key="procedure_date",
                    type=QuestionType.date,
                    label="When was the procedure?",
                    allow_decline=True,
                    condition=Condition("procedure", "yes"),
                    flag=Flag(Attention.check_before_session, "Procedure within the last two weeks", within_days=14),
                ),
                Question(
                    key="clearance",
                    type=QuestionType.single_choice,
                    label="Has a doctor or midwife said massage is all right for you now?",
                    allow_decline=True,
                    choices=(
                        Choice("yes", "Yes"),
                        Choice("no", "No"),
                        Choice("not_sure", "I'm not sure"),
                    ),
                    # "Not sure" is flagged too: a clearance nobody remembers is not one the therapist can rely
                    # on, and the check costs a short conversation before the session.
                    flag=Flag(Attention.check_before_session, "No medical clearance yet", values=("no", "not_sure")),
                ),
            ),
        ),
        Section(
            key="comfort",
            title="Comfort and pressure",
            questions=(
                Question(
                    key="pain",
                    type=QuestionType.scale,
                    label="How much pain are you in at the moment?",
                    allow_decline=True,
                    scale_max=10,
                    min_label="No pain",
                    max_label="Worst pain imaginable",
                ),
                Question(
                    key="areas_to_avoid",
                    type=QuestionType.multiple_choice,
                    label="Are there areas you would like us to avoid?",
                    allow_decline=True,
                    choices=_AREAS,
                ),
                Question(
                    key="areas_to_focus",
                    type=QuestionType.multiple_choice,
                    label="Are there areas you would like us to focus on?",
                    allow_decline=True,
                    choices=_AREAS,
                ),
                Question(
                    key="areas_notes",
                    type=QuestionType.long_text,
                    label="Anything else about areas to avoid or focus on",
                    allow_decline=True,
                ),
                Question(
                    key="pressure",
                    type=QuestionType.single_choice,
                    label="What pressure do you usually like?",
                    help="You can change it at any moment during the session.",
                    choices=(
                        Choice("light", "Light"),
                        Choice("medium", "Medium"),
                        Choice("firm", "Firm"),
                        Choice("decide_together", "Not sure: let's decide together"),
                    ),
                ),
            ),
        ),
        Section(
            key="oils",
            title="Oils and lotions",
            questions=(
                Question(
                    key="allergies",
                    type=QuestionType.yes_no,
                    label="Are you allergic or sensitive to any oils, lotions or scents?",
                ),
                Question(
                    key="allergies_detail",
                    type=QuestionType.short_text,
                    label="Which ones?",
                    condition=Condition("allergies", "yes"),
                ),
            ),
        ),
        Section(
            key="touch",
            title="Consent to touch",
            questions=(
                Question(
                    key="touch_consent",
                    type=QuestionType.consent,
                    label="Consent to touch",
                    required=True,
                    statement=(
                        "I agree to receive massage from my therapist. I understand that my therapist will explain "
                        "what they plan to do, that I can ask them to change the pressure or avoid any area, and "
                        "that I can ask them to stop at any time, for any reason, without having to explain."
                    ),
                    statement_version=1,
                ),
            ),
        ),
    ),
)
