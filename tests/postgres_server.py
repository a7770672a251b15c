"""A throwaway PostgreSQL server for the test session (Debian's PostgreSQL 15 binaries)."""
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


class PostgresUnavailable(Exception):
    """Why no PostgreSQL server could be had, in one line."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(*args: str) -> list[str]:
    # initdb refuses to run as root; Debian's server package creates the postgres user.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return list(args)


@contextmanager
def throwaway_postgres():
    """Yield the URL of a fresh server on a free loopback port; stop and delete it after."""
    if not PG_BIN_DIRS:
        raise PostgresUnavailable("PostgreSQL server binaries not found under /usr/lib/postgresql")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        raise PostgresUnavailable("runuser is missing, cannot start PostgreSQL as root")
    bin_dir = PG_BIN_DIRS[0]
    base = Path(tempfile.mkdtemp(prefix="tend-pg-"))
    data, sockets = base / "data", base / "sock"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(sockets, "postgres")
    port = _free_port()
    run = dict(check=True, capture_output=True, timeout=60)
    try:
        subprocess.run(_as_postgres(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"), **run)
        subprocess.run(
            _as_postgres(
                str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-l", str(base / "log"),
                "-o", f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
                "start",
            ),
            **run,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
        shutil.rmtree(base, ignore_errors=True)
        raise PostgresUnavailable(f"could not start PostgreSQL: {error}") from None
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_postgres(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"), capture_output=True, timeout=60)
        time.sleep(0.1)
        shutil.rmtree(base, ignore_errors=True)
