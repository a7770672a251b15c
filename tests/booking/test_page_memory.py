"""The service page kept rendered in memory: served again only while everything it shows is unchanged."""
import re
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from flask import session
from sqlalchemy import event, text

from practice.booking import pages
from practice.catalog.models import Service
from practice.extensions import db
from practice.scheduling.models import WeeklyHours
from tests.factories import make_booking, make_practitioner, make_service, make_weekly_hours, service_path

ZONE = "Europe/London"
#: What the page may read: the rows page_memory hashes, and those its schedule_version stands for.
SHOWN = {"service", "practice", "practitioner", "membership", "weekly_hours", "date_override", "time_off", "booking"}


@pytest.fixture
def site(any_app):
    with any_app.app_context():
        practitioner = make_practitioner(timezone=ZONE)
        make_weekly_hours(practitioner, weekdays=range(5), start=time(9), end=time(12))
        service = make_service(practitioner, duration_minutes=60, slot_step_minutes=60)
        return any_app, service.id, service_path(service), practitioner.id


@pytest.fixture
def client(site):
    return site[0].test_client()


def statements_while(app, action) -> list[str]:
    """The queries `action` sends (not SQLite's BEGIN, which opens every request's transaction)."""
    statements = []

    def listener(connection, cursor, statement, *args):
        if statement != "BEGIN":
            statements.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", listener)
    try:
        action()
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", listener)
    return statements


def times_count(html: str) -> int:
    """How many free times the day list counts over the two weeks."""
    return sum(int(n) for n in re.findall(r'class="hint">(\d+) times?<', html))


def test_the_page_reads_only_what_its_memory_watches(site, client):
    app, _, path, _ = site

    statements = statements_while(app, lambda: client.get(path))

    read = {table for statement in statements for table in re.findall(r'(?:FROM|JOIN) "?(\w+)"?', statement)}
    assert read <= SHOWN, f"the service page reads {read - SHOWN}: hash it in page_memory._SHOWN or in schedule_version"


def test_a_kept_page_costs_one_query_and_is_the_same_page(site, client):
    app, _, path, _ = site
    first = client.get(path)

    statements = statements_while(app, lambda: client.get(path))
    again = client.get(path)

    assert len(statements) == 1
    assert "Set-Cookie" not in first.headers
    assert again.get_data() == first.get_data()
    assert again.headers["ETag"] == first.headers["ETag"]
    assert client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_a_renamed_service_is_shown_at_once(site, client):
    app, service_id, path, _ = site
    client.get(path)
    with app.app_context():
        db.session.execute(text("UPDATE service SET name = 'Gentle massage' WHERE id = :id"), {"id": service_id})
        db.session.commit()

    assert "Gentle massage" in client.get(path).get_data(as_text=True)


def test_new_hours_and_a_booking_are_shown_at_once(site, client):
    app, service_id, path, practitioner_id = site
    before = times_count(client.get(path).get_data(as_text=True))
    with app.app_context():
        for weekday in range(5):
            db.session.add(WeeklyHours(practitioner_id=practitioner_id, weekday=weekday, start_time=time(14), end_time=time(15)))
        db.session.commit()
    widened = times_count(client.get(path).get_data(as_text=True))
    with app.app_context():
        tomorrow = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=1)
        while tomorrow.weekday() > 4:
            tomorrow += timedelta(days=1)
        make_booking(db.session.get(Service, service_id), datetime.combine(tomorrow, time(14), ZoneInfo(ZONE)).astimezone(timezone.utc))

    booked = times_count(client.get(path).get_data(as_text=True))

    assert widened > before
    assert booked == widened - 1


def test_someone_with_a_session_gets_a_page_of_their_own(site, client):
    app, service_id, path, _ = site
    client.get(path)
    with app.app_context():
        db.session.execute(text("UPDATE service SET name = 'Gentle massage' WHERE id = :id"), {"id": service_id})
        db.session.commit()
    client.set_cookie("session", "anything")

    statements = statements_while(app, lambda: client.get(path))

    assert len(statements) > 1


def test_a_page_that_wrote_to_the_session_is_not_kept(site, client, monkeypatch):
    app, service_id, path, _ = site
    real_render = pages.render_times

    def render_with_a_token(*args, **kwargs):
        session["csrf_token"] = "this visitor's"
        return real_render(*args, **kwargs)

    monkeypatch.setattr(pages, "render_times", render_with_a_token)
    client.get(path)
    monkeypatch.setattr(pages, "render_times", real_render)
    fresh = app.test_client()

    statements = statements_while(app, lambda: fresh.get(path))

    assert len(statements) > 1


def test_each_language_has_its_own_page(site, client):
    _, _, path, _ = site
    english = client.get(path, headers={"Accept-Language": "en-GB"}).get_data(as_text=True)

    spanish = client.get(path, headers={"Accept-Language": "es-ES"}).get_data(as_text=True)

    assert 'lang="es-ES"' in spanish and 'lang="en-GB"' in english


def test_a_kept_page_is_not_served_past_the_client_s_midnight(site, client, monkeypatch):
    _, _, path, _ = site
    london = ZoneInfo(ZONE)
    evening = datetime.combine(datetime.now(london).date(), time(23, 59), london)
    monkeypatch.setattr(pages, "now", lambda: evening.astimezone(timezone.utc))
    client.get(path)
    kept = client.get(path).get_data(as_text=True)

    monkeypatch.setattr(pages, "now", lambda: (evening + timedelta(minutes=2)).astimezone(timezone.utc))
    next_day = client.get(path).get_data(as_text=True)

    first_day = re.compile(r'name="from" value="([\d-]+)"')
    assert first_day.search(next_day).group(1) > first_day.search(kept).group(1)
