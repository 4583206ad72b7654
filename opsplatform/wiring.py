"""What the parts of the app do for each other, wired once at start by every entry point (the web app, the command
line, the tests): the audit log and the daily figures on every commit, case exchange on seizure events. Explicit
rather than import side effects, so that the packages import one way and nothing depends on what was imported."""

from __future__ import annotations

from opsplatform.audit import recorder
from opsplatform.cases import hooks
from opsplatform.figures import upkeep


def install() -> None:
    """Idempotent: every call after the first changes nothing."""
    recorder.install()
    upkeep.install()
    hooks.install()
