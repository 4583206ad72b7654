"""Human names for coded values, translated at the moment they are shown."""

from __future__ import annotations

from opsplatform.i18n import _


def role_label(role: str) -> str:
    return {"admin": _("Administrator"), "coordinator": _("Coordinator"), "focal_point": _("National focal point"),
            "analyst": _("Analyst"), "press_officer": _("Press officer")}.get(role, role)


def phase_label(phase: str) -> str:
    return {"draft": _("Draft"), "planning": _("Planning"), "active": _("Active"), "reporting": _("Reporting"),
            "closed": _("Closed")}.get(phase, phase)
