"""Hashing passwords with scrypt, one at a time per process."""
import threading

from werkzeug.security import check_password_hash, generate_password_hash

#: scrypt is slow on purpose (about a tenth of a second of a core, and 32 MB, each). Hashing
#: one at a time per process leaves the other cores to bookings: a storm of failed logins
#: queues behind itself instead of starving every other request.
_ONE_AT_A_TIME = threading.BoundedSemaphore(1)


def hash_password(password: str) -> str:
    with _ONE_AT_A_TIME:
        return generate_password_hash(password, method="scrypt")


def password_matches(password_hash: str, password: str) -> bool:
    with _ONE_AT_A_TIME:
        return check_password_hash(password_hash, password)
