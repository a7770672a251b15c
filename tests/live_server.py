"""Serve a Flask app over real HTTP on a free loopback port, for the duration of a `with`."""
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Yield the base URL (http://127.0.0.1:<port>) of `app` served by a threaded server."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # A short poll: shutdown() waits up to one poll interval, half a second by default, at every test's end.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
