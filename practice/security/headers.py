"""Security headers on every response: a strict Content-Security-Policy, nosniff, a referrer policy and HSTS."""
from flask import Flask, Response, current_app, make_response

from practice.payment_settings import online_payments_enabled

#: Our own files only: no inline script or style, no plugins, no framing by other sites,
#: and forms post only back here.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
#: An email's own HTML, framed by the Emails page: mail clients need inline styles, so it may
#: have those and embedded images, and nothing else — no script, no fetch, no form, no link out.
EMAIL_PREVIEW_POLICY = "; ".join(
    [
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        "img-src data:",
        "form-action 'none'",
        "frame-ancestors 'self'",
        "base-uri 'none'",
        "sandbox",
    ]
)
POLICY_KEY = "tend.content_security_policy"
#: A year, subdomains included: once a browser has seen it, it never tries plain http here again.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    # Only set when a page has none of its own: manage and reset links already send
    # `no-referrer`, and an email preview carries its own policy; the stricter one stays.
    headers.setdefault("Content-Security-Policy", current_app.extensions[POLICY_KEY])
    headers.setdefault("Referrer-Policy", "same-origin")
    headers["X-Content-Type-Options"] = "nosniff"
    # Sent only when the install says it is served over https (its cookies are Secure):
    # HSTS on a plain-http install would lock browsers out of it for a year.
    if current_app.config["SESSION_COOKIE_SECURE"]:
        headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    return response


def email_preview(html: str) -> Response:
    """An email's HTML as a page of its own, under EMAIL_PREVIEW_POLICY, kept out of caches."""
    response = make_response(html)
    response.headers["Content-Security-Policy"] = EMAIL_PREVIEW_POLICY
    response.headers["Cache-Control"] = "no-store"
    return response


def content_security_policy(form_targets: tuple[str, ...] = ()) -> str:
    """The policy, letting forms lead to `form_targets` too: a browser applies form-action to the redirect after a post."""
    if not form_targets:
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace("form-action 'self'", " ".join(("form-action 'self'", *form_targets)))


def install(app: Flask) -> None:
    # "Confirm and pay" posts here and is redirected to Stripe's Checkout page.
    checkout = (app.config["STRIPE_CHECKOUT_ORIGIN"],) if online_payments_enabled(app.config) else ()
    app.extensions[POLICY_KEY] = content_security_policy(checkout)
    app.after_request(add_security_headers)
