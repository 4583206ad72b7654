"""A stored seizure as raw input (what a form or a correction starts from) and as the API answers it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import policy
from opsplatform.models.reference import Taxon
from opsplatform.models.seizures import (
    COMPANY_NOMINAL,
    SEIZURE_NOMINAL,
    SUSPECT_NOMINAL,
    Seizure,
    SeizureCompany,
    SeizureItem,
    Suspect,
)
from opsplatform.models.vocabulary import (
    CASE_FIELDS,
    COMPANY_FIELDS,
    ITEM_FIELDS,
    REPORT_FIELDS,
    SEIZURE_FIELDS,
    SPECIMEN_FIELDS,
    SUSPECT_FIELDS,
)
from opsplatform.policy import Member
from opsplatform.seizures.nominal import opened
from opsplatform.settings import Settings


@dataclass
class Parts:
    """Records' items (with their taxon's name), suspects and companies by seizure id, read together: a page of
    records costs three queries, not three a record."""

    items: dict[int, list[tuple[SeizureItem, str]]] = field(default_factory=dict)
    suspects: dict[int, list[Suspect]] = field(default_factory=dict)
    companies: dict[int, list[SeizureCompany]] = field(default_factory=dict)


async def parts_of(session: AsyncSession, seizure_ids: list[int], *, items: bool = True) -> Parts:
    """`items=False` when only the people are wanted."""
    parts = Parts()
    for item, name in (await session.execute(
            select(SeizureItem, Taxon.scientific_name).join(Taxon, Taxon.id == SeizureItem.taxon_id)
            .where(SeizureItem.seizure_id.in_(seizure_ids)).order_by(SeizureItem.item_no))).all() if items else ():
        parts.items.setdefault(item.seizure_id, []).append((item, name))
    for suspect in (await session.scalars(select(Suspect).where(Suspect.seizure_id.in_(seizure_ids))
                                          .order_by(Suspect.id))).all():
        parts.suspects.setdefault(suspect.seizure_id, []).append(suspect)
    for company in (await session.scalars(select(SeizureCompany).where(SeizureCompany.seizure_id.in_(seizure_ids))
                                          .order_by(SeizureCompany.id))).all():
        parts.companies.setdefault(company.seizure_id, []).append(company)
    return parts


async def seizure_fields(session: AsyncSession, seizure: Seizure, parts: Parts | None = None) -> dict[str, Any]:
    """A stored seizure as raw input (what a form or PATCH starts from); never its nominal fields."""
    parts = parts or await parts_of(session, [seizure.id])
    return {"seizure_ref": seizure.seizure_ref,
            **{f: getattr(seizure, f) for f in (*SEIZURE_FIELDS, *REPORT_FIELDS, *CASE_FIELDS)},
            "seizure_date": seizure.seizure_date.isoformat(),
            "items": [{"item_no": i.item_no, "taxon": name, "term": i.term_code, "quantity": i.quantity,
                       "unit": i.unit_code or "", "estimated_value": i.estimated_value, "currency": i.currency or "",
                       **{f: getattr(i, f) for f in SPECIMEN_FIELDS}}
                      for i, name in parts.items.get(seizure.id, [])]}


async def people_of(session: AsyncSession, seizure: Seizure) -> tuple[list[Suspect], list[SeizureCompany]]:
    """The record's suspects and companies, in the order they were recorded."""
    parts = await parts_of(session, [seizure.id], items=False)
    return parts.suspects.get(seizure.id, []), parts.companies.get(seizure.id, [])


def suspect_shown(settings: Settings, suspect: Suspect, nominal: bool) -> dict[str, Any]:
    """A suspect as a reader sees it: what identifies the person only when `nominal` (cleared for its country)."""
    return {"id": suspect.id, **{f: getattr(suspect, f) for f in SUSPECT_FIELDS},
            **(opened(settings, suspect, SUSPECT_NOMINAL) if nominal else {})}


def company_shown(settings: Settings, company: SeizureCompany, nominal: bool) -> dict[str, Any]:
    """A company as a reader sees it: its addresses, telecommunications and registration only when `nominal`."""
    return {"id": company.id, **{f: getattr(company, f) for f in COMPANY_FIELDS},
            **(opened(settings, company, COMPANY_NOMINAL) if nominal else {})}


async def seizure_json(session: AsyncSession, settings: Settings, member: Member, seizure: Seizure,
                       parts: Parts | None = None) -> dict[str, Any]:
    """The API shape; nominal fields only for members cleared for this country. `parts` when a page of records was
    read together (`parts_of`)."""
    parts = parts or await parts_of(session, [seizure.id])
    fields = await seizure_fields(session, seizure, parts)
    suspects, companies = parts.suspects.get(seizure.id, []), parts.companies.get(seizure.id, [])
    nominal = policy.sees_nominal(member, seizure.reporting_country)
    return {
        "id": seizure.id, "version": seizure.version, "status": seizure.status,
        "reporting_country": seizure.reporting_country, "shared_with_participants": seizure.shared_with_participants,
        "publicity_approved": seizure.publicity_approved, "public_description": seizure.public_description,
        **{k: v for k, v in fields.items() if k != "items"},
        **(opened(settings, seizure, SEIZURE_NOMINAL) if nominal else {}),
        "items": [{k: i[k] for k in ("item_no", *ITEM_FIELDS, *SPECIMEN_FIELDS)}
                  | {"unit": i["unit"] or None, "currency": i["currency"] or None} for i in fields["items"]],
        "suspects": [suspect_shown(settings, s, nominal) | {"arrest_date": _day(s.arrest_date)} for s in suspects],
        "companies": [company_shown(settings, c, nominal) for c in companies],
        "created_at": seizure.created_at.isoformat(), "updated_at": seizure.updated_at.isoformat(),
    }


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
