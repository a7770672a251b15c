"""Security headers on every response: a strict Content-Security-Policy, nosniff, a referrer policy and HSTS."""
from flask import Flask, Response, current_app, make_response

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
#: A year, subdomains included: once a browser has seen it, it never tries plain http here again.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    # Only set when a page has none of its own: manage and reset links already send
    # `no-referrer`, and an email preview carries its own policy; the stricter one stays.
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
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


def install(app: Flask) -> None:
    app.after_request(add_security_headers)
