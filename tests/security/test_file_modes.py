"""Files the app and the worker create are readable by their owner only (umask 077)."""
import os
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def permissive_umask():
    """Start from the usual 022, and give the test process back the umask it had."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_file_created_in_the_instance_folder_after_create_app_is_the_owners_only(make_app, permissive_umask):
    app = make_app()
    path = Path(app.instance_path) / f".umask-check-{uuid.uuid4().hex}"
    try:
        path.write_text("a client's details")
        mode = stat.S_IMODE(path.stat().st_mode)
    finally:
        path.unlink()

    assert mode == 0o600


def test_importing_the_worker_sets_the_umask(permissive_umask):
    # A fresh process started with umask 022, as huey_consumer would be.
    result = subprocess.run(
        [sys.executable, "-c", "import os, practice.worker; print(oct(os.umask(0)))"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout.strip() == "0o77"


def test_make_worker_runs_the_consumer_under_umask_077():
    recipe = (PROJECT / "Makefile").read_text().split("\nworker:", 1)[1].split("\n\n", 1)[0]

    assert "umask 077 && $(BIN)/huey_consumer" in recipe
