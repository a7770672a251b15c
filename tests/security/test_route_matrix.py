"""Every admin route, requested as a visitor, another practice's owner, a practitioner of the same practice and the owner.

A route added without a line in ADMIN_ROUTES fails test_every_admin_route_is_classified
until someone decides who may use it.
"""
import shutil
from datetime import date, datetime, time, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from practice import create_app
from practice.accounts import invitations
from practice.accounts.models import Invitation, Practice, Role
from practice.booking.models import Booking
from practice.catalog.models import Service, ServiceStatus
from practice.clients.models import Client
from practice.extensions import db
from practice.intake import service as intake
from practice.intake.models import ErasureRequest, IntakeForm, IntakeFormVersion, IntakeResponse, ServiceIntakeForm
from practice.notifications.models import OutboxMessage, OutboxStatus
from practice.payments.models import Payment, Refund
from practice.payments.states import PaymentStatus
from practice.scheduling.models import DateOverride, TimeOff, WeeklyHours
from practice.security.audit import Actor
from tests.conftest import BASE_TEST_CONFIG
from tests.factories import log_in_as, make_booking, make_outbox_message, make_practitioner, make_service, make_weekly_hours

#: Any logged-in practitioner, on what their role lets them see.
MEMBER = "member"
#: The practice's owner alone: settings, team, audit trail. Anyone else logged in gets 404.
OWNER = "owner"
#: One row named in the URL: its practice's owner and the practitioner it belongs to; anyone else 404.
ROW = "row"
#: A row of the practice as a whole (an invitation): its owner alone.
PRACTICE_ROW = "practice row"
#: An intake: the practitioner who holds the booking alone — not even the practice's owner.
HOLDER = "holder"

ADMIN_ROUTES = {
    ("GET", "/admin/"): MEMBER,
    ("GET", "/admin/profile"): MEMBER,
    ("POST", "/admin/profile"): MEMBER,
    ("GET", "/admin/services"): MEMBER,
    ("GET", "/admin/services/new"): MEMBER,
    ("POST", "/admin/services/new"): MEMBER,
    ("GET", "/admin/availability"): MEMBER,
    ("POST", "/admin/availability/weekly"): MEMBER,
    ("POST", "/admin/availability/overrides"): MEMBER,
    ("POST", "/admin/availability/time-off"): MEMBER,
    ("GET", "/admin/emails/"): MEMBER,
    ("GET", "/admin/practice"): OWNER,
    ("POST", "/admin/practice"): OWNER,
    ("GET", "/admin/team"): OWNER,
    ("POST", "/admin/team/invitations"): OWNER,
    ("GET", "/admin/audit/"): OWNER,
    ("POST", "/admin/team/invitations/<int:invitation_id>/withdraw"): PRACTICE_ROW,
    ("GET", "/admin/services/<int:service_id>/edit"): ROW,
    ("POST", "/admin/services/<int:service_id>/edit"): ROW,
    ("POST", "/admin/services/<int:service_id>/publish"): ROW,
    ("POST", "/admin/services/<int:service_id>/unpublish"): ROW,
    ("POST", "/admin/services/<int:service_id>/archive"): ROW,
    ("POST", "/admin/services/<int:service_id>/restore"): ROW,
    ("POST", "/admin/availability/weekly/<int:range_id>/remove"): ROW,
    ("POST", "/admin/availability/overrides/<int:override_id>/remove"): ROW,
    ("POST", "/admin/availability/time-off/<int:time_off_id>/remove"): ROW,
    ("GET", "/admin/availability/services/<int:service_id>"): ROW,
    ("POST", "/admin/availability/services/<int:service_id>/own-hours"): ROW,
    ("POST", "/admin/availability/services/<int:service_id>/sessions"): ROW,
    ("POST", "/admin/availability/services/<int:service_id>/sessions/<int:session_id>/remove"): ROW,
    ("POST", "/admin/availability/services/<int:service_id>/weekly"): ROW,
    ("POST", "/admin/availability/services/<int:service_id>/weekly/<int:range_id>/remove"): ROW,
    ("GET", "/admin/bookings/<int:booking_id>"): ROW,
    ("POST", "/admin/bookings/<int:booking_id>/cancel"): ROW,
    ("GET", "/admin/bookings/<int:booking_id>/reschedule"): ROW,
    ("GET", "/admin/bookings/<int:booking_id>/reschedule/confirm"): ROW,
    ("POST", "/admin/bookings/<int:booking_id>/reschedule"): ROW,
    ("GET", "/admin/emails/<int:message_id>"): ROW,
    ("GET", "/admin/emails/<int:message_id>/html"): ROW,
    ("POST", "/admin/emails/<int:message_id>/send-again"): ROW,
    ("GET", "/admin/forms/"): MEMBER,
    ("POST", "/admin/forms/new"): MEMBER,
    ("GET", "/admin/forms/<int:form_id>"): ROW,
    ("POST", "/admin/forms/<int:form_id>"): ROW,
    ("POST", "/admin/forms/<int:form_id>/archive"): ROW,
    ("GET", "/admin/forms/<int:form_id>/preview"): ROW,
    ("POST", "/admin/forms/<int:form_id>/services"): ROW,
    ("POST", "/admin/forms/<int:form_id>/sections"): ROW,
    ("GET", "/admin/forms/<int:form_id>/sections/<section_key>"): ROW,
    ("POST", "/admin/forms/<int:form_id>/sections/<section_key>"): ROW,
    ("POST", "/admin/forms/<int:form_id>/sections/<section_key>/delete"): ROW,
    ("POST", "/admin/forms/<int:form_id>/sections/<section_key>/move"): ROW,
    ("GET", "/admin/forms/<int:form_id>/sections/<section_key>/questions/new"): ROW,
    ("POST", "/admin/forms/<int:form_id>/sections/<section_key>/questions/new"): ROW,
    ("GET", "/admin/forms/<int:form_id>/questions/<question_key>"): ROW,
    ("POST", "/admin/forms/<int:form_id>/questions/<question_key>"): ROW,
    ("POST", "/admin/forms/<int:form_id>/questions/<question_key>/delete"): ROW,
    ("POST", "/admin/forms/<int:form_id>/questions/<question_key>/move"): ROW,
    ("GET", "/admin/intake/<int:response_id>"): HOLDER,
    ("GET", "/admin/intake/<int:response_id>/print"): HOLDER,
    ("GET", "/admin/intake/<int:response_id>/export"): HOLDER,
    ("GET", "/admin/erasure-requests/"): MEMBER,
    ("POST", "/admin/erasure-requests/<int:request_id>/confirm"): ROW,
    ("GET", "/admin/payments/"): MEMBER,
    ("GET", "/admin/payments.csv"): MEMBER,
    ("POST", "/admin/payments/<int:payment_id>/refund"): ROW,
}

ACTORS = ("visitor", "other practice's owner", "practitioner of the practice", "owner")


def admin_routes(app) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/admin")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_admin_route_is_classified(app):
    unclassified = admin_routes(app) - set(ADMIN_ROUTES)
    gone = set(ADMIN_ROUTES) - admin_routes(app)

    assert not unclassified, f"decide who may use these routes and add them to ADMIN_ROUTES: {sorted(unclassified)}"
    assert not gone, f"these routes no longer exist: {sorted(gone)}"


def _rows_of(practitioner, now: datetime) -> dict:
    """One of everything a practitioner owns, as URL values."""
    service = make_service(practitioner, name=f"{practitioner.name}'s service", status=ServiceStatus.published)
    own = make_service(practitioner, name=f"{practitioner.name}'s circle", capacity=6, own_hours=True)
    make_weekly_hours(practitioner, weekdays=range(7), start=time(8), end=time(20))
    weekly = db.session.scalar(select(WeeklyHours.id).where(WeeklyHours.practitioner_id == practitioner.id).limit(1))
    override = DateOverride(practitioner_id=practitioner.id, day=date.today() + timedelta(days=30))
    session = DateOverride(
        practitioner_id=practitioner.id, service_id=own.id, day=date.today() + timedelta(days=31),
        start_time=time(19), end_time=time(21),
    )
    own_weekly = WeeklyHours(practitioner_id=practitioner.id, service_id=own.id, weekday=3, start_time=time(19), end_time=time(21))
    away = TimeOff(practitioner_id=practitioner.id, starts_at=now + timedelta(days=40), ends_at=now + timedelta(days=41))
    db.session.add_all([override, session, own_weekly, away])
    db.session.commit()
    start = (now + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    booking = make_booking(
        service, start, client_name=f"{practitioner.name}'s client", client_email=f"client-of-{practitioner.id}@example.org",
        client_note="private words",
    )
    message = make_outbox_message(
        practitioner, booking_id=booking.id, recipient=f"client-of-{practitioner.id}@example.org", status=OutboxStatus.failed
    ).id
    form = intake.create_form(practitioner, template="massage", now=now)
    intake.set_services_asking(form, [service.id])
    intake.save_page(booking, form.id, 0, {"q-bleeding_now": ["heavy"]}, now=now)
    response = db.session.scalar(select(IntakeResponse.id).where(IntakeResponse.booking_id == booking.id))
    erasure = ErasureRequest(
        practice_id=booking.practice_id, practitioner_id=practitioner.id, client_id=booking.client_id,
        booking_id=booking.id, requested_at=now,
    )
    payment = Payment(
        practice_id=booking.practice_id, practitioner_id=practitioner.id, booking_id=booking.id, client_id=booking.client_id,
        amount_cents=2000, currency="GBP", status=PaymentStatus.succeeded, payment_intent_id=f"pi_matrix_{booking.id}",
        created_at=now, expires_at=now, paid_at=now,
    )
    db.session.add_all([erasure, payment])
    db.session.commit()
    return {
        "payment_id": payment.id,
        "form_id": form.id, "section_key": "recovery", "question_key": "bleeding_now", "response_id": response,
        "request_id": erasure.id,
        "service_id": service.id, "range_id": weekly, "override_id": override.id, "time_off_id": away.id,
        "booking_id": booking.id, "message_id": message, "own_service": own.id, "session_id": session.id,
        "own_range_id": own_weekly.id,
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def sqlite_world_file(tmp_path_factory, sqlite_template):
    """The SQLite world built once, as a file to copy, and its ids: building it is most of a case's cost."""
    path = tmp_path_factory.mktemp("matrix") / "world.sqlite3"
    shutil.copy(sqlite_template, path)
    app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    world = _build_world(app)
    with app.app_context():
        # Closing every connection folds the WAL into the file, so a copy holds the whole world.
        db.engine.dispose()
    return path, world


@pytest.fixture(scope="module")
def unchanged_sqlite_world(tmp_path_factory, sqlite_world_file):
    """One copy of the world for every SQLite case that cannot change it."""
    world = _copied_world(sqlite_world_file, tmp_path_factory.mktemp("unchanged"))
    yield world
    with world.app.app_context():
        db.engine.dispose()


@pytest.fixture
def world(request, backend, make_app, tmp_path):
    """A world of its own for a case that may change it (an allowed POST) or that runs on PostgreSQL; the shared one otherwise.

    A refused request changes nothing (each case asserts it), and an allowed GET only adds audit entries.
    """
    case = getattr(request.node, "callspec", None)
    params = case.params if case else {}
    if backend == "postgresql":
        yield _build_world(make_app(backend))
    elif "rule" in params and not _may_change(**{k: params[k] for k in ("method", "rule", "actor", "whose")}):
        yield request.getfixturevalue("unchanged_sqlite_world")
    else:
        copied = _copied_world(request.getfixturevalue("sqlite_world_file"), tmp_path)
        yield copied
        with copied.app.app_context():
            db.engine.dispose()


def _copied_world(world_file, folder) -> SimpleNamespace:
    """The built world in a copy of its file, served by an app of its own: the same ids, people and rows."""
    path, built = world_file
    copy = folder / "world.sqlite3"
    shutil.copy(path, copy)
    app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{copy}"})
    return SimpleNamespace(**{**vars(built), "app": app})


def _may_change(method: str, rule: str, actor: str, whose: str) -> bool:
    return method != "GET" and _expected(ADMIN_ROUTES[(method, rule)], actor, whose) == "allowed"


def _build_world(app) -> SimpleNamespace:
    """Practice A (an owner and a practitioner, each with one of everything, and an open invitation); practice B's owner."""
    now = datetime.now(timezone.utc)
    with app.app_context():
        owner = make_practitioner(name="Owner", min_notice_minutes=0)
        practice = db.session.get(Practice, owner.practice_id)
        member = make_practitioner(practice=practice, role=Role.practitioner, name="Member")
        stranger = make_practitioner(name="Stranger")
        rows = {"owner": _rows_of(owner, now), "member": _rows_of(member, now)}
        invitation = invitations.invite(
            practice.id, "newcomer@example.org", actor=Actor(owner.id, practice.id, True), secret_key="test-secret", now=now
        )
        return SimpleNamespace(
            app=app,
            rows=rows,
            invitation_id=invitation.id,
            people={"owner": owner, "practitioner of the practice": member, "other practice's owner": stranger},
        )


def logged_in_client(world, actor: str):
    client = world.app.test_client()
    if actor != "visitor":
        with world.app.app_context():
            log_in_as(client, db.session.merge(world.people[actor]))
    return client


def _url(rule: str, values: dict, invitation_id: int) -> str:
    row_values = {**values, "invitation_id": invitation_id}
    if "/availability/services/" in rule:
        row_values = {**row_values, "service_id": values["own_service"], "range_id": values["own_range_id"]}
    url = rule
    for name, value in row_values.items():
        url = url.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
    assert "<" not in url, url
    return url


def _snapshot(app) -> tuple:
    """Everything a forbidden request might try to change."""
    with app.app_context():
        return (
            tuple(db.session.execute(select(Service.id, Service.name, Service.status, Service.own_hours).order_by(Service.id))),
            tuple(db.session.execute(select(Booking.id, Booking.status, Booking.starts_at).order_by(Booking.id))),
            db.session.scalar(select(func.count(WeeklyHours.id))),
            db.session.scalar(select(func.count(DateOverride.id))),
            db.session.scalar(select(func.count(TimeOff.id))),
            tuple(db.session.execute(select(Invitation.id, Invitation.revoked_at).order_by(Invitation.id))),
            tuple(db.session.execute(select(Practice.id, Practice.name).order_by(Practice.id))),
            tuple(db.session.execute(select(OutboxMessage.id, OutboxMessage.status).order_by(OutboxMessage.id))),
            tuple(db.session.execute(select(IntakeForm.id, IntakeForm.title, IntakeForm.archived_at).order_by(IntakeForm.id))),
            tuple(db.session.execute(select(IntakeFormVersion.id, IntakeFormVersion.definition_json).order_by(IntakeFormVersion.id))),
            tuple(db.session.execute(select(ServiceIntakeForm.service_id, ServiceIntakeForm.form_id).order_by(ServiceIntakeForm.form_id))),
            tuple(db.session.execute(select(ErasureRequest.id, ErasureRequest.completed_at).order_by(ErasureRequest.id))),
            tuple(db.session.execute(select(Client.id, Client.erased_at).order_by(Client.id))),
            db.session.scalar(select(func.count(IntakeResponse.id))),
            db.session.scalar(select(func.count(Refund.id))),
        )


def _expected(kind: str, actor: str, whose: str) -> str:
    if actor == "visitor":
        return "login"
    if kind == MEMBER:
        return "allowed"
    if kind == OWNER:
        # Another practice's owner reaches their own practice's page, never this one's.
        return "allowed" if actor in ("owner", "other practice's owner") else "not found"
    if kind == PRACTICE_ROW:
        return "allowed" if actor == "owner" else "not found"
    if kind == HOLDER:
        holder = "owner" if whose == "owner" else "practitioner of the practice"
        return "allowed" if actor == holder else "not found"
    if actor == "owner":
        return "allowed"
    if actor == "practitioner of the practice" and whose == "member":
        return "allowed"
    return "not found"


#: Every route as each actor on the owner's rows; row routes again on the practitioner's rows, as the
#: two people of the practice (a visitor and a stranger fare the same on either).
CASES = [
    (method, rule, actor, "owner") for (method, rule), kind in ADMIN_ROUTES.items() for actor in ACTORS
] + [
    (method, rule, actor, "member")
    for (method, rule), kind in ADMIN_ROUTES.items()
    if kind in (ROW, HOLDER)
    for actor in ("practitioner of the practice", "owner")
]


@pytest.mark.parametrize(
    ("method", "rule", "actor", "whose"), CASES, ids=[f"{m} {r} as {a} on {w}'s" for m, r, a, w in CASES]
)
def test_each_actor_gets_what_the_rule_says(world, method, rule, actor, whose):
    app = world.app
    client = logged_in_client(world, actor)
    before = _snapshot(app)

    response = client.open(_url(rule, world.rows[whose], world.invitation_id), method=method, data={})

    expected = _expected(ADMIN_ROUTES[(method, rule)], actor, whose)
    if expected == "login":
        assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
    elif expected == "not found":
        assert response.status_code == 404
    else:
        assert response.status_code < 500 and response.status_code not in (401, 403, 404), response.status_code
        assert "/login" not in response.headers.get("Location", "")
    if expected != "allowed":
        assert _snapshot(app) == before


@pytest.mark.parametrize("path", ["/admin/", "/admin/services", "/admin/emails/"])
def test_a_practitioner_sees_only_their_own_and_the_owner_sees_the_practice(world, path):
    as_member, as_owner, as_stranger = (
        logged_in_client(world, who) for who in ("practitioner of the practice", "owner", "other practice's owner")
    )

    members_page, owners_page, strangers_page = (c.get(path).data.decode() for c in (as_member, as_owner, as_stranger))

    owners_thing = "Owner&#39;s" if path != "/admin/emails/" else "client-of"
    assert "Member&#39;s" in owners_page or path == "/admin/emails/"
    assert owners_thing in owners_page
    assert "Owner&#39;s" not in members_page
    assert "Owner&#39;s" not in strangers_page and "Member&#39;s" not in strangers_page


def test_an_id_too_large_for_the_database_is_not_found(world):
    client = logged_in_client(world, "owner")

    assert client.get(f"/admin/bookings/{10**30}").status_code == 404
    assert client.get(f"/admin/services/{10**30}/edit").status_code == 404
