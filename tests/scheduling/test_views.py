"""The availability pages: weekly hours, date overrides, time off, the practice's booking window, and a service's own times."""
import html
import re
from datetime import date, datetime, time, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from practice.accounts.models import Practice, Practitioner
from practice.catalog.models import Service
from practice.extensions import db
from practice.scheduling.models import DateOverride, TimeOff, WeeklyHours
from tests.factories import log_in_as, make_practitioner, make_service, make_weekly_hours

ZONE = "America/New_York"


@pytest.fixture
def client(any_app):
    """A test client of the app on either database: the pages must answer alike on both."""
    return any_app.test_client()


@pytest.fixture
def logged_in(any_app, client):
    """The owner of a practice in New York, logged in."""
    with any_app.app_context():
        created = make_practitioner(timezone=ZONE, min_notice_minutes=90, max_advance_days=30)
        log_in_as(client, created)
        return SimpleNamespace(id=created.id, email=created.email, practice_id=created.practice_id)


def stored(app, model):
    with app.app_context():
        found = db.session.scalars(select(model).order_by(model.id)).all()
        db.session.expunge_all()
        return found


def text_of(response) -> str:
    """The page's words, tags dropped, spaces collapsed and entities decoded."""
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split()))


def local_today() -> date:
    return datetime.now(ZoneInfo(ZONE)).date()


def weekly(weekday="0", start="09:00", end="12:00"):
    return {"weekly-weekday": weekday, "weekly-start": start, "weekly-end": end}


def test_availability_page_lists_every_weekday(client, logged_in):
    response = client.get("/admin/availability")

    assert response.status_code == 200
    for weekday in ("Monday", "Wednesday", "Sunday"):
        assert f'<th scope="row">{weekday}</th>'.encode() in response.data


def test_availability_page_shows_the_hours(any_app, client, logged_in):
    with any_app.app_context():
        make_weekly_hours(db.session.get(Practitioner, logged_in.id), weekdays=[1], start=time(9, 30), end=time(13))

    assert b"09:30\xe2\x80\x9313:00" in client.get("/admin/availability").data


def test_adding_weekly_hours_saves_them(any_app, client, logged_in):
    response = client.post("/admin/availability/weekly", data=weekly("2", "09:00", "12:30"))

    assert response.status_code == 303
    [row] = stored(any_app, WeeklyHours)
    assert (row.practitioner_id, row.weekday, row.start_time, row.end_time) == (logged_in.id, 2, time(9), time(12, 30))


def test_a_second_range_on_the_same_day_is_added(any_app, client, logged_in):
    client.post("/admin/availability/weekly", data=weekly("0", "09:00", "12:00"))

    client.post("/admin/availability/weekly", data=weekly("0", "13:00", "17:00"))

    assert [(r.start_time, r.end_time) for r in stored(any_app, WeeklyHours)] == [(time(9), time(12)), (time(13), time(17))]


def test_overlapping_weekly_hours_are_refused(any_app, client, logged_in):
    client.post("/admin/availability/weekly", data=weekly("0", "09:00", "12:00"))

    response = client.post("/admin/availability/weekly", data=weekly("0", "11:00", "14:00"))

    assert response.status_code == 422
    assert b"overlap your Monday hours (09:00\xe2\x80\x9312:00)" in response.data
    assert len(stored(any_app, WeeklyHours)) == 1


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
def test_bad_weekly_hours_are_refused_with_a_message(any_app, client, logged_in, data, message):
    response = client.post("/admin/availability/weekly", data=data)

    assert response.status_code == 422
    assert message in response.data
    assert stored(any_app, WeeklyHours) == []


def test_removing_weekly_hours(any_app, client, logged_in):
    client.post("/admin/availability/weekly", data=weekly())
    [row] = stored(any_app, WeeklyHours)

    response = client.post(f"/admin/availability/weekly/{row.id}/remove")

    assert response.status_code == 303
    assert stored(any_app, WeeklyHours) == []


def test_closing_a_date(any_app, client, logged_in):
    day = local_today() + timedelta(days=5)

    response = client.post("/admin/availability/overrides", data={"override-day": day.isoformat(), "override-kind": "closed"})

    assert response.status_code == 303
    [row] = stored(any_app, DateOverride)
    assert (row.day, row.start_time, row.end_time) == (day, None, None)


def test_a_date_with_other_hours(any_app, client, logged_in):
    day = local_today() + timedelta(days=5)
    for start, end in (("10:00", "12:00"), ("18:00", "20:00")):
        client.post(
            "/admin/availability/overrides",
            data={"override-day": day.isoformat(), "override-kind": "hours", "override-start": start, "override-end": end},
        )

    assert [(r.day, r.start_time, r.end_time) for r in stored(any_app, DateOverride)] == [
        (day, time(10), time(12)), (day, time(18), time(20)),
    ]
    assert b"18:00\xe2\x80\x9320:00" in client.get("/admin/availability").data


def test_other_hours_need_a_start_and_end(any_app, client, logged_in):
    response = client.post(
        "/admin/availability/overrides",
        data={"override-day": (local_today() + timedelta(days=5)).isoformat(), "override-kind": "hours", "override-start": "", "override-end": ""},
    )

    assert response.status_code == 422
    assert b"time you start that day" in response.data
    assert stored(any_app, DateOverride) == []


def test_overlapping_override_hours_are_refused(any_app, client, logged_in):
    day = (local_today() + timedelta(days=5)).isoformat()
    client.post("/admin/availability/overrides", data={"override-day": day, "override-kind": "hours", "override-start": "10:00", "override-end": "12:00"})

    response = client.post(
        "/admin/availability/overrides",
        data={"override-day": day, "override-kind": "hours", "override-start": "11:00", "override-end": "13:00"},
    )

    assert response.status_code == 422
    assert len(stored(any_app, DateOverride)) == 1


@pytest.mark.parametrize("day", ["2020-01-01", "not-a-date", ""], ids=["past", "malformed", "missing"])
def test_a_bad_override_date_is_refused(any_app, client, logged_in, day):
    response = client.post("/admin/availability/overrides", data={"override-day": day, "override-kind": "closed"})

    assert response.status_code == 422
    assert stored(any_app, DateOverride) == []


def test_removing_an_override(any_app, client, logged_in):
    client.post("/admin/availability/overrides", data={"override-day": (local_today() + timedelta(days=5)).isoformat(), "override-kind": "closed"})
    [row] = stored(any_app, DateOverride)

    client.post(f"/admin/availability/overrides/{row.id}/remove")

    assert stored(any_app, DateOverride) == []


def test_time_off_is_stored_as_utc_from_the_practices_local_time(any_app, client, logged_in):
    day = local_today() + timedelta(days=10)
    starts, ends = datetime.combine(day, time(9)), datetime.combine(day, time(17))

    response = client.post(
        "/admin/availability/time-off",
        data={"timeoff-starts": f"{day}T09:00", "timeoff-ends": f"{day}T17:00", "timeoff-note": "Training day"},
    )

    assert response.status_code == 303
    [row] = stored(any_app, TimeOff)
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
def test_bad_time_off_is_refused(any_app, client, logged_in, starts, ends, message):
    day = (local_today() + timedelta(days=10)).isoformat()

    response = client.post(
        "/admin/availability/time-off",
        data={"timeoff-starts": day + starts, "timeoff-ends": day + ends if ends.startswith("T") else ends},
    )

    assert response.status_code == 422
    assert message in response.data
    assert stored(any_app, TimeOff) == []


def test_a_note_over_200_characters_is_refused(any_app, client, logged_in):
    day = (local_today() + timedelta(days=10)).isoformat()

    response = client.post(
        "/admin/availability/time-off",
        data={"timeoff-starts": f"{day}T09:00", "timeoff-ends": f"{day}T17:00", "timeoff-note": "x" * 10_000},
    )

    assert response.status_code == 422
    assert stored(any_app, TimeOff) == []


def test_removing_time_off(any_app, client, logged_in):
    day = (local_today() + timedelta(days=10)).isoformat()
    client.post("/admin/availability/time-off", data={"timeoff-starts": f"{day}T09:00", "timeoff-ends": f"{day}T17:00"})
    [row] = stored(any_app, TimeOff)

    client.post(f"/admin/availability/time-off/{row.id}/remove")

    assert stored(any_app, TimeOff) == []


def test_the_page_says_the_practices_times_and_booking_window_and_where_to_change_it(client, logged_in):
    page = text_of(client.get("/admin/availability"))

    assert "All times are in America/New York (the practice's timezone)." in page
    assert "Clients can book from 90 minutes ahead up to 30 days ahead." in page
    assert 'href="/admin/practice#booking-window"' in client.get("/admin/availability").data.decode()


def test_a_practitioner_is_told_the_owner_sets_the_booking_window(any_app, logged_in):
    with any_app.app_context():
        colleague = make_practitioner(db.session.get(Practice, logged_in.practice_id))
        client = any_app.test_client()
        log_in_as(client, colleague)

    response = client.get("/admin/availability")

    assert "Clients can book from 90 minutes ahead up to 30 days ahead. The practice's owner sets this for everyone." in text_of(response)
    assert "/admin/practice" not in response.data.decode()


def test_the_booking_window_is_not_edited_here(client, logged_in):
    page = client.get("/admin/availability").data.decode()

    assert "min_notice_minutes" not in page and "max_advance_days" not in page
    assert client.post("/admin/availability/window", data={"window-min_notice_minutes": "60"}).status_code == 404


def test_the_page_after_an_error_keeps_what_was_typed(client, logged_in):
    response = client.post("/admin/availability/weekly", data=weekly(start="12:00", end="09:00"))

    assert b'value="12:00"' in response.data


# A service's own hours: /admin/availability/services/<id>


@pytest.fixture
def circle(any_app, logged_in):
    """A monthly circle of the logged-in practitioner, offered only at its own times; its id."""
    with any_app.app_context():
        practitioner = db.session.get(Practitioner, logged_in.id)
        return make_service(practitioner, name="Remembrance circle", duration_minutes=90, capacity=12, own_hours=True).id


def service_page(circle_id: int, action: str = "") -> str:
    return f"/admin/availability/services/{circle_id}{action}"


def session_data(day=None, start="19:00", end="20:30"):
    day = (local_today() + timedelta(days=7)).isoformat() if day is None else day
    return {"session-day": day, "session-start": start, "session-end": end}


def own_hours(app, service_id: int) -> bool:
    with app.app_context():
        return db.session.get(Service, service_id).own_hours


def test_a_services_times_page_shows_its_toggle_and_forms(client, circle):
    response = client.get(service_page(circle))

    page = response.data.decode()
    assert response.status_code == 200
    assert "<h1>Times for Remembrance circle</h1>" in page
    assert 'checked id="own-own_hours" name="own-own_hours" type="checkbox"' in page
    assert '<label for="own-own_hours">Offer this service only at its own times</label>' in page
    assert "Clients can't book this service until you add" in page


def test_every_form_on_a_services_times_page_carries_a_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        practitioner = make_practitioner()
        circle = make_service(practitioner, duration_minutes=90, own_hours=True)
        db.session.add(WeeklyHours(practitioner_id=practitioner.id, service_id=circle.id, weekday=3, start_time=time(19), end_time=time(20, 30)))
        db.session.add(DateOverride(practitioner_id=practitioner.id, service_id=circle.id, day=local_today() + timedelta(days=3),
                                    start_time=time(19), end_time=time(20, 30)))
        db.session.commit()
        path = service_page(circle.id)
        client = app.test_client()
        log_in_as(client, practitioner)

    page = client.get(path).data.decode()

    forms = page.split('<form method="post"')[1:]
    assert len(forms) == 6  # three to add, two to remove, and the header's log out
    assert all(re.search(r'name="(\w+-)?csrf_token"', form.split("</form>", 1)[0]) for form in forms)
    assert client.post(service_page(circle.id, "/own-hours"), data={}).status_code == 400


def test_the_availability_page_links_to_each_services_times(client, circle):
    page = client.get("/admin/availability").data.decode()

    assert f'href="/admin/availability/services/{circle}"' in page
    assert "only at its own times" in page


def test_turning_own_hours_off_and_on(any_app, client, circle):
    response = client.post(service_page(circle, "/own-hours"), data={})

    assert response.status_code == 303
    assert not own_hours(any_app, circle)

    client.post(service_page(circle, "/own-hours"), data={"own-own_hours": "y"})

    assert own_hours(any_app, circle)


def test_adding_sessions_saves_them_for_the_service(any_app, client, circle):
    day = local_today() + timedelta(days=7)
    for start, end in (("10:00", "11:30"), ("19:00", "20:30")):
        response = client.post(service_page(circle, "/sessions"), data=session_data(day.isoformat(), start, end))
        assert response.status_code == 303

    assert [(r.service_id, r.day, r.start_time, r.end_time) for r in stored(any_app, DateOverride)] == [
        (circle, day, time(10), time(11, 30)), (circle, day, time(19), time(20, 30)),
    ]
    page = client.get(service_page(circle)).data.decode()
    assert "19:00–20:30" in page
    assert "19:00–20:30" not in client.get("/admin/availability").data.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (session_data(start="20:00", end="19:00"), "end time needs to be after the start"),
        (session_data(end="20:00"), "lasts 90 minutes"),
        (session_data(day="2020-01-01"), "already passed"),
        (session_data(day="first thursday"), "date like 2026-12-24"),
        (session_data(day=""), "choose a date"),
        (session_data(start="7pm"), "time like 09:00"),
        (session_data(end=""), "time the session ends"),
    ],
    ids=["backwards", "too-short", "past", "malformed-date", "missing-date", "malformed-time", "missing-end"],
)
def test_a_bad_session_is_refused_with_a_message(any_app, client, circle, data, message):
    response = client.post(service_page(circle, "/sessions"), data=data)

    assert response.status_code == 422
    assert message in response.data.decode()
    assert "That wasn't saved" in response.data.decode()
    assert stored(any_app, DateOverride) == []


def test_an_overlapping_session_is_refused(any_app, client, circle):
    client.post(service_page(circle, "/sessions"), data=session_data())

    response = client.post(service_page(circle, "/sessions"), data=session_data(start="20:00", end="21:30"))

    assert response.status_code == 422
    assert "overlap another session that day" in response.data.decode()
    assert len(stored(any_app, DateOverride)) == 1


def test_removing_a_session(any_app, client, circle):
    client.post(service_page(circle, "/sessions"), data=session_data())
    [row] = stored(any_app, DateOverride)

    response = client.post(service_page(circle, f"/sessions/{row.id}/remove"))

    assert response.status_code == 303
    assert stored(any_app, DateOverride) == []


def test_adding_and_removing_weekly_times_of_a_service(any_app, client, circle):
    response = client.post(service_page(circle, "/weekly"), data=weekly("2", "18:00", "19:30"))

    assert response.status_code == 303
    [row] = stored(any_app, WeeklyHours)
    assert (row.service_id, row.weekday, row.start_time, row.end_time) == (circle, 2, time(18), time(19, 30))
    assert b"Not working" in client.get("/admin/availability").data  # the general Wednesday is untouched

    client.post(service_page(circle, f"/weekly/{row.id}/remove"))

    assert stored(any_app, WeeklyHours) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [(weekly("2", "18:00", "19:00"), "lasts 90 minutes"), (weekly("9"), "day of the week"), (weekly(start=""), "time you start")],
    ids=["too-short", "bad-weekday", "missing-start"],
)
def test_bad_weekly_times_of_a_service_are_refused(any_app, client, circle, data, message):
    response = client.post(service_page(circle, "/weekly"), data=data)

    assert response.status_code == 422
    assert message in response.data.decode()
    assert stored(any_app, WeeklyHours) == []


def test_general_remove_routes_do_not_reach_a_services_rows(any_app, client, circle):
    client.post(service_page(circle, "/weekly"), data=weekly("2", "18:00", "19:30"))
    client.post(service_page(circle, "/sessions"), data=session_data())
    [weekly_row], [session_row] = stored(any_app, WeeklyHours), stored(any_app, DateOverride)

    assert client.post(f"/admin/availability/weekly/{weekly_row.id}/remove").status_code == 404
    assert client.post(f"/admin/availability/overrides/{session_row.id}/remove").status_code == 404
    assert len(stored(any_app, WeeklyHours)) == len(stored(any_app, DateOverride)) == 1


def test_a_services_remove_routes_do_not_reach_general_or_other_services_rows(any_app, client, logged_in, circle):
    client.post("/admin/availability/weekly", data=weekly())
    client.post("/admin/availability/overrides", data={"override-day": (local_today() + timedelta(days=5)).isoformat(), "override-kind": "closed"})
    with any_app.app_context():
        other = make_service(db.session.get(Practitioner, logged_in.id), name="Other", own_hours=True).id
    [general_weekly], [general_override] = stored(any_app, WeeklyHours), stored(any_app, DateOverride)

    for service_id in (circle, other):
        assert client.post(service_page(service_id, f"/weekly/{general_weekly.id}/remove")).status_code == 404
        assert client.post(service_page(service_id, f"/sessions/{general_override.id}/remove")).status_code == 404
    client.post(service_page(circle, "/sessions"), data=session_data())
    circle_session = stored(any_app, DateOverride)[-1]
    assert client.post(service_page(other, f"/sessions/{circle_session.id}/remove")).status_code == 404
    assert len(stored(any_app, WeeklyHours)) == 1 and len(stored(any_app, DateOverride)) == 2


def test_closing_a_date_keeps_a_services_session_that_day(any_app, client, circle):
    day = (local_today() + timedelta(days=7)).isoformat()
    client.post(service_page(circle, "/sessions"), data=session_data(day))

    client.post("/admin/availability/overrides", data={"override-day": day, "override-kind": "closed"})

    assert sorted((r.service_id or 0, r.start_time is None) for r in stored(any_app, DateOverride)) == [(0, True), (circle, False)]


#: Every route of a service's own hours: (method, path); {service} and {row} are filled in.
SERVICE_ROUTES = [
    ("GET", "/admin/availability/services/{service}"),
    ("POST", "/admin/availability/services/{service}/own-hours"),
    ("POST", "/admin/availability/services/{service}/sessions"),
    ("POST", "/admin/availability/services/{service}/sessions/{session}/remove"),
    ("POST", "/admin/availability/services/{service}/weekly"),
    ("POST", "/admin/availability/services/{service}/weekly/{weekly}/remove"),
]


@pytest.fixture
def others_circle(any_app):
    """Another practice's own-hours circle with one session and one weekly time; their ids."""
    with any_app.app_context():
        other = make_practitioner(timezone=ZONE)
        service = make_service(other, name="Another practice's circle", duration_minutes=90, own_hours=True)
        session_row = DateOverride(practitioner_id=other.id, service_id=service.id, day=local_today() + timedelta(days=9),
                                   start_time=time(19), end_time=time(20, 30))
        weekly_row = WeeklyHours(practitioner_id=other.id, service_id=service.id, weekday=3, start_time=time(19), end_time=time(20, 30))
        db.session.add_all([session_row, weekly_row])
        db.session.commit()
        return {"service": service.id, "session": session_row.id, "weekly": weekly_row.id}


@pytest.mark.parametrize(("method", "path"), SERVICE_ROUTES, ids=[f"{m} {p}" for m, p in SERVICE_ROUTES])
def test_another_practices_service_times_are_not_found(any_app, client, logged_in, others_circle, method, path):
    data = {**session_data(), **weekly("3", "10:00", "11:30")} if method == "POST" else None

    response = client.open(path.format(**others_circle), method=method, data=data)

    assert response.status_code == 404
    assert own_hours(any_app, others_circle["service"])
    assert len(stored(any_app, DateOverride)) == len(stored(any_app, WeeklyHours)) == 1


@pytest.mark.parametrize(("method", "path"), SERVICE_ROUTES, ids=[f"{m} {p}" for m, p in SERVICE_ROUTES])
def test_a_visitor_is_sent_to_log_in_from_a_services_times(any_app, client, others_circle, method, path):
    response = client.open(path.format(**others_circle), method=method, data={"own-own_hours": ""} if method == "POST" else None)

    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]
    assert len(stored(any_app, DateOverride)) == len(stored(any_app, WeeklyHours)) == 1


def test_the_owner_sees_and_changes_a_colleagues_hours(any_app):
    with any_app.app_context():
        owner = make_practitioner(name="Rowan Hale", timezone=ZONE)
        colleague = make_practitioner(practice=owner.practice, name="Imogen Reyes")
        colleague_id = colleague.id
        client = any_app.test_client()
        log_in_as(client, owner)

    page = client.get(f"/admin/availability?practitioner={colleague_id}")
    added = client.post(
        f"/admin/availability/weekly?practitioner={colleague_id}",
        data={"weekly-weekday": "2", "weekly-start": "10:00", "weekly-end": "14:00"},
    )

    assert page.status_code == 200 and "Imogen Reyes's availability" in page.get_data(as_text=True)
    assert added.status_code == 303 and f"practitioner={colleague_id}" in added.headers["Location"]
    with any_app.app_context():
        rows = db.session.execute(select(WeeklyHours.practitioner_id, WeeklyHours.weekday)).all()
    assert rows == [(colleague_id, 2)]


def test_a_practitioner_cannot_reach_a_colleagues_hours(any_app):
    with any_app.app_context():
        owner = make_practitioner(timezone=ZONE)
        colleague = make_practitioner(practice=owner.practice)
        stranger = make_practitioner()
        client = any_app.test_client()
        log_in_as(client, colleague)
        owner_id, stranger_id = owner.id, stranger.id

    assert client.get(f"/admin/availability?practitioner={owner_id}").status_code == 404
    assert client.post(
        f"/admin/availability/weekly?practitioner={owner_id}",
        data={"weekly-weekday": "2", "weekly-start": "10:00", "weekly-end": "14:00"},
    ).status_code == 404
    assert client.get(f"/admin/availability?practitioner={stranger_id}").status_code == 404
    with any_app.app_context():
        assert db.session.scalar(select(func.count(WeeklyHours.id))) == 0
