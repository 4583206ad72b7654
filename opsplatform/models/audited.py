"""Markers shared by domain models."""


class Audited:
    """Every insert, update and delete of a model with this mixin is written to the audit log.

    Columns named in `__audit_redact__` (secrets, encrypted nominal data) are logged as changed, never by value.
    """

    __audit_redact__: frozenset[str] = frozenset()
