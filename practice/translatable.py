"""N_(): marks a message for the catalogues without translating it (gettext_noop).

For words kept as they are where they are defined or stored (pure modules free of Flask,
constants, the database) and translated with gettext(message) where a client reads them.
"""


def N_(message: str) -> str:
    return message
