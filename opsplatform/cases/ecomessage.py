"""The Ecomessage for one seizure (CITES Res. Conf. 11.3 (Rev. CoP19), Annex 1): the record's facts in the form's
numbered sections, "unknown" where a field is empty, one HTML document rendered to PDF and DOCX.

Persons' names, dates of birth and document numbers appear only for users cleared for this country's nominal data;
otherwise the section says they were withheld. What only the requester knows (the information requested of the
receiving country) is typed when the Ecomessage is generated, not stored with the record.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import checks, crypto, policy
from opsplatform.audit.recorder import record
from opsplatform.database import utcnow
from opsplatform.documents import services as documents
from opsplatform.documents.render import docx_from_html, pdf_from_html
from opsplatform.errors import InvalidInput
from opsplatform.i18n import N_, _
from opsplatform.labels import country_name
from opsplatform.models.cases import LinkStatus, SeizureLink
from opsplatform.models.reference import Taxon
from opsplatform.models.seizures import Seizure, SeizureItem, Suspect
from opsplatform.policy import Member
from opsplatform.rendering.templates import render
from opsplatform.seizures.validation import NOMINAL
from opsplatform.settings import Settings

# The form's sections, in its own numbered order.
SECTIONS = (
    N_("Subject"), N_("Place and method of discovery"), N_("Date and time"), N_("Contraband"),
    N_("Persons involved"), N_("Companies involved"), N_("Means of transport and route"),
    N_("Locations of origin, provenance, transit and destination"), N_("Documents used"),
    N_("Law enforcement agency"), N_("Modus operandi"), N_("Additional information"), N_("Information requested"),
)
FORMATS = {fmt: documents.FORMATS[fmt] for fmt in documents.DOCUMENT_FORMATS}
REQUEST_LIMIT = 4000


def information_requested(raw: dict[str, Any]) -> str:
    text = checks.text(raw.get("information_requested"))
    if len(text) > REQUEST_LIMIT:
        raise InvalidInput.one("information_requested", _("must be at most %(n)s characters", n=REQUEST_LIMIT))
    return text


async def ecomessage_context(session: AsyncSession, settings: Settings, member: Member, seizure: Seizure,
                             requested: str) -> dict[str, Any]:
    """Everything the Ecomessage shows, each section's facts in order."""
    operation, user = member.operation, member.user
    named = lambda code: f"{country_name(code)} ({code})" if code else None  # noqa: E731
    items = (await session.execute(select(SeizureItem, Taxon).join(Taxon, Taxon.id == SeizureItem.taxon_id)
                                   .where(SeizureItem.seizure_id == seizure.id).order_by(SeizureItem.item_no))).all()
    nominal = policy.sees_nominal(member, seizure.reporting_country)
    suspects = (await session.scalars(select(Suspect).where(Suspect.seizure_id == seizure.id)
                                      .order_by(Suspect.id))).all()
    persons = [{"nationality": named(s.nationality), "sex": s.sex, "role": s.role,
                **({n: crypto.decrypt(settings, getattr(s, f"{n}_encrypted")) for n in NOMINAL} if nominal else {})}
               for s in suspects]
    linked = (await session.execute(
        select(SeizureLink.kind, Seizure.reporting_country, Seizure.seizure_ref)
        .join(Seizure, Seizure.id == SeizureLink.other_seizure_id).where(
            SeizureLink.seizure_id == seizure.id, SeizureLink.status == LinkStatus.accepted)
        .union_all(select(SeizureLink.kind, Seizure.reporting_country, Seizure.seizure_ref)
                   .join(Seizure, Seizure.id == SeizureLink.seizure_id).where(
                       SeizureLink.other_seizure_id == seizure.id, SeizureLink.status == LinkStatus.accepted)))).all()
    first = items[0][1] if items else None
    return {
        "sections": SECTIONS, "operation": operation, "seizure": seizure, "items": items, "persons": persons,
        "nominal": nominal, "reporting": named(seizure.reporting_country),
        "subject": _("Seizure of %(what)s at %(place)s, %(country)s (%(operation)s, reference %(ref)s)",
                     what=", ".join(dict.fromkeys(f"{t.scientific_name} ({i.term_code})" for i, t in items))
                     or _("unknown"), place=seizure.location or _("unknown place"),
                     country=country_name(seizure.reporting_country),
                     operation=operation.code, ref=seizure.seizure_ref) if first else None,
        "route": [c for c in (named(seizure.export_country or seizure.origin_country),
                              *(named(c) for c in seizure.transit_countries),
                              named(seizure.destination_country)) if c],
        "origin": named(seizure.origin_country), "export": named(seizure.export_country),
        "transit": [named(c) for c in seizure.transit_countries], "destination": named(seizure.destination_country),
        "linked": linked, "requested": requested, "generated_at": utcnow(), "generated_by": user,
    }


def render_ecomessage(context: dict[str, Any], fmt: str) -> bytes:
    html = render("cases/ecomessage.html", **context)
    if fmt == "pdf":
        return pdf_from_html(html)
    if fmt == "docx":
        return docx_from_html(html, title=_("Ecomessage %(ref)s", ref=context["seizure"].seizure_ref))
    return html.encode()


async def ecomessage(session: AsyncSession, settings: Settings, member: Member, seizure: Seizure,
                     raw: dict[str, Any], fmt: str) -> bytes:
    """The Ecomessage as HTML, PDF or DOCX; producing one is audited, as it may carry nominal data out (the caller
    commits the audit event)."""
    if fmt not in FORMATS:
        raise InvalidInput.one("format", _("must be html, pdf or docx"))
    context = await ecomessage_context(session, settings, member, seizure, information_requested(raw))
    content = render_ecomessage(context, fmt)
    record(session, "ecomessage", "seizures", str(seizure.id),
           after={"format": fmt, "nominal": context["nominal"] and bool(context["persons"])})
    return content


def filename(seizure: Seizure, fmt: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in seizure.seizure_ref)
    return f"ecomessage-{seizure.reporting_country}-{safe}.{fmt}"
