"""Screener scores against the published items, answer scores, examples and band edges, without an app."""
import pytest

from practice.intake.definitions import DECLINED, FormDefinition
from practice.intake.scoring import score
from practice.intake.starter_forms.screeners import EPDS, GAD7, PHQ9


def answers_totalling(definition: FormDefinition, total: int) -> dict[str, str]:
    """Every item answered, the highest answers first, adding up to `total`."""
    answers = {}
    for key in definition.scoring.items:
        points = min(3, total)
        answers[key] = str(points)
        total -= points
    assert total == 0
    return answers


def answers_worded(definition: FormDefinition, wording_of: dict[str, str]) -> dict[str, str]:
    """Answers given by the wording the client reads, as the form would post them."""
    answers = {}
    for key, wording in wording_of.items():
        (choice,) = [c for c in definition.question(key).options() if c.label == wording]
        answers[key] = choice.value
    return answers


def first_listed(definition: FormDefinition) -> dict[str, str]:
    return {key: definition.question(key).options()[0].value for key in definition.scoring.items}


def last_listed(definition: FormDefinition) -> dict[str, str]:
    return {key: definition.question(key).options()[-1].value for key in definition.scoring.items}


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "Below the usual cut-off"),
        (9, "Below the usual cut-off"),
        (10, "Possible depression"),
        (12, "Possible depression"),
        (13, "Probable depression"),
        (30, "Probable depression"),
    ],
)
def test_epds_totals_fall_in_the_published_bands(total, band):
    result = score(EPDS, answers_totalling(EPDS, total))

    assert (result.total, result.band.label, result.complete) == (total, band, True)


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "Minimal"),
        (4, "Minimal"),
        (5, "Mild"),
        (9, "Mild"),
        (10, "Moderate"),
        (14, "Moderate"),
        (15, "Moderately severe"),
        (19, "Moderately severe"),
        (20, "Severe"),
        (27, "Severe"),
    ],
)
def test_phq9_totals_fall_in_the_published_bands(total, band):
    result = score(PHQ9, answers_totalling(PHQ9, total))

    assert (result.total, result.band.label, result.complete) == (total, band, True)


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "Minimal"),
        (4, "Minimal"),
        (5, "Mild"),
        (9, "Mild"),
        (10, "Moderate"),
        (14, "Moderate"),
        (15, "Severe"),
        (21, "Severe"),
    ],
)
def test_gad7_totals_fall_in_the_published_bands(total, band):
    result = score(GAD7, answers_totalling(GAD7, total))

    assert (result.total, result.band.label, result.complete) == (total, band, True)


@pytest.mark.parametrize(
    ("definition", "items", "max_score"),
    [(EPDS, 10, 30), (PHQ9, 9, 27), (GAD7, 7, 21)],
    ids=["EPDS", "PHQ-9", "GAD-7"],
)
def test_each_screener_has_its_published_number_of_items_and_maximum(definition, items, max_score):
    result = score(definition, answers_totalling(definition, max_score))

    assert (result.items, result.max_score, result.total) == (items, max_score, max_score)
    assert all(len(definition.question(key).options()) == 4 for key in definition.scoring.items)


@pytest.mark.parametrize(
    ("key", "wording", "points"),
    [
        ("epds_1", "As much as I always could", 0),
        ("epds_1", "Not at all", 3),
        ("epds_2", "Rather less than I used to", 1),
        ("epds_3", "Yes, most of the time", 3),
        ("epds_3", "No, never", 0),
        ("epds_4", "No, not at all", 0),
        ("epds_4", "Yes, very often", 3),
        ("epds_5", "Yes, quite a lot", 3),
        ("epds_6", "Yes, most of the time I haven't been able to cope at all", 3),
        ("epds_6", "No, I have been coping as well as ever", 0),
        ("epds_7", "Not very often", 1),
        ("epds_8", "Yes, quite often", 2),
        ("epds_9", "Only occasionally", 1),
        ("epds_10", "Yes, quite often", 3),
        ("epds_10", "Never", 0),
    ],
)
def test_epds_answers_score_as_published_including_reverse_scored_items(key, wording, points):
    result = score(EPDS, answers_worded(EPDS, {key: wording}))

    assert (result.total, result.answered) == (points, 1)


def test_epds_items_1_2_and_4_score_upwards_and_the_rest_downwards():
    for key in EPDS.scoring.items:
        scores = [choice.score for choice in EPDS.question(key).options()]
        expected = [0, 1, 2, 3] if key in ("epds_1", "epds_2", "epds_4") else [3, 2, 1, 0]
        assert scores == expected, key


def test_epds_first_listed_answers_throughout_score_21():
    # Items 1, 2 and 4 give 0 each; the seven reverse-scored items give 3 each.
    result = score(EPDS, first_listed(EPDS))

    assert (result.total, result.band.label) == (21, "Probable depression")


def test_epds_last_listed_answers_throughout_score_9():
    result = score(EPDS, last_listed(EPDS))

    assert (result.total, result.band.label) == (9, "Below the usual cut-off")


@pytest.mark.parametrize(
    ("definition", "wording", "total", "band"),
    [
        (PHQ9, "Several days", 9, "Mild"),
        (PHQ9, "More than half the days", 18, "Moderately severe"),
        (PHQ9, "Nearly every day", 27, "Severe"),
        (GAD7, "Several days", 7, "Mild"),
        (GAD7, "More than half the days", 14, "Moderate"),
        (GAD7, "Nearly every day", 21, "Severe"),
    ],
)
def test_the_same_answer_to_every_item_scores_as_published(definition, wording, total, band):
    answers = answers_worded(definition, {key: wording for key in definition.scoring.items})

    result = score(definition, answers)

    assert (result.total, result.band.label) == (total, band)


def test_a_worked_phq9_example_scores_moderate():
    answers = answers_worded(PHQ9, {
        "phq9_1": "More than half the days",
        "phq9_2": "More than half the days",
        "phq9_3": "Nearly every day",
        "phq9_4": "Nearly every day",
        "phq9_5": "Several days",
        "phq9_6": "Several days",
        "phq9_7": "Not at all",
        "phq9_8": "Not at all",
        "phq9_9": "Not at all",
    })

    result = score(PHQ9, answers)

    assert (result.total, result.band.label, result.complete) == (12, "Moderate", True)


def test_the_difficulty_question_is_asked_but_never_scored():
    answers = {**answers_totalling(PHQ9, 5), "phq9_difficulty": "extremely"}

    result = score(PHQ9, answers)

    assert "phq9_difficulty" not in PHQ9.scoring.items
    assert all(choice.score is None for choice in PHQ9.question("phq9_difficulty").options())
    assert (result.total, result.items) == (5, 9)


def test_a_declined_item_leaves_the_score_incomplete():
    answers = {**answers_totalling(EPDS, 30), "epds_4": DECLINED}

    result = score(EPDS, answers)

    assert (result.total, result.answered, result.complete) == (27, 9, False)
    assert result.as_dict()["complete"] is False


def test_a_skipped_item_leaves_the_score_incomplete():
    answers = answers_totalling(GAD7, 12)
    del answers["gad7_7"]

    result = score(GAD7, answers)

    assert (result.answered, result.items, result.complete) == (6, 7, False)


def test_an_incomplete_score_reports_the_band_the_answered_items_reach():
    answers = {key: DECLINED for key in PHQ9.scoring.items} | {"phq9_1": "3", "phq9_2": "3"}

    result = score(PHQ9, answers)

    assert (result.total, result.answered, result.band.label) == (6, 2, "Mild")


def test_nothing_answered_scores_zero_of_zero_answered():
    result = score(GAD7, {})

    assert (result.total, result.answered, result.complete) == (0, 0, False)


def test_a_form_without_scoring_has_no_score():
    assert score(FormDefinition(title="Notes"), {"anything": "1"}) is None


@pytest.mark.parametrize(
    ("definition", "named"),
    [
        (EPDS, ("Cox", "Holden", "Sagovsky", "Edinburgh Postnatal Depression Scale", "Br J Psychiatry", "1987",
                "150", "782")),
        (PHQ9, ("Kroenke", "Spitzer", "Williams", "PHQ-9", "J Gen Intern Med", "2001", "16(9)", "606")),
        (GAD7, ("Spitzer", "Kroenke", "Williams", "Löwe", "GAD-7", "Arch Intern Med", "2006", "166(10)", "1092")),
    ],
    ids=["EPDS", "PHQ-9", "GAD-7"],
)
def test_citations_name_the_published_papers(definition, named):
    citation = score(definition, {}).citation

    assert all(part in citation for part in named), citation
