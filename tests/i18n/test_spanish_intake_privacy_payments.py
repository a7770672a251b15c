"""The client's intake, privacy and payment pages in Spanish: a browser that asks for Spanish reads
Tend's own words in Spanish, around the practice's own form, and no stray English sentence."""
import re
from datetime import UTC, datetime, time, timedelta
from html import unescape
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from practice.booking.models import Booking
from practice.booking.service import manage_token
from practice.booking.states import BookingStatus, HoldReason
from practice.catalog.models import Service
from practice.catalog.pricing import PaymentMode
from practice.extensions import db
from practice.intake import service as intake
from practice.intake.definitions import Attention, Condition, Flag, FormDefinition, Question, QuestionType, Section
from practice.payments.links import return_token
from practice.payments.models import Payment, Refund
from practice.payments.states import CARD_DECLINED, PaymentStatus, RefundReason, RefundStatus
from practice.timeformats import instant_for_url
from tests.factories import make_booking, make_practitioner, make_service, make_weekly_hours, service_path

ZONE = "Europe/London"
SPANISH = {"Accept-Language": "es-ES,es;q=0.9"}
#: Words that give an English sentence away; the test data's names below hold none of them.
ENGLISH_WORDS = ("the", "your", "you", "please", "with")
NOW = datetime.now(UTC).replace(microsecond=0)
SESSION = NOW + timedelta(days=3)
STRIPE_KEYS = {"STRIPE_SECRET_KEY": "sk_live_not_used", "STRIPE_WEBHOOK_SECRET": "whsec_not_used"}

#: A form the practice wrote in Spanish: its questions are the practice's words, the page around them Tend's.
FORM = FormDefinition(
    title="Antes de vernos",
    sections=(
        Section(
            key="sobre",
            title="Sobre usted",
            questions=(
                Question("nombre", QuestionType.short_text, "Su nombre", required=True),
                Question(
                    "caminar", QuestionType.yes_no, "¿Salió a caminar hoy?", allow_decline=True,
                    flag=Flag(Attention.check_before_session, "Caminó", values=("yes",), shows_crisis_resources=True),
                ),
                Question("donde", QuestionType.short_text, "¿Por dónde?", condition=Condition("caminar", "yes")),
                Question("horas", QuestionType.number, "¿Cuántas horas durmió?", allow_decline=True),
            ),
        ),
        Section(
            key="firma",
            title="Firma",
            questions=(Question("acuerdo", QuestionType.consent, "Nuestro acuerdo", required=True, statement="Acepto cuidarme."),),
        ),
    ),
)
FIRST_PAGE = {"q-nombre": ["Ana"], "q-caminar": ["yes"], "q-donde": ["Por el río"], "q-horas": ["7"]}
SIGNED = {"q-acuerdo-name": ["Ana Ruiz"], "q-acuerdo-agree": ["yes"]}


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def assert_spanish(html: str, *phrases: str) -> None:
    text = visible_text(html)
    for phrase in phrases:
        assert phrase in text, f"{phrase!r} not in: {text}"
    words = f" {text.lower()} "
    english = [word for word in ENGLISH_WORDS if f" {word} " in words]
    assert not english, f"English words {english} in: {text}"


def spanish(client, path: str, *, status: int = 200, method: str = "get", **kwargs) -> str:
    response = getattr(client, method)(path, headers=SPANISH, **kwargs)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


def payment_section(html: str) -> str:
    """The payment card of the confirm or manage page (the rest of those pages is the booking area's)."""
    return re.search(r'<section class="card" aria-labelledby="payment-title">.*?</section>', html, re.S).group(0)


def practice_with_form(app, **service_overrides) -> SimpleNamespace:
    """Lucía Ferrer of Consulta Remanso, open every day, whose service asks for FORM."""
    with app.app_context():
        practitioner = make_practitioner(
            name="Lucía Ferrer", practice_name="Consulta Remanso", practice_slug="remanso", timezone=ZONE,
            contact_email="hola@remanso.example", crisis_resources="Línea Sauce: 0800 000 111, de día o de noche.",
        )
        make_weekly_hours(practitioner)
        offered = make_service(practitioner, name="Acompañamiento en el duelo", location_detail="Calle Mayor 1", **service_overrides)
        form = intake.create_form(practitioner, template="", title="Antes de vernos", now=NOW)
        intake.change_form(form, lambda _: FORM, now=NOW)
        intake.set_services_asking(form, [offered.id])
        return SimpleNamespace(practitioner_id=practitioner.id, service_id=offered.id, form_id=form.id, path=service_path(offered))


def booked(app, offer: SimpleNamespace, **overrides) -> SimpleNamespace:
    with app.app_context():
        booking = make_booking(
            db.session.get(Service, offer.service_id), SESSION, client_name="Ana Ruiz", client_email="ana@example.org", **overrides
        )
        return SimpleNamespace(
            id=booking.id, form_id=offer.form_id, intake=f"/intake/{intake.intake_token(booking)}",
            manage=f"/manage/{manage_token(booking, app.config['SECRET_KEY'])}",
        )


@pytest.fixture
def offer(app):
    return practice_with_form(app)


@pytest.fixture
def booking(app, offer):
    return booked(app, offer)


def add_payment(app, booking_id: int, *, status: PaymentStatus, **overrides) -> Payment:
    with app.app_context():
        booking = db.session.get(Booking, booking_id)
        payment = Payment(
            practice_id=booking.practice_id, practitioner_id=booking.practitioner_id, booking_id=booking.id,
            client_id=booking.client_id, amount_cents=2000, currency="GBP", status=status,
            created_at=NOW - timedelta(hours=1), expires_at=NOW + timedelta(minutes=30), **overrides,
        )
        db.session.add(payment)
        db.session.commit()
        db.session.refresh(payment)
        db.session.expunge(payment)
        return payment


# --- intake ------------------------------------------------------------------------------------


def test_the_forms_list_reads_in_spanish(client, booking):
    html = spanish(client, booking.intake)

    assert_spanish(
        html, "Antes de su sesión", "Lucía Ferrer le ha pedido que complete este formulario antes de su sesión.",
        "Antes de vernos Por completar Empezar “Antes de vernos”", "Sus respuestas se guardan en cada página",
    )


def test_an_intake_page_and_its_error_summary_read_in_spanish(client, booking):
    page = f"{booking.intake}/{booking.form_id}/0"

    shown = spanish(client, page)
    refused = spanish(client, page, status=422, method="post", data={"q-horas": ["muchas"]})

    assert_spanish(
        shown, "Paso 1 de 2", "Su nombre (obligatoria)", "Sí", "Prefiero no decirlo", "Guardar y continuar",
        "Solo si respondió “Sí” a “¿Salió a caminar hoy?”", "Volver a sus formularios",
    )
    assert_spanish(
        refused, "Hay algunas respuestas que conviene revisar", "Su nombre: Responda a esta pregunta.",
        "¿Cuántas horas durmió?: Escriba un número, por ejemplo 3 o 2,5.",
    )
    assert "<title>Error: Paso 1 de 2" in refused


def test_the_last_page_with_crisis_resources_and_the_sent_page_read_in_spanish(client, booking):
    pages = f"{booking.intake}/{booking.form_id}"
    client.post(f"{pages}/0", data=FIRST_PAGE, headers=SPANISH)

    last = spanish(client, f"{pages}/1")
    sent = client.post(f"{pages}/1", data=SIGNED, headers=SPANISH)
    thanks = spanish(client, sent.location)

    assert_spanish(
        last, "Si necesita apoyo ahora mismo", "Línea Sauce", "Paso 2 de 2", "Escriba su nombre completo", "Acepto",
        "Con fecha del", "Enviar a Lucía Ferrer", "Volver",
    )
    assert_spanish(
        thanks, "Gracias", "Sus respuestas a “Antes de vernos” se han enviado a Lucía Ferrer", "Qué sucede ahora",
        "Si necesita apoyo ahora mismo", "Para comunicarse con Consulta Remanso, escriba a hola@remanso.example",
    )


def test_a_closed_form_and_a_broken_link_read_in_spanish(app, client, offer):
    cancelled = booked(app, offer, status=BookingStatus.cancelled)

    closed = spanish(client, cancelled.intake, status=410)
    broken = spanish(client, "/intake/not-a-link", status=404)

    assert_spanish(closed, "Ya no es posible completar estos formularios", "Esta reserva se canceló")
    assert_spanish(broken, "Este enlace ha caducado o no es del todo correcto", "Compruebe que abrió el enlace completo")


# --- privacy -----------------------------------------------------------------------------------


def test_the_your_data_page_reads_in_spanish(app, client, booking):
    client.post(f"{booking.intake}/{booking.form_id}/0", data=FIRST_PAGE | {"q-horas": ["prefer_not_to_say"]})
    add_payment(app, booking.id, status=PaymentStatus.succeeded, paid_at=NOW - timedelta(hours=1))

    html = spanish(client, f"{booking.manage}/your-data")

    assert_spanish(
        html, "Su información", "Esto es todo lo que Consulta Remanso guarda sobre usted.", "Sobre usted",
        "Sus reservas", "Acompañamiento en el duelo con Lucía Ferrer", "Sus formularios", "Versión 1 · Comenzado",
        "¿Salió a caminar hoy? Sí", "¿Cuántas horas durmió? Prefiero no decirlo", "Nuestro acuerdo Sin responder",
        "No hay correos electrónicos.", "Pagos", "Pagado", "Pedir que se borre su información",
    )


def test_the_erasure_page_and_asking_read_in_spanish(client, booking):
    before = spanish(client, f"{booking.manage}/erasure")
    asked = spanish(client, f"{booking.manage}/erasure", method="post", follow_redirects=True)

    assert_spanish(
        before, "Borrar su información", "Qué se borra", "Qué se conserva",
        "Aunque no lo pida, Consulta Remanso borra su información por su cuenta 7 años después de su última sesión.",
        "Pedir que se borre mi información",
    )
    assert_spanish(asked, "Hemos hecho llegar su solicitud a su profesional", "Lo pidió el")


# --- payments ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pricing, phrases",
    [
        (
            {"payment_mode": PaymentMode.sliding, "price_cents": 6500, "sliding_min_cents": 3000, "sliding_max_cents": 9000},
            ("Esta sesión se ofrece con escala variable", "Lo que pagará (GBP)", "La cantidad sugerida es"),
        ),
        ({"payment_mode": PaymentMode.deposit, "price_cents": 6500, "deposit_cents": 2000}, ("Ahora pagará un depósito de",)),
    ],
    ids=["sliding", "deposit"],
)
def test_the_pay_step_reads_in_spanish(make_app, pricing, phrases):
    app = make_app(**STRIPE_KEYS)
    offer = practice_with_form(app, **pricing)
    start = datetime.combine(datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=3), time(10), ZoneInfo(ZONE))
    details = {"name": "Ana Ruiz", "email": "ana@example.org", "start": instant_for_url(start.astimezone(UTC)), "timezone": ZONE}

    html = spanish(app.test_client(), f"{offer.path}/details", method="post", data=details)

    assert_spanish(
        payment_section(html), "Pago", *phrases, "Pagará en la página segura de Stripe",
        "Le guardamos esta hora durante 30 minutos mientras paga.", "Cancele con al menos 48 horas de antelación",
    )


@pytest.mark.parametrize(
    "status, page, phrases",
    [
        (PaymentStatus.created, "not-paid", ("Todavía no ha pagado", "No se le cobró nada. Le guardamos esta hora", "Liberar esta hora y elegir otra")),
        (PaymentStatus.failed, "return", ("Su pago no se completó", "La tarjeta fue rechazada. No se le cobró nada.", "Seguimos guardándole esta hora")),
    ],
    ids=["not-paid", "declined"],
)
def test_the_pages_stripe_sends_back_to_read_in_spanish(app, client, offer, status, page, phrases):
    held = booked(app, offer, status=BookingStatus.held, hold_reason=HoldReason.payment, hold_expires_at=NOW + timedelta(minutes=30))
    payment = add_payment(app, held.id, status=status, failure_reason=CARD_DECLINED if status is PaymentStatus.failed else "")
    with app.app_context():
        token = return_token(payment.idempotency_key)

    assert_spanish(spanish(client, f"/pay/{token}/{page}"), *phrases)


def test_the_manage_pages_payment_and_information_sections_read_in_spanish(app, client, booking):
    payment = add_payment(app, booking.id, status=PaymentStatus.partially_refunded, paid_at=NOW - timedelta(hours=1), refunded_cents=500)
    with app.app_context():
        db.session.add(Refund(
            practice_id=payment.practice_id, practitioner_id=payment.practitioner_id, payment_id=payment.id, amount_cents=500,
            status=RefundStatus.succeeded, reason=RefundReason.by_practitioner, created_at=NOW,
        ))
        db.session.commit()

    html = spanish(client, booking.manage)
    information = re.search(r'<section class="card" aria-labelledby="your-information">.*?</section>', html, re.S).group(0)

    assert_spanish(payment_section(html), "Pagó 20,00 GBP el", "se paga en su visita", "Le reembolsamos 5,00 GBP: suele llegar a su cuenta")
    assert_spanish(information, "Puede ver todo lo que Consulta Remanso guarda sobre usted", "Ver lo que guardamos sobre usted")
