"""The EPDS, PHQ-9 and GAD-7 screeners, items and answer scores exactly as published."""
from practice.intake.definitions import (
    Attention,
    Band,
    Choice,
    Flag,
    FormDefinition,
    Question,
    QuestionType,
    Scoring,
    Section,
)


def _item(key: str, label: str, answers: tuple[tuple[str, int], ...], flag: Flag | None = None) -> Question:
    """A scored item; each answer's value is its published score, so flags can name the scores they react to."""
    return Question(
        key=key,
        type=QuestionType.single_choice,
        label=label,
        allow_decline=True,
        choices=tuple(Choice(str(points), wording, points) for wording, points in answers),
        flag=flag,
    )


# --- EPDS ---------------------------------------------------------------------------------

EPDS_NAME = "Edinburgh Postnatal Depression Scale (EPDS)"
EPDS_SUMMARY = "Ten questions about the past seven days, scored 0–30 in the published bands."

EPDS_SELF_HARM = Flag(
    level=Attention.needs_attention,
    reason="Self-harm item answered above zero (EPDS item 10)",
    values=("1", "2", "3"),
    shows_crisis_resources=True,
)

# Items 1, 2 and 4 score 0–3 in the order shown; items 3 and 5–10 are reverse-scored (3–0), as in Cox et al.
_EPDS_ITEMS = (
    _item("epds_1", "I have been able to laugh and see the funny side of things", (
        ("As much as I always could", 0),
        ("Not quite so much now", 1),
        ("Definitely not so much now", 2),
        ("Not at all", 3),
    )),
    _item("epds_2", "I have looked forward with enjoyment to things", (
        ("As much as I ever did", 0),
        ("Rather less than I used to", 1),
        ("Definitely less than I used to", 2),
        ("Hardly at all", 3),
    )),
    _item("epds_3", "I have blamed myself unnecessarily when things went wrong", (
        ("Yes, most of the time", 3),
        ("Yes, some of the time", 2),
        ("Not very often", 1),
        ("No, never", 0),
    )),
    _item("epds_4", "I have been anxious or worried for no good reason", (
        ("No, not at all", 0),
        ("Hardly ever", 1),
        ("Yes, sometimes", 2),
        ("Yes, very often", 3),
    )),
    _item("epds_5", "I have felt scared or panicky for no very good reason", (
        ("Yes, quite a lot", 3),
        ("Yes, sometimes", 2),
        ("No, not much", 1),
        ("No, not at all", 0),
    )),
    _item("epds_6", "Things have been getting on top of me", (
        ("Yes, most of the time I haven't been able to cope at all", 3),
        ("Yes, sometimes I haven't been coping as well as usual", 2),
        ("No, most of the time I have coped quite well", 1),
        ("No, I have been coping as well as ever", 0),
    )),
    _item("epds_7", "I have been so unhappy that I have had difficulty sleeping", (
        ("Yes, most of the time", 3),
        ("Yes, sometimes", 2),
        ("Not very often", 1),
        ("No, not at all", 0),
    )),
    _item("epds_8", "I have felt sad or miserable", (
        ("Yes, most of the time", 3),
        ("Yes, quite often", 2),
        ("Not very often", 1),
        ("No, not at all", 0),
    )),
    _item("epds_9", "I have been so unhappy that I have been crying", (
        ("Yes, most of the time", 3),
        ("Yes, quite often", 2),
        ("Only occasionally", 1),
        ("No, never", 0),
    )),
    _item("epds_10", "The thought of harming myself has occurred to me", (
        ("Yes, quite often", 3),
        ("Sometimes", 2),
        ("Hardly ever", 1),
        ("Never", 0),
    ), flag=EPDS_SELF_HARM),
)

# The published instruction opens "As you have recently had a baby …": left out, because the people
# filling this in may have lost their baby. The rest is kept, with "underline" made "choose" for a web form.
_EPDS_INSTRUCTION = (
    "Please choose the answer that comes closest to how you have felt in the past 7 days, "
    "not just how you feel today."
)

EPDS = FormDefinition(
    title="How you have been feeling (EPDS)",
    intro=(
        "These ten short questions help your practitioner understand how you have been lately. "
        "There are no right or wrong answers, and you can choose “Prefer not to say” for any of them."
    ),
    sections=(
        Section("epds_first", "The past 7 days (1 of 2)", _EPDS_INSTRUCTION, _EPDS_ITEMS[:5]),
        Section("epds_second", "The past 7 days (2 of 2)", _EPDS_INSTRUCTION, _EPDS_ITEMS[5:]),
    ),
    scoring=Scoring(
        name="EPDS",
        items=tuple(item.key for item in _EPDS_ITEMS),
        # Cut-offs from Cox, Holden & Sagovsky (1987): 12/13 for probable depression; 9/10 for
        # screening, where missing fewer people matters more than a few needless follow-ups.
        bands=(
            Band(0, 9, "Below the usual cut-off"),
            Band(10, 12, "Possible depression"),
            Band(13, 30, "Probable depression"),
        ),
        citation=(
            "Cox JL, Holden JM, Sagovsky R. Detection of postnatal depression: development of the "
            "10-item Edinburgh Postnatal Depression Scale. Br J Psychiatry. 1987;150:782–786."
        ),
    ),
)


# --- PHQ-9 and GAD-7 ----------------------------------------------------------------------

_HOW_OFTEN = (
    ("Not at all", 0),
    ("Several days", 1),
    ("More than half the days", 2),
    ("Nearly every day", 3),
)


def _difficulty(key: str) -> Question:
    """The published closing question: asked, never scored."""
    return Question(
        key=key,
        type=QuestionType.single_choice,
        label=(
            "If you checked off any problems, how difficult have these problems made it for you to do "
            "your work, take care of things at home, or get along with other people?"
        ),
        allow_decline=True,
        choices=(
            Choice("not_difficult", "Not difficult at all"),
            Choice("somewhat", "Somewhat difficult"),
            Choice("very", "Very difficult"),
            Choice("extremely", "Extremely difficult"),
        ),
    )


PHQ9_NAME = "Patient Health Questionnaire (PHQ-9)"
PHQ9_SUMMARY = "Nine questions about the last two weeks, scored 0–27 in the published bands."

PHQ9_SELF_HARM = Flag(
    level=Attention.needs_attention,
    reason="Self-harm item answered above zero (PHQ-9 item 9)",
    values=("1", "2", "3"),
    shows_crisis_resources=True,
)

_PHQ9_ITEMS = (
    _item("phq9_1", "Little interest or pleasure in doing things", _HOW_OFTEN),
    _item("phq9_2", "Feeling down, depressed, or hopeless", _HOW_OFTEN),
    _item("phq9_3", "Trouble falling or staying asleep, or sleeping too much", _HOW_OFTEN),
    _item("phq9_4", "Feeling tired or having little energy", _HOW_OFTEN),
    _item("phq9_5", "Poor appetite or overeating", _HOW_OFTEN),
    _item(
        "phq9_6",
        "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
        _HOW_OFTEN,
    ),
    _item(
        "phq9_7",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        _HOW_OFTEN,
    ),
    _item(
        "phq9_8",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so "
        "fidgety or restless that you have been moving around a lot more than usual",
        _HOW_OFTEN,
    ),
    _item(
        "phq9_9",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
        _HOW_OFTEN,
        flag=PHQ9_SELF_HARM,
    ),
)

PHQ9 = FormDefinition(
    title="How you have been feeling (PHQ-9)",
    intro=(
        "These nine short questions help your practitioner understand how you have been lately. "
        "There are no right or wrong answers, and you can choose “Prefer not to say” for any of them."
    ),
    sections=(
        Section(
            "phq9_weeks",
            "The last 2 weeks",
            "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
            _PHQ9_ITEMS + (_difficulty("phq9_difficulty"),),
        ),
    ),
    scoring=Scoring(
        name="PHQ-9",
        items=tuple(item.key for item in _PHQ9_ITEMS),
        bands=(
            Band(0, 4, "Minimal"),
            Band(5, 9, "Mild"),
            Band(10, 14, "Moderate"),
            Band(15, 19, "Moderately severe"),
            Band(20, 27, "Severe"),
        ),
        citation=(
            "Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief depression severity "
            "measure. J Gen Intern Med. 2001;16(9):606–613."
        ),
    ),
)


GAD7_NAME = "Generalized Anxiety Disorder scale (GAD-7)"
GAD7_SUMMARY = "Seven questions about the last two weeks, scored 0–21 in the published bands."

_GAD7_ITEMS = (
    _item("gad7_1", "Feeling nervous, anxious or on edge", _HOW_OFTEN),
    _item("gad7_2", "Not being able to stop or control worrying", _HOW_OFTEN),
    _item("gad7_3", "Worrying too much about different things", _HOW_OFTEN),
    _item("gad7_4", "Trouble relaxing", _HOW_OFTEN),
    _item("gad7_5", "Being so restless that it is hard to sit still", _HOW_OFTEN),
    _item("gad7_6", "Becoming easily annoyed or irritable", _HOW_OFTEN),
    _item("gad7_7", "Feeling afraid as if something awful might happen", _HOW_OFTEN),
)

GAD7 = FormDefinition(
    title="How you have been feeling (GAD-7)",
    intro=(
        "These seven short questions help your practitioner understand how you have been lately. "
        "There are no right or wrong answers, and you can choose “Prefer not to say” for any of them."
    ),
    sections=(
        Section(
            "gad7_weeks",
            "The last 2 weeks",
            "Over the last 2 weeks, how often have you been bothered by the following problems?",
            _GAD7_ITEMS + (_difficulty("gad7_difficulty"),),
        ),
    ),
    scoring=Scoring(
        name="GAD-7",
        items=tuple(item.key for item in _GAD7_ITEMS),
        bands=(
            Band(0, 4, "Minimal"),
            Band(5, 9, "Mild"),
            Band(10, 14, "Moderate"),
            Band(15, 21, "Severe"),
        ),
        citation=(
            "Spitzer RL, Kroenke K, Williams JBW, Löwe B. A brief measure for assessing generalized anxiety "
            "disorder: the GAD-7. Arch Intern Med. 2006;166(10):1092–1097."
        ),
    ),
)
