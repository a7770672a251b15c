"""Paying for a booking: confirm and pay, Stripe's return and cancel pages, and Stripe's webhook."""
import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from practice.booking import pages
from practice.booking import service as booking_service
from practice.booking.forms import ClientDetailsForm
from practice.booking.recovery import render_link_not_valid
from practice.extensions import csrf, limiter
from practice.i18n import current_locale
from practice.money import AmountError, parse_amount
from practice.payment_settings import online_payments_enabled
from practice.payments import gateway, service
from practice.payments.links import return_token
from practice.security.token_links import keep_link_private
from practice.timeformats import parse_instant

log = logging.getLogger(__name__)

bp = Blueprint("payments", __name__)


@bp.after_request
def _keep_links_private(response):
    if request.path.startswith("/pay/"):
        keep_link_private(response)
    return response


@bp.app_template_global("latest_payment_for")
def _latest_payment_for(booking):
    return service.latest_payment(booking.id)


@bp.app_template_global("payment_return_token")
def _payment_return_token(payment) -> str:
    return return_token(payment.idempotency_key)


@bp.app_template_global("stripe_status")
def _stripe_status(practitioner) -> service.StripeStatus:
    return service.stripe_status(practitioner.practice_id, current_app.config)


@bp.app_template_global("refund_policy_text")
def _refund_policy_text(practice) -> str:
    """The practice's refund policy, as the client reads it before paying or cancelling, in their language."""
    full_refund_hours, keep_percent = practice.full_refund_hours, practice.late_cancel_keep_percent
    if keep_percent == 0:
        return _("If you cancel, what you paid is refunded in full.")
    if keep_percent == 100:
        return ngettext(
            "Cancel at least %(num)s hour before your session for a full refund; later, what you paid is not refunded.",
            "Cancel at least %(num)s hours before your session for a full refund; later, what you paid is not refunded.",
            full_refund_hours,
        )
    return ngettext(
        "Cancel at least %(num)s hour before your session for a full refund; later, %(percent)s%% of what you paid is refunded.",
        "Cancel at least %(num)s hours before your session for a full refund; later, %(percent)s%% of what you paid is refunded.",
        full_refund_hours,
        percent=100 - keep_percent,
    )


@bp.app_template_global("refund_due_on_cancelling")
def _refund_due_on_cancelling(booking) -> int:
    return service.refund_due_on_cancelling(booking, now=pages.now())


@bp.post("/book/<practice_slug>/<slug>/<int:service_id>/pay")
@limiter.limit(pages.booking_rate_limit)
def pay(practice_slug: str, slug: str, service_id: int):
    chosen = pages.service_or_404(practice_slug, slug, service_id)
    form = ClientDetailsForm()
    start = parse_instant(form.start.data)
    zone = pages.client_zone(chosen.practice.timezone)
    if start is None:
        return pages.render_times(chosen, zone, 400, _("Please choose a time from the list."))
    try:
        client = booking_service.client_details_from(form.data, locale=current_locale())
        checkout = service.start_checkout(
            service_id=chosen.id,
            start=start,
            client=client,
            now=pages.now(),
            submission_key=pages.submission_key(form),
            chosen_amount=_chosen_amount(chosen),
        )
    except booking_service.BookingError as refused:
        return pages.render_refusal(chosen, form, start, zone, refused)
    except service.PaidAtVisit as refused:
        return pages.render_times(chosen, zone, 409, refused.message)
    except service.PaymentError as refused:
        if refused.field == "amount":
            return _render_confirm(chosen, form, client, start, 422, refused.message)
        return pages.render_times(chosen, zone, 503, refused.message)
    if not checkout.url:
        return redirect(url_for("booking.manage", token=_token(checkout.booking)), code=303)
    return redirect(checkout.url, code=303)


def _chosen_amount(chosen) -> int | None:
    if not chosen.pricing.is_sliding:
        return None
    try:
        return parse_amount(request.form.get("amount", ""), chosen.practice.currency)
    except AmountError as refused:
        raise service.PaymentError(str(refused), field="amount") from None


def _render_confirm(chosen, form, client, start, status: int, message: str):
    return (
        render_template(
            "booking/confirm.html", service=chosen, form=form, client=client, start=start, zone=client.timezone,
            amount_error=message, typed_amount=request.form.get("amount", ""),
        ),
        status,
    )


def _token(booking) -> str:
    return booking_service.manage_token(booking, current_app.config["SECRET_KEY"])


def _payment_or_404(token: str):
    payment = service.payment_for_return_token(token)
    if payment is None:
        abort(render_link_not_valid(None))
    return payment


@bp.get("/pay/<token>/return")
def returned(token: str):
    """Stripe sends the client here after paying: confirmed at once if Stripe says so, else "confirming…"."""
    payment = service.sync_with_stripe(_payment_or_404(token), now=pages.now())
    booking = payment.booking
    if booking.is_confirmed:
        flash(_("You're booked, and your payment is received. This page's link is yours to come back to."), "success")
        return redirect(url_for("booking.manage", token=_token(booking)), code=303)
    return render_template("payments/confirming.html", booking=booking, payment=payment, token=token)


@bp.get("/pay/<token>/not-paid")
def not_paid(token: str):
    """Stripe's "back" link: nothing was paid; the time stays held until the hold ends."""
    payment = service.sync_with_stripe(_payment_or_404(token), now=pages.now())
    booking = payment.booking
    if booking.is_confirmed:
        return redirect(url_for("booking.manage", token=_token(booking)), code=303)
    return render_template("payments/not_paid.html", booking=booking, payment=payment, token=token)


@bp.post("/pay/<token>/let-go")
def let_go(token: str):
    booking = _payment_or_404(token).booking
    service.let_go(booking, now=pages.now())
    if booking.is_confirmed:
        return redirect(url_for("booking.manage", token=_token(booking)), code=303)
    return redirect(url_for("booking.service_page", **pages.service_address(booking.service)), code=303)


@bp.post("/stripe/webhook")
@csrf.exempt
@limiter.exempt
def webhook():
    """Stripe's events: verified, recorded once, and acted on only after asking Stripe again."""
    if not online_payments_enabled(current_app.config):
        abort(404)
    try:
        event = gateway.verified_event(request.get_data(), request.headers.get("Stripe-Signature"))
    except ValueError:
        return {"error": "The signature could not be verified."}, 400
    try:
        outcome = service.handle_event(event, now=pages.now())
    except gateway.GatewayError:
        # Stripe delivers the event again later; nothing was recorded.
        log.warning("stripe event %s not handled: Stripe could not be asked again", event.id)
        return {"error": "Try again later."}, 503
    log.info("stripe event %s (%s): %s", event.id, event.type, outcome)
    return {"received": True, "outcome": outcome}
