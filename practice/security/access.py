"""How a model's rows are reached, declared on the model as `__access__` and read by security.authz."""
import enum


class Access(enum.Enum):
    #: A practitioner's own row (a booking, a service, an hour): theirs and the practice owner's.
    practitioner = "practitioner"
    #: A record of the practice as a whole (its settings, invitations, clients, audit trail): the owner's alone.
    practice = "practice"
    #: What a client told one practitioner (an intake): that practitioner's alone, not even the owner's.
    holder = "holder"
