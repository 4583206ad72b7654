"""Which edition of the reference data this process has written: caches of it (the validator's) read again at once
after a load or a checklist import here, and within seconds after one in another process (see their stamp)."""

from __future__ import annotations

_edition = 0


def changed() -> None:
    """The reference data was just written by this process."""
    global _edition
    _edition += 1


def current() -> int:
    return _edition
