"""The booking pages in Spanish: a browser that asks for Spanish reads every step, from the practice
page to the manage link and the lost-link form, in Spanish and without a stray English sentence."""
import re
from datetime import UTC, datetime, time, timedelta
from html import unescape
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from flask import render_template
from sqlalchemy import select

from practice.accounts.models import Practice
from practice.booking import links, service
from practice.booking.models import Booking
from practice.catalog.models import Service
from practice.extensions import db
from tests.factories import make_booking, make_practitioner, make_service, make_weekly_hours, service_path

ZONE = "Europe/London"
SPANISH = {"Accept-Language": "es-ES,es;q=0.9"}
#: Words that give an English sentence away; the test data's names below hold none of them.
ENGLISH_WORDS = ("the", "your", "you", "booking", "please", "with")
#: Another area's part of the manage page, translated and checked with that area.
OTHER_AREAS = (re.compile(r'<section class="card" aria-labelledby="your-information">.*?</section>', re.S),)


@pytest.fixture
def offer(app):
    """A London practice open every day, with one session and its address to write to."""
    with app.app_context():
        practitioner = make_practitioner(
            timezone=ZONE, practice_name="Consulta Remanso", practice_slug="remanso", contact_email="hola@remanso.example",
            name="Lucía Ferrer", slug="lucia", cancellation_window_hours=24,
        )
        make_weekly_hours(practitioner)
        massage = make_service(practitioner, name="Masaje de recuperación", location_detail="Calle Mayor 1",
                               what_to_expect="Empezamos hablando un rato.")
        day = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=3)
        return SimpleNamespace(
            id=massage.id, path=service_path(massage), practice="/book/remanso", practitioner="/book/remanso/lucia",
            day=day, start=datetime.combine(day, time(10), ZoneInfo(ZONE)).astimezone(UTC),
        )


def spanish(client, path: str, *, status: int = 200, method: str = "get", **kwargs) -> str:
    response = getattr(client, method)(path, headers=SPANISH, **kwargs)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


def visible_text(html: str) -> str:
    for other in OTHER_AREAS:
        html = other.sub(" ", html)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def assert_spanish(html: str, *phrases: str) -> None:
    text = visible_text(html)
    for phrase in phrases:
        assert phrase in text, phrase
    words = f" {text.lower()} "
    english = [word for word in ENGLISH_WORDS if f" {word} " in words]
    assert not english, f"English words {english} in: {text}"


def slot(offer) -> str:
    return offer.start.strftime("%Y-%m-%dT%H:%MZ")


def details_form(offer, **changes) -> dict:
    return {"start": slot(offer), "timezone": ZONE, "name": "Ana Ruiz", "email": "ana@example.org", "note": ""} | changes


def booked_token(app, client, offer) -> str:
    """Book through the confirm step in Spanish; the manage token the confirmation page was sent to."""
    response = client.post(f"{offer.path}/confirm", data=details_form(offer, submission="s" * 20), headers=SPANISH)
    assert response.status_code == 303
    return re.search(r"/manage/([^/]+)/booked", response.headers["Location"]).group(1)


def test_the_practice_practitioner_and_service_pages_read_in_spanish(client, offer):
    assert_spanish(spanish(client, offer.practice), "Reservar una sesión", "¿Perdió su enlace?",
                   "60 minutos", "En persona", "¿Tiene alguna pregunta antes? Escriba a hola@remanso.example")
    assert_spanish(spanish(client, offer.practitioner), "Sesiones", "Masaje de recuperación")

    times = spanish(client, offer.path, query_string={"day": offer.day.isoformat()})

    assert_spanish(times, "Mostrar las horas en", "Elija un día", "8 horarios", "Fechas posteriores →", "Horas del",
                   "Puede cambiar o cancelar en línea hasta 24 horas antes de su sesión")


def test_the_details_confirm_and_booked_steps_read_in_spanish(app, client, offer):
    assert_spanish(spanish(client, f"{offer.path}/details", query_string={"start": slot(offer)}),
                   "Sus datos", "Su nombre", "Nombre preferido (opcional)", "Hasta 2.000 caracteres.", "Revisar la reserva")

    refused = spanish(client, f"{offer.path}/details", method="post", status=422,
                      data=details_form(offer, name="", email="ana@@example"))
    assert_spanish(refused, "Error: Sus datos", "Su nombre: Por favor, díganos su nombre.",
                   "Parece que ese correo electrónico no es correcto.")

    confirm = spanish(client, f"{offer.path}/details", method="post", data=details_form(offer))
    assert_spanish(confirm, "Revisar y confirmar", "Masaje de recuperación con Lucía Ferrer", "Confirmar la reserva",
                   "Cambiar los datos")

    booked = spanish(client, f"/manage/{booked_token(app, client, offer)}/booked")

    assert_spanish(booked, "Su reserva está confirmada", "Quién le atenderá", "Añadir a Google Calendar",
                   "Su enlace privado", "Ver, cambiar o cancelar su reserva")
    assert 'data-copied="Enlace copiado"' in booked and 'data-copy-label="Copiar el enlace"' in booked


def test_the_manage_change_details_reschedule_and_cancel_pages_read_in_spanish(app, client, offer):
    token = booked_token(app, client, offer)
    manage = f"/manage/{token}"

    assert_spanish(spanish(client, manage), "Su reserva", "Confirmada", "Cambiar la hora", "Cancelar esta reserva",
                   "Sí, cancelar esta reserva", "Cambiar sus datos", "Puede cambiar la hora o cancelar aquí hasta 24 horas")
    assert_spanish(spanish(client, f"{manage}/details"), "Sus datos", "¿Cómo podemos ponernos en contacto con usted?",
                   "Solo por correo electrónico")
    refused = spanish(client, f"{manage}/details", method="post", status=422, data={"contact_preference": "phone_ok"})
    assert_spanish(refused, "Por favor, añada un número de teléfono o elija «Solo por correo electrónico».")

    times = spanish(client, f"{manage}/reschedule", query_string={"day": offer.day.isoformat()})
    assert_spanish(times, "Elija una nueva hora", "Mantener mi hora actual")
    new_start = (offer.start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%MZ")
    assert_spanish(spanish(client, f"{manage}/reschedule/confirm", query_string={"start": new_start}),
                   "Revise la nueva hora", "Cambiar la hora de mi sesión")
    moved = client.post(f"{manage}/reschedule", data={"start": new_start, "timezone": ZONE}, headers=SPANISH)
    assert_spanish(spanish(client, moved.headers["Location"]), "Su sesión es ahora el")

    cancelled = client.post(f"{manage}/cancel", headers=SPANISH)
    assert_spanish(spanish(client, cancelled.headers["Location"]), "Su reserva está cancelada.", "Esta reserva está cancelada")


def test_inside_the_window_the_manage_page_gives_the_policy_and_the_grace_in_spanish(app, client, offer):
    with app.app_context():
        soon = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=3)
        booking = make_booking(db.session.get(Service, offer.id), soon, created_at=datetime.now(UTC))
        token = links.manage_token(booking.public_id, app.config["SECRET_KEY"])

    assert_spanish(spanish(client, f"/manage/{token}"), "Se pueden hacer cambios hasta 24 horas antes de su sesión.",
                   "póngase en contacto con Consulta Remanso escribiendo a hola@remanso.example",
                   "Como reservó hace solo unos minutos, todavía puede cancelar aquí hasta las")


def test_the_lost_link_pages_and_a_link_that_opens_nothing_read_in_spanish(app, client, offer):
    lost = f"{offer.practice}/lost-link"
    assert_spanish(spanish(client, lost), "Encontrar su reserva", "Su correo electrónico", "Enviarme mis enlaces")
    assert_spanish(spanish(client, lost, method="post", data={"email": "nadie@example.org"}),
                   "Revise su correo electrónico", "Si nadie@example.org tiene reservas próximas con Consulta Remanso")
    with app.test_request_context(headers=SPANISH), app.app_context():
        limited = render_template("booking/lost_link_limited.html", practice=db.session.scalar(select(Practice)))
    assert_spanish(limited, "Por favor, espere un poco antes de volver a pedirlo")

    assert_spanish(spanish(client, "/manage/not-a-link", status=404), "Este enlace ya no funciona",
                   "Recibir un enlace nuevo", "Escriba a hola@remanso.example y le ayudarán.")


def test_a_first_time_clients_email_confirmation_page_reads_in_spanish(app, client, offer):
    with app.app_context():
        db.session.scalar(select(Practice)).confirm_new_client_email = True
        db.session.commit()
        booking = service.book(service_id=offer.id, start=offer.start, now=datetime.now(UTC), from_client=True,
                               client=service.ClientDetails(name="Ana Ruiz", email="ana@example.org", timezone=ZONE))
        public_id = db.session.scalar(select(Booking.public_id).where(Booking.id == booking.id))
        confirm = links.email_confirmation_token(public_id, app.config["SECRET_KEY"])
        manage = links.manage_token(public_id, app.config["SECRET_KEY"])

    assert_spanish(spanish(client, f"/manage/{manage}"), "Casi listo: por favor, revise su correo electrónico",
                   "Pendiente de que confirme su correo electrónico", "Liberar esta hora")
    assert_spanish(spanish(client, f"/confirm-booking/{confirm}"), "Confirme su reserva", "Confirmar mi reserva")
