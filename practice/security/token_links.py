"""Pages whose URL is a bearer token (manage and reset links): kept out of caches and Referer headers."""
from flask import Response


def keep_link_private(response: Response) -> Response:
    """Whoever holds the link holds the booking or the account, so no cache may keep the page
    and no link followed from it may carry its address to another site."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
