"""The passwords people choose most often, from the list that zxcvbn ships."""
from functools import lru_cache


def is_common_password(password: str) -> bool:
    """Whether `password`, ignoring case, is among the ~30,000 most common leaked passwords."""
    return password.lower() in _common_passwords()


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    # Imported on first use, not with the app: importing zxcvbn builds its own ~12 MB of
    # dictionaries, and only sign-up and password reset need the list.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])
