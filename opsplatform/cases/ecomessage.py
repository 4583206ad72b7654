"""The Ecomessage for one seizure, as CITES Res. Conf. 11.3 (Rev. CoP19), Annex 1 prints the form
(ecomessage_form.py): every section and item under its own number, "unknown" where the record knows nothing, one HTML
document rendered to PDF and DOCX.

What identifies a person, and a business's contacts, appear only for users cleared for this country's nominal data;
otherwise the item says it was withheld. What only the requester knows (the information requested of the receiving
country) is typed when the Ecomessage is generated, not stored with the record.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import checks, policy
from opsplatform.audit.recorder import record
from opsplatform.cases import ecomessage_form
from opsplatform.cases.ecomessage_answers import Record, answers, company_answers, person_answers
from opsplatform.database import utcnow
from opsplatform.documents import services as documents
from opsplatform.documents.render import docx_from_html, pdf_from_html
from opsplatform.errors import InvalidInput
from opsplatform.i18n import _
from opsplatform.labels import country_name
from opsplatform.models.cases import LinkStatus, SeizureLink
from opsplatform.models.reference import Taxon
from opsplatform.models.seizures import SEIZURE_NOMINAL, Seizure, SeizureItem
from opsplatform.policy import Member
from opsplatform.rendering.templates import render
from opsplatform.seizures import attachments
from opsplatform.seizures.nominal import opened
from opsplatform.seizures.shapes import company_shown, people_of, suspect_shown
from opsplatform.settings import Settings

FORMATS = {fmt: documents.FORMATS[fmt] for fmt in documents.DOCUMENT_FORMATS}
REQUEST_LIMIT = 4000


def information_requested(raw: dict[str, Any]) -> str:
    text = checks.text(raw.get("information_requested"))
    if len(text) > REQUEST_LIMIT:
        raise InvalidInput.one("information_requested", _("must be at most %(n)s characters", n=REQUEST_LIMIT))
    return text


async def ecomessage_context(session: AsyncSession, settings: Settings, member: Member, seizure: Seizure,
                             requested: str) -> dict[str, Any]:
    """The form's entries and the record's answer to each, for the whole record and for each person and company."""
    nominal = policy.sees_nominal(member, seizure.reporting_country)
    items = (await session.execute(select(SeizureItem, Taxon).join(Taxon, Taxon.id == SeizureItem.taxon_id)
                                   .where(SeizureItem.seizure_id == seizure.id).order_by(SeizureItem.item_no))).all()
    suspects, companies = await people_of(session, seizure)
    linked = (await session.execute(
        select(SeizureLink.kind, Seizure.reporting_country, Seizure.seizure_ref)
        .join(Seizure, Seizure.id == SeizureLink.other_seizure_id).where(
            SeizureLink.seizure_id == seizure.id, SeizureLink.status == LinkStatus.accepted)
        .union_all(select(SeizureLink.kind, Seizure.reporting_country, Seizure.seizure_ref)
                   .join(Seizure, Seizure.id == SeizureLink.seizure_id).where(
                       SeizureLink.other_seizure_id == seizure.id, SeizureLink.status == LinkStatus.accepted)))).all()
    facts = Record(
        operation=member.operation, seizure=seizure, items=items,
        persons=[suspect_shown(settings, s, nominal) for s in suspects],
        companies=[company_shown(settings, c, nominal) for c in companies],
        case_nominal=opened(settings, seizure, SEIZURE_NOMINAL) if nominal else {}, nominal=nominal,
        linked=linked, attached=[a.filename for a in await attachments.attachments_of(session, seizure)],
        requested=requested)
    return {
        "form": ecomessage_form, "operation": member.operation, "seizure": seizure, "nominal": nominal,
        "carries_nominal": nominal and bool(suspects or companies or any(facts.case_nominal.values())),
        "reporting": f"{country_name(seizure.reporting_country)} ({seizure.reporting_country})",
        "answers": answers(facts), "persons": [person_answers(p, nominal) for p in facts.persons],
        "companies": [company_answers(c, nominal) for c in facts.companies],
        "requested": requested, "generated_at": utcnow(), "generated_by": member.user,
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
           after={"format": fmt, "nominal": context["carries_nominal"]})
    return content


def filename(seizure: Seizure, fmt: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in seizure.seizure_ref)
    return f"ecomessage-{seizure.reporting_country}-{safe}.{fmt}"
