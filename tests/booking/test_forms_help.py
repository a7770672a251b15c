"""The booking details form helps: limits and required fields said up front, an error summary linked to each field, and a long note never lost."""
import re
from datetime import datetime, time, timedelta, timezone
from html.parser import HTMLParser
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from flask import render_template_string
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired

from practice.booking.models import Booking
from practice.booking.service import FIELD_LIMITS
from practice.extensions import db
from practice.timeformats import instant_for_url
from tests.factories import make_practitioner, make_service, make_weekly_hours, service_path

ZONE = "Europe/London"
KIND_NOTE_MESSAGE = "Your note is 10,000 characters; the limit is 2,000. Nothing you wrote is lost — please shorten it before you go on."


class Controls(HTMLParser):
    """A page's title, its form controls' attributes by id, textareas' text, and the error summary's links."""

    def __init__(self, html: str):
        super().__init__()
        self.title = ""
        self.controls: dict[str, dict] = {}
        self.text: dict[str, str] = {}
        self.summary_links: list[str] = []
        self.summary: dict | None = None
        self._in: str | None = None
        self._in_summary = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "title":
            self._in = "title"
        elif tag in ("input", "textarea", "select") and "id" in attrs:
            self.controls[attrs["id"]] = attrs
            if tag == "textarea":
                self._in = attrs["id"]
                self.text[self._in] = ""
        elif tag == "div" and "error-summary" in (attrs.get("class") or ""):
            self.summary, self._in_summary = attrs, True
        elif tag == "a" and self._in_summary:
            self.summary_links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag in ("title", "textarea"):
            self._in = None
        elif tag == "ul" and self._in_summary:
            self._in_summary = False

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in:
            self.text[self._in] += data

    def textarea(self, field_id: str) -> str:
        # As browsers do, drop the one newline that may open a textarea's text.
        return re.sub(r"^\r?\n", "", self.text[field_id])


def controls(response) -> Controls:
    return Controls(response.get_data(as_text=True))


@pytest.fixture
def offer(app):
    with app.app_context():
        practitioner = make_practitioner(timezone=ZONE, practice_name="Stillwater Practice", practice_slug="stillwater")
        make_weekly_hours(practitioner)
        service = make_service(practitioner, name="Grief counseling after pregnancy loss")
        day = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=3)
        start = datetime.combine(day, time(10), ZoneInfo(ZONE)).astimezone(timezone.utc)
        return SimpleNamespace(details=f"{service_path(service)}/details", start=instant_for_url(start))


def good_form(offer, **changes) -> dict:
    return {"start": offer.start, "timezone": ZONE, "name": "Jo Rivers", "email": "jo@example.org", "note": ""} | changes


def bookings(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Booking))


def test_every_details_field_says_its_limit_and_how_the_browser_may_fill_it(client, offer):
    page = controls(client.get(offer.details, query_string={"start": offer.start}))

    expected_autocomplete = {
        "name": "name", "preferred_name": "nickname", "pronouns": "off", "email": "email", "phone": "tel", "note": "off",
    }
    for field, autocomplete in expected_autocomplete.items():
        assert page.controls[field]["maxlength"] == str(FIELD_LIMITS[field]), field
        assert page.controls[field]["autocomplete"] == autocomplete, field


def test_only_name_and_email_are_required(client, offer):
    page = controls(client.get(offer.details, query_string={"start": offer.start}))

    required = {field for field, attrs in page.controls.items() if "required" in attrs}
    aria_required = {field for field, attrs in page.controls.items() if attrs.get("aria-required") == "true"}
    assert required == aria_required == {"name", "email"}


def test_the_note_shows_its_limit_and_has_a_place_for_the_live_count(client, offer):
    response = client.get(offer.details, query_string={"start": offer.start})

    html = response.get_data(as_text=True)
    note = controls(response).controls["note"]
    assert "Up to 2,000 characters." in html
    assert note["data-count"] == "note-count"
    assert "note-count" in note["aria-describedby"].split() and "note-hint" in note["aria-describedby"].split()
    assert re.search(r'<div class="char-count" id="note-count"[^>]*hidden>', html)
    assert 'aria-live="polite"' in html
    assert 'src="/static/forms.js"' in html


def test_the_title_names_the_practice_never_the_service(client, offer):
    page = controls(client.get(offer.details, query_string={"start": offer.start}))

    assert page.title == "Your details · Stillwater Practice"
    assert page.summary is None


def test_bad_details_are_summed_up_first_with_a_link_to_each_field(app, client, offer):
    response = client.post(offer.details, data=good_form(offer, name="", email="jo@@example", pronouns="x" * 41))

    assert response.status_code == 422
    page = controls(response)
    assert page.title.startswith("Error: Your details · Stillwater Practice")
    assert page.summary["role"] == "alert" and page.summary["tabindex"] == "-1"
    assert page.summary_links == ["#name", "#pronouns", "#email"]
    html = response.get_data(as_text=True)
    assert html.index("error-summary") < html.index('name="name"')
    assert "Your name: Please tell us your name." in html
    assert bookings(app) == 0


def test_a_hidden_fields_problem_is_summed_up_without_a_link(client, offer):
    response = client.post(offer.details, data=good_form(offer, timezone="Mars/Olympus"))

    assert response.status_code == 422
    assert controls(response).summary_links == []
    assert "<li>Please choose a timezone from the list.</li>" in response.get_data(as_text=True)


def test_a_ten_thousand_character_note_comes_back_whole_with_a_kind_word(app, client, offer):
    note = ("We lost our daughter at 22 weeks.\n" * 300)[:10_000]

    response = client.post(offer.details, data=good_form(offer, note=note))

    assert response.status_code == 422
    page = controls(response)
    assert page.textarea("note") == note
    assert page.controls["note"]["aria-invalid"] == "true"
    assert page.summary_links == ["#note"]
    html = response.get_data(as_text=True)
    assert f'<p class="error" id="note-error">{KIND_NOTE_MESSAGE}</p>' in html
    assert bookings(app) == 0


def test_the_field_macro_takes_limits_and_required_as_arguments_too(app):
    class Plain(FlaskForm):
        message = TextAreaField("Message")
        email = StringField("Email", [InputRequired()])

    with app.test_request_context():
        form = Plain(meta={"csrf": False})
        html = render_template_string(
            '{% from "_form_field.html" import field %}'
            '{{ field(form.message, "A hint.", "off", maxlength=500, required=True) }}'
            '{{ field(form.email, None, "email", required=False) }}',
            form=form,
        )

    page = Controls(html)
    message, email = page.controls["message"], page.controls["email"]
    assert (message["maxlength"], message["autocomplete"], message["aria-required"]) == ("500", "off", "true")
    assert "required" in message and "A hint. Up to 500 characters." in html
    assert "required" not in email and "aria-required" not in email and email["autocomplete"] == "email"
