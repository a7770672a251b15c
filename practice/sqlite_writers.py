"""SQLite's writers take turns through a lock the kernel hands on the moment it is let go.

SQLite lets one transaction write at a time. One that finds the database locked sleeps and
tries again, for longer each time (1, 2, 5, 10 … ms, within busy_timeout), so with two bookings
at once the second often sleeps well past the moment the first committed. A transaction that
opens to write (BEGIN IMMEDIATE: extensions.begin_write_transaction) first takes an exclusive
flock on a file beside the database; the kernel wakes the next writer as soon as the turn ends,
right after the commit or the rollback. Only those transactions take turns: any other writer
still meets SQLite's own lock and its busy_timeout, as before.
"""
import fcntl
from pathlib import Path

#: Connection.info key: the open lock file while this connection holds the turn.
TURN = "tend.sqlite_writer_turn"


def take_turn(info: dict, database: str | None) -> None:
    """Wait for the turn to write to `database` (a file path), and note it in the connection's `info`."""
    if not database or database == ":memory:" or TURN in info:
        return
    # "a": created (privately, see security.file_modes) if missing, and never truncated.
    lock = Path(f"{database}-writers").open("a")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
    except BaseException:
        lock.close()
        raise
    info[TURN] = lock


def end_turn(info: dict) -> None:
    """Let the next writer in; closing the file lets go of its flock."""
    lock = info.pop(TURN, None)
    if lock is not None:
        lock.close()
