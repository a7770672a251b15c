"""Serve the project's app:app with gunicorn's sync workers on a free loopback port, configured by environment only."""
import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


class GunicornUnavailable(Exception):
    """Why gunicorn could not serve, in one line."""


@contextmanager
def gunicorn_serving(
    port: int, environment: dict[str, str], log_path: Path, *, workers: int = 2, ready_path: str = "/api/openapi.json"
) -> Iterator[str]:
    """Yield http://127.0.0.1:<port> once gunicorn answers `ready_path`; stop it (and its workers) after.

    The port is chosen by the caller, because BASE_URL in `environment` must already name it.
    """
    if not os.access(GUNICORN, os.X_OK):
        raise GunicornUnavailable(f"no gunicorn next to {sys.executable}")
    command = [
        str(GUNICORN), "--workers", str(workers), "--worker-class", "sync", "--bind", f"127.0.0.1:{port}",
        # Several servers may run at once (pytest-xdist): none may share the default control socket.
        "--no-control-socket",
        "app:app",
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env={**os.environ, **environment}, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        _wait_until_ready(process, port, ready_path, log_path)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(process)


def _wait_until_ready(process: subprocess.Popen, port: int, path: str, log_path: Path, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise GunicornUnavailable(f"gunicorn exited with {process.returncode}: {_last_line(log_path)}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.05)
    raise GunicornUnavailable(f"gunicorn did not answer {path} within {timeout:.0f}s: {_last_line(log_path)}")


def _stop(process: subprocess.Popen) -> None:
    # SIGINT is gunicorn's quick shutdown: a worker stuck on a half-sent request must not hold up the test.
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _last_line(log_path: Path) -> str:
    lines = [line for line in log_path.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"
