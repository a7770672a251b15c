"""Public answers a browser may keep but must check again before showing: an ETag of the body, 304 while it matches."""
from flask import Response, request


def revalidated(response: Response) -> Response:
    """`response` with a strong ETag of its body, or 304 Not Modified when the browser already holds that body.

    No max-age: free times go stale with the clock as well as with bookings (a time slips inside
    the practice's notice, a payment hold lapses), so a kept copy is shown only once the server
    has confirmed it, and a time it offers is never one that booking would refuse as too soon.
    """
    if response.status_code != 200:
        return response
    response.headers["Cache-Control"] = "private, no-cache"
    response.add_etag()
    # Most requests hold no copy: answering them needs no more than the ETag.
    if not request.if_none_match:
        return response
    return response.make_conditional(request)
