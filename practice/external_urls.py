"""The one builder of links that leave the site (emails, the API): every one starts at BASE_URL."""
from flask import current_app, url_for


def external_url(endpoint: str, **values) -> str:
    """An absolute URL built from BASE_URL, in a web request or a worker alike.

    Never from the request's Host header: whoever sends the request chooses it, and a reset
    or manage link pointing at their host would hand them the token.
    """
    # Flask builds URLs from a request's host and script root; a stand-in request carries BASE_URL.
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"] or None):
        return url_for(endpoint, _external=True, **values)
