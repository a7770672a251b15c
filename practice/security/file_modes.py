"""Files this process creates are readable and writable by its own user only."""
import os

#: Take every permission from group and others.
OWNER_ONLY_UMASK = 0o077


def keep_new_files_private() -> None:
    """Set the process's umask so new files are 0600 and new folders 0700.

    The SQLite database, the Huey queue file and the .eml files under instance/mail hold
    clients' names, addresses and notes; another account on the same machine must not read
    them, however the process was started (make, systemd, gunicorn, huey_consumer).
    """
    os.umask(OWNER_ONLY_UMASK)
