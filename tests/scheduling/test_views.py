"""The availability page: weekly hours, date overrides, time off and the booking window."""
from datetime import date, datetime, time, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from practice.accounts.models import Practitioner
from practice.extensions import db
from practice.scheduling.models import DateOverride, TimeOff, WeeklyHours
from tests.factories import make_practitioner, make_weekly_hours

ZONE = "America/New_York"


@pytest.fixture
def logged_in(app, auth):
    with app.app_context():
        created = make_practitioner(timezone=ZONE)
        practitioner = SimpleNamespace(id=created.id, email=created.email)
    auth.login(practitioner.email)
    return practitioner


def stored(app, model):
    with app.app_context():
        found = db.session.scalars(select(model).order_by(model.id)).all()
        db.session.expunge_all()
        return found


def local_today() -> date:
    return datetime.now(ZoneInfo(ZONE)).date()


def weekly(weekday="0", start="09:00", end="12:00"):
    return {"weekly-weekday": weekday, "weekly-start": start, "weekly-end": end}


def test_availability_page_lists_every_weekday(client, logged_in):
    response = client.get("/admin/availability")

    assert response.status_code == 200
    for weekday in ("Monday", "Wednesday", "Sunday"):
        assert f'<th scope="row">{weekday}</th>'.encode() in response.data


def test_availability_page_shows_the_hours(app, client, logged_in):
    with app.app_context():
        make_weekly_hours(db.session.get(Practitioner, logged_in.id), weekdays=[1], start=time(9, 30), end=time(13))

    assert b"09:30\xe2\x80\x9313:00" in client.get("/admin/availability").data


def test_adding_weekly_hours_saves_them(app, client, logged_in):
    response = client.post("/admin/availability/weekly", data=weekly("2", "09:00", "12:30"))

    assert response.status_code == 303
    [row] = stored(app, WeeklyHours)
    assert (row.practitioner_id, row.weekday, row.start_time, row.end_time) == (logged_in.id, 2, time(9), time(12, 30))


def test_a_second_range_on_the_same_day_is_added(app, client, logged_in):
    client.post("/admin/availability/weekly", data=weekly("0", "09:00", "12:00"))

    client.post("/admin/availability/weekly", data=weekly("0", "13:00", "17:00"))

    assert [(r.start_time, r.end_time) for r in stored(app, WeeklyHours)] == [(time(9), time(12)), (time(13), time(17))]


def test_overlapping_weekly_hours_are_refused(app, client, logged_in):
    client.post("/admin/availability/weekly", data=weekly("0", "09:00", "12:00"))

    response = client.post("/admin/availability/weekly", data=weekly("0", "11:00", "14:00"))

    assert response.status_code == 422
    assert b"overlap your Monday hours (09:00\xe2\x80\x9312:00)" in response.data
    assert len(stored(app, WeeklyHours)) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (weekly(start="12:00", end="09:00"), b"end time needs to be after the start"),
        (weekly(start="09:00", end="09:00"), b"end time needs to be after the start"),
        (weekly(start="9 o'clock"), b"time like 09:00"),
        (weekly(start=""), b"time you start"),
        (weekly(weekday="7"), b"day of the week"),
        (weekly(weekday="monday"), b"day of the week"),
    ],
    ids=["backwards", "empty", "not-a-time", "missing", "weekday-7", "weekday-text"],
)
def test_bad_weekly_hours_are_refused_with_a_message(app, client, logged_in, data, message):
    response = client.post("/admin/availability/weekly", data=data)

    assert response.status_code == 422
    assert message in response.data
    assert stored(app, WeeklyHours) == []


def test_removing_weekly_hours(app, client, logged_in):
    client.post("/admin/availability/weekly", data=weekly())
    [row] = stored(app, WeeklyHours)

    response = client.post(f"/admin/availability/weekly/{row.id}/remove")

    assert response.status_code == 303
    assert stored(app, WeeklyHours) == []


def test_closing_a_date(app, client, logged_in):
    day = local_today() + timedelta(days=5)

    response = client.post("/admin/availability/overrides", data={"override-day": day.isoformat(), "override-kind": "closed"})

    assert response.status_code == 303
    [row] = stored(app, DateOverride)
    assert (row.day, row.start_time, row.end_time) == (day, None, None)


def test_a_date_with_other_hours(app, client, logged_in):
    day = local_today() + timedelta(days=5)
    for start, end in (("10:00", "12:00"), ("18:00", "20:00")):
        client.post(
            "/admin/availability/overrides",
            data={"override-day": day.isoformat(), "override-kind": "hours", "override-start": start, "override-end": end},
        )

    assert [(r.day, r.start_time, r.end_time) for r in stored(app, DateOverride)] == [
        (day, time(10), time(12)), (day, time(18), time(20)),
    ]
    assert b"18:00\xe2\x80\x9320:00" in client.get("/admin/availability").data


def test_other_hours_need_a_start_and_end(app, client, logged_in):
    response = client.post(
        "/admin/availability/overrides",
        data={"override-day": (local_today() + timedelta(days=5)).isoformat(), "override-kind": "hours", "override-start": "", "override-end": ""},
    )

    assert response.status_code == 422
    assert b"time you start that day" in response.data
    assert stored(app, DateOverride) == []


def test_overlapping_override_hours_are_refused(app, client, logged_in):
    day = (local_today() + timedelta(days=5)).isoformat()
    client.post("/admin/availability/overrides", data={"override-day": day, "override-kind": "hours", "override-start": "10:00", "override-end": "12:00"})

    response = client.post(
        "/admin/availability/overrides",
        data={"override-day": day, "override-kind": "hours", "override-start": "11:00", "override-end": "13:00"},
    )

    assert response.status_code == 422
    assert len(stored(app, DateOverride)) == 1


@pytest.mark.parametrize("day", ["2020-01-01", "not-a-date", ""], ids=["past", "malformed", "missing"])
def test_a_bad_override_date_is_refused(app, client, logged_in, day):
    response = client.post("/admin/availability/overrides", data={"override-day": day, "override-kind": "closed"})

    assert response.status_code == 422
    assert stored(app, DateOverride) == []


def test_removing_an_override(app, client, logged_in):
    client.post("/admin/availability/overrides", data={"override-day": (local_today() + timedelta(days=5)).isoformat(), "override-kind": "closed"})
    [row] = stored(app, DateOverride)

    client.post(f"/admin/availability/overrides/{row.id}/remove")

    assert stored(app, DateOverride) == []


def test_time_off_is_stored_as_utc_from_the_practitioners_local_time(app, client, logged_in):
    day = local_today() + timedelta(days=10)
    starts, ends = datetime.combine(day, time(9)), datetime.combine(day, time(17))

    response = client.post(
        "/admin/availability/time-off",
        data={"timeoff-starts": f"{day}T09:00", "timeoff-ends": f"{day}T17:00", "timeoff-note": "Training day"},
    )

    assert response.status_code == 303
    [row] = stored(app, TimeOff)
    zone = ZoneInfo(ZONE)
    assert row.starts_at == starts.replace(tzinfo=zone).astimezone(timezone.utc)
    assert row.ends_at == ends.replace(tzinfo=zone).astimezone(timezone.utc)
    assert row.starts_at.tzinfo is not None
    assert row.note == "Training day"


@pytest.mark.parametrize(
    ("starts", "ends", "message"),
    [
        ("T17:00", "T09:00", b"end needs to be after the start"),
        ("T09:00", "", b"date and time"),
        ("T09:00", "tomorrow", b"date and time like"),
    ],
    ids=["backwards", "missing-end", "malformed-end"],
)
def test_bad_time_off_is_refused(app, client, logged_in, starts, ends, message):
    day = (local_today() + timedelta(days=10)).isoformat()

    response = client.post(
        "/admin/availability/time-off",
        data={"timeoff-starts": day + starts, "timeoff-ends": day + ends if ends.startswith("T") else ends},
    )

    assert response.status_code == 422
    assert message in response.data
    assert stored(app, TimeOff) == []


def test_a_note_over_200_characters_is_refused(app, client, logged_in):
    day = (local_today() + timedelta(days=10)).isoformat()

    response = client.post(
        "/admin/availability/time-off",
        data={"timeoff-starts": f"{day}T09:00", "timeoff-ends": f"{day}T17:00", "timeoff-note": "x" * 10_000},
    )

    assert response.status_code == 422
    assert stored(app, TimeOff) == []


def test_removing_time_off(app, client, logged_in):
    day = (local_today() + timedelta(days=10)).isoformat()
    client.post("/admin/availability/time-off", data={"timeoff-starts": f"{day}T09:00", "timeoff-ends": f"{day}T17:00"})
    [row] = stored(app, TimeOff)

    client.post(f"/admin/availability/time-off/{row.id}/remove")

    assert stored(app, TimeOff) == []


def test_booking_window_is_saved(app, client, logged_in):
    response = client.post("/admin/availability/window", data={"window-min_notice_minutes": "90", "window-max_advance_days": "30"})

    assert response.status_code == 303
    with app.app_context():
        saved = db.session.get(Practitioner, logged_in.id)
        assert (saved.min_notice_minutes, saved.max_advance_days) == (90, 30)


@pytest.mark.parametrize(("notice", "advance"), [("-5", "30"), ("60", "0"), ("soon", "30"), ("60", "")])
def test_a_bad_booking_window_is_refused(app, client, logged_in, notice, advance):
    response = client.post("/admin/availability/window", data={"window-min_notice_minutes": notice, "window-max_advance_days": advance})

    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Practitioner, logged_in.id).max_advance_days == 60


def test_the_page_after_an_error_keeps_what_was_typed(client, logged_in):
    response = client.post("/admin/availability/weekly", data=weekly(start="12:00", end="09:00"))

    assert b'value="12:00"' in response.data
