"""Behind TRUSTED_PROXIES reverse proxies, take the client's address and scheme from their X-Forwarded headers."""
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def trust_proxies(app: Flask) -> None:
    """Wrap the app in ProxyFix for TRUSTED_PROXIES hops; with 0, forwarded headers are ignored.

    X-Forwarded-For gives the rate limits the real client rather than the proxy, and
    X-Forwarded-Proto makes request.is_secure true behind a TLS-terminating proxy. The Host
    header is left as the proxy passes it (no x_host): links in emails come from BASE_URL, and
    a proxy that does not set X-Forwarded-Host would let any client choose it.
    """
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)
