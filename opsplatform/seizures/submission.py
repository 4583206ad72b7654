"""A submitted seizure checked whole: its items, suspects and companies, the arrests they give, its status and the
reporting country's consent to a public highlight, every problem named by its field."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from opsplatform import checks, policy
from opsplatform.errors import FieldError, InvalidInput
from opsplatform.i18n import _
from opsplatform.models.seizures import SEIZURE_NOMINAL, SeizureStatus
from opsplatform.policy import Member
from opsplatform.seizures.validation import (
    MAX_COMPANIES,
    MAX_ITEMS,
    MAX_SUSPECTS,
    TEXT_LIMITS,
    Reference,
    check_company,
    check_item,
    check_seizure,
    check_suspect,
)

ENTRY_STATUSES = (SeizureStatus.draft, SeizureStatus.submitted)


@dataclass
class Checked:
    seizure: dict[str, Any]  # the seizure's columns, but its nominal fields (in `nominal`)
    nominal: dict[str, Any]
    items: list[dict[str, Any]]
    suspects: list[dict[str, Any]] | None  # None: left out, the stored ones are kept
    companies: list[dict[str, Any]] | None
    status: str
    shared: bool | None
    publicity: dict[str, Any]  # publicity_approved / public_description when given (form, API); {} leaves them


def check_submission(ref: Reference, member: Member, raw: dict[str, Any], *, country: str) -> Checked:
    """Every problem in a seizure with its items, suspects and companies, named `field`, `items[i].field`,
    `suspects[i].field`, `companies[i].field`."""
    cleared = policy.sees_nominal(member, country)
    seizure, errors = check_seizure(ref, member.operation, raw, nominal_allowed=cleared)
    nominal = {name: seizure.pop(name) for name in SEIZURE_NOMINAL}
    items: list[dict[str, Any]] = []
    raw_items = raw.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        errors.append(FieldError("items", _("add at least one item (taxon, term, quantity)")))
        raw_items = []
    elif len(raw_items) > MAX_ITEMS:
        raise too_many("items")
    for n, raw_item in enumerate(raw_items):
        item, item_errors = check_item(ref, raw_item if isinstance(raw_item, dict) else {})
        item["item_no"] = item["item_no"] or n + 1
        errors += [FieldError(f"items[{n}].{e.field}", e.message) for e in item_errors]
        items.append(item)
    first: dict[Any, int] = {}
    for n, item in enumerate(items):
        if first.setdefault(item["item_no"], n) != n:
            errors.append(FieldError(f"items[{n}].item_no", _("item %(n)s is listed twice", n=item["item_no"])))
    suspects = _rows(raw, "suspects", errors, lambda row: check_suspect(ref, row, nominal_allowed=cleared),
                     _("must be a list of suspects"))
    companies = _rows(raw, "companies", errors, lambda row: check_company(ref, row, nominal_allowed=cleared),
                      _("must be a list of companies"))
    if suspects and not any(e.field == "suspects_arrested" for e in errors):
        _arrests_from_suspects(seizure, suspects, raw)
    status = raw.get("status") or SeizureStatus.submitted
    if status not in ENTRY_STATUSES:
        errors.append(FieldError("status", _("must be draft or submitted")))
    publicity = _publicity(raw, errors, policy.speaks_for_country(member, country))
    shared = _flag(raw, "shared_with_participants", errors)
    if errors:
        raise InvalidInput(errors)
    return Checked(seizure, nominal, items, suspects, companies, status, shared, publicity)


MOST = {"items": MAX_ITEMS, "suspects": MAX_SUSPECTS, "companies": MAX_COMPANIES}


def too_many(kind: str) -> InvalidInput:
    """A seizure sent with more items, suspects or companies than one holds (refused before any is checked)."""
    n = MOST[kind]
    return InvalidInput.one(kind, {
        "items": _("a seizure has at most %(n)s items; record the others as another seizure with the same place and "
                   "date", n=n),
        "suspects": _("a seizure has at most %(n)s suspects", n=n),
        "companies": _("a seizure has at most %(n)s companies", n=n)}[kind])


def _rows(raw: dict[str, Any], kind: str, errors: list[FieldError],
          check: Callable[[dict[str, Any]], tuple[dict[str, Any], list[FieldError]]],
          not_a_list: str) -> list[dict[str, Any]] | None:
    """A list of suspects or companies, each checked, its problems named `kind[i].field`; None when left out."""
    if raw.get(kind) is None:
        return None
    if not isinstance(raw[kind], list):
        errors.append(FieldError(kind, not_a_list))
        return []
    if len(raw[kind]) > MOST[kind]:
        raise too_many(kind)
    rows = []
    for n, row in enumerate(raw[kind]):
        clean, row_errors = check(row if isinstance(row, dict) else {})
        errors += [FieldError(f"{kind}[{n}].{e.field}", e.message) for e in row_errors]
        rows.append(clean)
    return rows


def _arrests_from_suspects(seizure: dict[str, Any], suspects: list[dict[str, Any]], raw: dict[str, Any]) -> None:
    """Arrests are typed once: the suspects listed give the count and the nationalities when these are left empty (a
    country that logs counts only lists no suspects; a count given is kept, as some listed may not be arrested)."""
    if raw.get("suspects_arrested") in (None, ""):
        seizure["suspects_arrested"] = len(suspects)
    if not seizure["suspect_nationalities"]:
        seizure["suspect_nationalities"] = list(dict.fromkeys(s["nationality"] for s in suspects if s["nationality"]))


def _flag(raw: dict[str, Any], name: str, errors: list[FieldError]) -> bool | None:
    """Yes or no as every input says it (true or false in JSON; yes, no, on, off, 1, 0 typed), None when left out;
    anything else is refused rather than read as no."""
    value = raw.get(name)
    if value is None or value == "":
        return None
    if (said := checks.yes_or_no(value)) is None:
        errors.append(FieldError(name, checks.yes_or_no_problem(value)))
    return said


def _publicity(raw: dict[str, Any], errors: list[FieldError], country_speaks: bool) -> dict[str, Any]:
    """The reporting country's consent to show this seizure as a highlight of the public release, in its words: only
    its focal points give it. Only the form and the API carry it (a sheet never does, so a re-import cannot withdraw
    a consent given)."""
    if "publicity_approved" not in raw and "public_description" not in raw:
        return {}
    if not country_speaks:
        errors.append(FieldError("publicity_approved", _("only the reporting country's focal points approve its "
                                                         "records for the public release")))
        return {}
    approved = bool(_flag(raw, "publicity_approved", errors))
    description = raw.get("public_description") or ""
    if not isinstance(description, str):
        errors.append(FieldError("public_description", _("must be text")))
        description = ""
    description = description.strip()
    if len(description) > TEXT_LIMITS["public_description"]:
        errors.append(FieldError("public_description", _("must be at most %(n)s characters",
                                                         n=TEXT_LIMITS["public_description"])))
    if approved and not description:
        errors.append(FieldError("public_description", _("is required to approve the seizure for the public release: "
                                                         "describe it as the press may print it, with no names")))
    return {"publicity_approved": approved, "public_description": description or None}
