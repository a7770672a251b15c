"""NUL characters, over-deep JSON and addresses our mail cannot reach: a clear 4xx, never a 500, nothing written."""
import pytest
from sqlalchemy import func, select

from practice.accounts.models import Practice, Practitioner
from practice.extensions import db
from practice.email_addresses import NOT_PLAIN_ADDRESS, unreachable_address_reason
from practice.security.input_checks import MAX_JSON_DEPTH, NUL_MESSAGE, json_nested_deeper_than
from tests.security.samples import booking_count, booking_request, details_form, make_offer

SIGNUP = {
    "name": "Rowan Hale",
    "practice_name": "Stillwater Practice",
    "practice_slug": "stillwater",
    "timezone": "Europe/London",
    "email": "rowan@example.org",
    "password": "a long enough password",
}
PROFILE = {"name": "Rowan Hale"}
UNREACHABLE_ADDRESSES = ["jösé@example.org", "用户@例子.广告"]


def practitioner_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Practitioner.id)))


def assert_plain_page(response, status: int, message: str) -> None:
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert message in response.get_data(as_text=True).replace("&#39;", "'")


def assert_json_error(response, status: int, message: str) -> dict:
    assert response.status_code == status
    body = response.get_json()
    assert body["error"] == message
    return body


# --- NUL characters ----------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["name", "email", "note", "timezone"])
def test_a_nul_in_the_details_form_is_refused(app, client, offer, field):
    response = client.post(f"{offer.path}/details", data=details_form(offer, **{field: "Jo\x00"}))

    assert_plain_page(response, 400, NUL_MESSAGE)


def test_a_nul_in_the_confirm_form_is_refused_and_nothing_is_booked(app, client, offer):
    response = client.post(f"{offer.path}/confirm", data=details_form(offer, note="see you\x00 then"))

    assert_plain_page(response, 400, NUL_MESSAGE)
    assert booking_count(app) == 0


def test_a_nul_in_a_form_field_name_is_refused(app, client, offer):
    response = client.post(f"{offer.path}/confirm", data=details_form(offer) | {"extra\x00": "x"})

    assert_plain_page(response, 400, NUL_MESSAGE)
    assert booking_count(app) == 0


def test_a_nul_at_sign_up_is_refused_and_no_account_is_made(app, client):
    response = client.post("/signup", data=SIGNUP | {"practice_name": "Still\x00water"})

    assert_plain_page(response, 400, NUL_MESSAGE)
    assert practitioner_count(app) == 0


def test_a_nul_at_login_is_refused(client, offer):
    response = client.post("/login", data={"email": offer.email + "\x00", "password": "anything at all"})

    assert_plain_page(response, 400, NUL_MESSAGE)


def test_a_nul_in_an_admin_form_is_refused_and_nothing_changes(app, client, logged_in):
    response = client.post("/admin/profile", data=PROFILE | {"slug": logged_in.slug, "bio": "Hello\x00"})

    assert_plain_page(response, 400, NUL_MESSAGE)
    with app.app_context():
        assert db.session.get(Practitioner, logged_in.practitioner_id).bio == ""


def test_a_nul_in_a_json_string_is_refused_and_nothing_is_booked(any_app):
    offer = make_offer(any_app)

    response = any_app.test_client().post("/api/v1/bookings", json=booking_request(offer, name="Jo\x00Rivers"))

    assert_json_error(response, 400, NUL_MESSAGE)
    assert booking_count(any_app) == 0


def test_a_nul_in_a_json_key_or_nested_value_is_refused(client, offer):
    for body in (booking_request(offer) | {"x\x00": 1}, booking_request(offer) | {"extra": [{"deep": ["a\x00"]}]}):
        assert_json_error(client.post("/api/v1/bookings", json=body), 400, NUL_MESSAGE)


def test_a_nul_in_a_query_string_is_refused(client, offer):
    assert_plain_page(client.get(f"{offer.path}?tz=Europe/London%00"), 400, NUL_MESSAGE)
    assert_json_error(client.get(f"/api/v1/slots?service={offer.id}%00"), 400, NUL_MESSAGE)


@pytest.mark.parametrize("path", ["/book/rowan%00hale", "/manage/abc%00def", "/reset/abc%00def"])
def test_a_nul_in_the_path_is_refused(client, path):
    assert_plain_page(client.get(path), 400, NUL_MESSAGE)


def test_a_nul_in_an_api_path_gets_a_json_error(client):
    assert_json_error(client.get("/api/v1/serv%00ices"), 400, NUL_MESSAGE)


# --- JSON nesting ------------------------------------------------------------------------------

DEEP_DOCUMENTS = {
    "arrays": "[" * 50_000 + "]" * 50_000,
    # 40,000 levels: 50,000 of {"a": would be over MAX_CONTENT_LENGTH, already a 413.
    "objects": '{"a":' * 40_000 + "1" + "}" * 40_000,
    "objects with empty keys": '{"":' * 50_000 + "1" + "}" * 50_000,
    "unclosed": "[" * 50_000,
}


@pytest.mark.parametrize("document", DEEP_DOCUMENTS.values(), ids=DEEP_DOCUMENTS.keys())
def test_json_nested_50_000_deep_gets_a_400_json_error(app, client, document):
    response = client.post("/api/v1/bookings", data=document, content_type="application/json")

    assert response.status_code == 400
    assert isinstance(response.get_json()["error"], str)
    assert booking_count(app) == 0


def test_over_deep_json_is_malformed_for_every_reader(app):
    with pytest.raises(ValueError):
        app.json.loads("[" * 50_000 + "]" * 50_000)
    with pytest.raises(ValueError):
        app.json.loads(("[" * 50_000 + "]" * 50_000).encode())


def test_json_nested_within_the_limit_still_books(app, client, offer):
    nested = 1
    for _ in range(MAX_JSON_DEPTH - 2):
        nested = [nested]

    response = client.post("/api/v1/bookings", json=booking_request(offer) | {"extra": nested})

    assert response.status_code == 201, response.get_json()


def test_brackets_inside_strings_do_not_count_as_nesting(app, client, offer):
    note = '[{"' * 200 + "\\" + '"'

    response = client.post("/api/v1/bookings", json=booking_request(offer, note=note))

    assert response.status_code == 201, response.get_json()


NESTING = [
    ("[]", 1),
    ('{"a": [1, {"b": []}]}', 4),
    ('["[[[[", "]]"]', 1),
    ('["\\"[[[["]', 1),
    ('{"k": "\\\\", "l": [[]]}', 3),
]


@pytest.mark.parametrize(("text", "depth"), NESTING)
def test_the_depth_scan_counts_only_real_brackets(text, depth):
    assert not json_nested_deeper_than(text, depth)
    assert json_nested_deeper_than(text, depth - 1)


# --- Addresses our mail cannot reach -----------------------------------------------------------


@pytest.mark.parametrize("address", UNREACHABLE_ADDRESSES)
def test_the_api_refuses_a_non_ascii_mailbox_with_a_plain_reason(app, client, offer, address):
    response = client.post("/api/v1/bookings", json=booking_request(offer, email=address))

    assert response.status_code == 422
    assert response.get_json()["fields"] == {"email": NOT_PLAIN_ADDRESS}
    assert booking_count(app) == 0


@pytest.mark.parametrize("address", UNREACHABLE_ADDRESSES)
def test_the_details_form_refuses_a_non_ascii_mailbox(client, offer, address):
    response = client.post(f"{offer.path}/details", data=details_form(offer, email=address))

    assert_plain_page(response, 422, NOT_PLAIN_ADDRESS)


def test_the_confirm_form_refuses_a_non_ascii_mailbox_and_books_nothing(app, client, offer):
    response = client.post(f"{offer.path}/confirm", data=details_form(offer, email=UNREACHABLE_ADDRESSES[0]))

    assert_plain_page(response, 422, NOT_PLAIN_ADDRESS)
    assert booking_count(app) == 0


def test_an_internationalised_domain_is_accepted(app, client, offer):
    response = client.post("/api/v1/bookings", json=booking_request(offer, email="jo@bücher.example"))

    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("address", UNREACHABLE_ADDRESSES)
def test_sign_up_refuses_a_non_ascii_mailbox(app, client, address):
    response = client.post("/signup", data=SIGNUP | {"email": address})

    assert_plain_page(response, 422, NOT_PLAIN_ADDRESS)
    assert practitioner_count(app) == 0


def test_the_practice_settings_refuse_a_non_ascii_contact_address(app, client, logged_in):
    response = client.post("/admin/practice", data={"contact_email": "jösé@example.org"})

    assert_plain_page(response, 422, NOT_PLAIN_ADDRESS)
    with app.app_context():
        assert db.session.get(Practice, logged_in.practice_id).contact_email != "jösé@example.org"


ADDRESSES = [
    ("jo@example.org", None),
    ("jo@bücher.example", None),
    ("jösé@example.org", NOT_PLAIN_ADDRESS),
    ("用户@例子.广告", NOT_PLAIN_ADDRESS),
    ("no at sign ö", None),
]


@pytest.mark.parametrize(("address", "reason"), ADDRESSES)
def test_only_a_non_ascii_mailbox_is_unreachable(address, reason):
    assert unreachable_address_reason(address) == reason
