"""The booking state table, tested as a table: every status against every event."""
from datetime import datetime, timedelta, timezone

import pytest

from practice.booking.states import (
    TRANSITIONS,
    BookingEvent,
    BookingStatus,
    ChangeWindow,
    InvalidTransition,
    can,
    change_policy,
    next_status,
    occupies_time,
)

S, E = BookingStatus, BookingEvent
NOW = datetime(2027, 3, 1, 12, tzinfo=timezone.utc)

EXPECTED = {
    (S.held, E.confirm): S.confirmed,
    (S.held, E.cancel): S.cancelled,
    (S.held, E.lapse): S.cancelled,
    # A payment that came after its hold lapsed, while the time was still free.
    (S.cancelled, E.reinstate): S.confirmed,
    (S.confirmed, E.cancel): S.cancelled,
    (S.confirmed, E.complete): S.completed,
    (S.confirmed, E.no_show): S.no_show,
}
EVERY_PAIR = [(status, event) for status in S for event in E]


@pytest.mark.parametrize(("status", "event"), EVERY_PAIR, ids=[f"{s.value}-{e.value}" for s, e in EVERY_PAIR])
def test_each_status_moves_only_as_the_table_says(status, event):
    if (status, event) in EXPECTED:
        assert next_status(status, event) is EXPECTED[(status, event)]
        assert can(status, event)
    else:
        with pytest.raises(InvalidTransition):
            next_status(status, event)
        assert not can(status, event)


def test_the_table_is_exactly_the_expected_moves():
    assert TRANSITIONS == EXPECTED


def test_nothing_leaves_a_final_status_but_a_late_payment_reinstating_a_lapsed_hold():
    for final in (S.completed, S.no_show):
        assert not any(can(final, event) for event in E)
    assert [event for event in E if can(S.cancelled, event)] == [E.reinstate]


@pytest.mark.parametrize(
    ("status", "expires", "occupies"),
    [
        (S.confirmed, None, True),
        (S.held, NOW + timedelta(minutes=1), True),
        (S.held, NOW, False),
        (S.held, None, False),
        (S.cancelled, None, False),
        (S.completed, None, False),
    ],
)
def test_what_occupies_time(status, expires, occupies):
    assert occupies_time(status, expires, NOW) is occupies


@pytest.mark.parametrize(
    ("status", "starts_in", "window"),
    [
        (S.confirmed, timedelta(hours=25), ChangeWindow.open),
        (S.confirmed, timedelta(hours=24), ChangeWindow.closing),
        (S.confirmed, timedelta(hours=1), ChangeWindow.closing),
        (S.confirmed, timedelta(0), ChangeWindow.started),
        (S.confirmed, -timedelta(hours=1), ChangeWindow.started),
        (S.cancelled, timedelta(hours=48), ChangeWindow.inactive),
    ],
)
def test_the_change_window_with_a_24_hour_policy(status, starts_in, window):
    policy = change_policy(status, None, NOW + starts_in, 24, NOW)

    assert policy.window is window
    assert policy.deadline == NOW + starts_in - timedelta(hours=24)
    assert policy.allowed is (window is ChangeWindow.open)
    assert policy.practitioner_allowed is (window in (ChangeWindow.open, ChangeWindow.closing))
