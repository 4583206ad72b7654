"""The demo's case files. Most records with arrests carry what the Ecomessage (CITES Res. Conf. 11.3 (Rev. CoP19),
Annex 1) and the annual illegal trade report ask for. Their values are what the app's own validator accepts, and the
persons are named with placeholder names, their nominal fields stored only encrypted. An Ecomessage of a demo record
answers its items where it used to say "unknown".

The demo is loaded once per database for this module, as tests/test_demo.py loads it.
"""

from __future__ import annotations

from sqlalchemy import case, func, select, text

from opsplatform.cases.annual_report import ReportRequest, annual_report
from opsplatform.cases.ecomessage import ecomessage_context, render_ecomessage
from opsplatform.crypto import decrypt
from opsplatform.demo.case_files import tables
from opsplatform.demo.generator import DEMO_ACCOUNTS
from opsplatform.labels import form_field_label
from opsplatform.models.auth import User
from opsplatform.models.operations import Operation, Phase
from opsplatform.models.seizures import (
    COMPANY_NOMINAL,
    COUNTED_STATUSES,
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
    DISPOSALS,
    ITEM_FIELDS,
    REPORT_FIELDS,
    SEIZURE_FIELDS,
    SEIZURE_REASONS,
    SPECIMEN_FIELDS,
    SUSPECT_FIELDS,
)
from opsplatform.seizures.nominal import opened
from opsplatform.seizures.validation import Reference, check_company, check_item, check_seizure, check_suspect
from tests.ecomessage_support import html_text
from tests.results_support import member

ENDED = ("conviction", "sentence", "asset_forfeiture")
COORDINATOR, ANALYST = DEMO_ACCOUNTS[1].email, DEMO_ACCOUNTS[5].email  # cleared for nominal data; not cleared
# What every case file holds, whatever the record's mode of transport and place.
ALWAYS = ("offence_description", "legislation", "legal_reference", "penalties", "seizure_time", "agency_name",
          "agency_address", "agency_telecoms", "packaging", "seizure_reason")


async def test_most_records_with_arrests_have_a_case_file_a_reason_and_ended_cases_a_disposal(demo):
    records = (await demo.execute(select(Seizure, Operation.phase).join(Operation, Operation.id == Seizure.operation_id)
                                  .order_by(Seizure.id))).all()
    seizures = [seizure for seizure, _phase in records]
    with_arrests = [s for s in seizures if s.suspects_arrested]
    filled = [s for s in seizures if s.legislation]
    assert len(with_arrests) >= 40
    assert sum(1 for s in with_arrests if s.legislation) >= 0.7 * len(with_arrests)
    assert 0.25 * len(seizures) <= len(filled) <= 0.75 * len(seizures)  # a share, not every record
    for seizure in filled:
        assert all(getattr(seizure, name) for name in ALWAYS), seizure.seizure_ref
    # The rest of the case file where the record's transport and place give it one.
    for name in ("carrier", "transport_document", "reference_point", "discovery_city", "origin_town",
                 "real_destination_country", "documents_used", "modus_operandi", "companies_involved", "code_name"):
        assert any(getattr(s, name) for s in filled), name
    assert {s.origin_at_sea for s in filled} >= {True, False} and {s.documents_fraudulent for s in filled} >= {
        True, False}

    reasons = [s.seizure_reason for s in seizures if s.seizure_reason]
    assert len(reasons) >= 0.4 * len(seizures) and set(reasons) <= set(SEIZURE_REASONS) and len(set(reasons)) >= 3
    ended = [s for s in seizures if s.case_status in ENDED]
    assert ended and sum(1 for s in ended if s.disposal) >= 0.75 * len(ended)
    disposals = [s.disposal for s in seizures if s.disposal]
    assert set(disposals) <= set(DISPOSALS) and len(set(disposals)) >= 3
    # In the running operations only ended cases and live specimens (placed at once) have been disposed of.
    live = set((await demo.scalars(select(SeizureItem.seizure_id).where(SeizureItem.term_code == "LIV"))).all())
    for seizure, phase in records:
        if seizure.disposal and phase == Phase.active:
            assert seizure.case_status in ENDED or seizure.id in live, seizure.seizure_ref

    described = await demo.scalar(select(func.count()).select_from(SeizureItem).where(
        SeizureItem.specimen_description.is_not(None)))
    companies = await demo.scalar(select(func.count(func.distinct(SeizureCompany.seizure_id))))
    assert described >= 0.3 * len(seizures)
    assert 3 <= companies <= 0.1 * len(seizures)  # a few records name a company


async def test_the_case_files_are_what_the_app_itself_accepts(demo, demo_settings):
    """Every case file, person, company and specimen description passes the validator the form, the sheet and the API
    share, nominal fields included, and comes out as stored."""
    reference = await Reference.load(demo)
    operations = {o.id: o for o in (await demo.scalars(select(Operation))).all()}
    seizures = (await demo.scalars(select(Seizure).where(Seizure.legislation.is_not(None))
                                   .order_by(Seizure.id))).all()
    ids = [s.id for s in seizures]
    for seizure in seizures:
        raw = {name: getattr(seizure, name) for name in ("seizure_ref", *SEIZURE_FIELDS, *CASE_FIELDS, *REPORT_FIELDS)}
        raw |= {"seizure_date": seizure.seizure_date.isoformat()} | opened(demo_settings, seizure, SEIZURE_NOMINAL)
        clean, errors = check_seizure(reference, operations[seizure.operation_id], raw, nominal_allowed=True)
        assert errors == [], (seizure.seizure_ref, errors)
        assert {k: clean[k] for k in (*CASE_FIELDS, *REPORT_FIELDS)} == {
            k: getattr(seizure, k) for k in (*CASE_FIELDS, *REPORT_FIELDS)}
    for suspect in (await demo.scalars(select(Suspect).where(Suspect.seizure_id.in_(ids)))).all():
        raw = {name: getattr(suspect, name) for name in SUSPECT_FIELDS}
        raw |= opened(demo_settings, suspect, SUSPECT_NOMINAL)
        raw["arrest_date"] = suspect.arrest_date.isoformat() if suspect.arrest_date else None
        _clean, errors = check_suspect(reference, raw, nominal_allowed=True)
        assert errors == [], errors
    for company in (await demo.scalars(select(SeizureCompany))).all():
        raw = {name: getattr(company, name) for name in COMPANY_FIELDS} | opened(demo_settings, company,
                                                                                 COMPANY_NOMINAL)
        _clean, errors = check_company(reference, raw, nominal_allowed=True)
        assert errors == [], errors
    items = (await demo.scalars(select(SeizureItem).where(SeizureItem.seizure_id.in_(ids)))).all()
    assert items
    for item in items:
        raw = {"taxon": reference.taxon_names[item.taxon_id], "term": item.term_code, "unit": item.unit_code,
               **{name: getattr(item, name) for name in (*ITEM_FIELDS[2:], *SPECIMEN_FIELDS) if name != "unit"}}
        clean, errors = check_item(reference, raw)
        assert errors == [], errors
        assert {k: clean[k] for k in SPECIMEN_FIELDS} == {k: getattr(item, k) for k in SPECIMEN_FIELDS}


async def test_nominal_fields_are_stored_only_encrypted_and_the_names_are_placeholders(demo, demo_settings):
    placeholders = tables()["people"]
    families = {family for sex in ("male", "female") for family, _first in placeholders[sex]}
    seen: dict[str, int] = {}
    for table, names in (("suspects", SUSPECT_NOMINAL), ("seizures", SEIZURE_NOMINAL),
                         ("seizure_companies", COMPANY_NOMINAL)):
        for row in (await demo.execute(text(f"SELECT * FROM {table}"))).mappings().all():  # the raw row, as stored
            plain = " ".join(str(v) for k, v in row.items() if v is not None and not k.endswith("_encrypted"))
            for name in names:
                token = row[f"{name}_encrypted"]
                if token is None:
                    continue
                seen[name] = seen.get(name, 0) + 1
                value = decrypt(demo_settings, token)
                assert token.startswith("gAAAA") and value  # a Fernet token, not the value
                if len(value) >= 4:  # "A", "Li": shorter ones are found anywhere
                    assert value not in token and value not in plain, (table, name)
                if name == "family_name":
                    assert value in families and row["name_encrypted"] is None  # split names replace the whole one
    for name in ("family_name", "first_names", "address", "document_issue_place", "document_issue_date",
                 "document_valid_until", "telephone", "aliases", "company", "destination_address", "agency_contact",
                 *COMPANY_NOMINAL):
        assert seen.get(name), name
    # Some suspects have their names split, not all: the others keep the whole name, as older records do.
    assert seen["family_name"] >= 20 and seen["name"] > 0


async def test_an_ecomessage_of_a_demo_record_answers_its_case_file(demo, demo_settings):
    has_company = select(SeizureCompany.id).where(SeizureCompany.seizure_id == Seizure.id).exists()
    seizure = await demo.scalar(select(Seizure).join(Suspect, Suspect.seizure_id == Seizure.id).where(
        Seizure.legislation.is_not(None), Seizure.carrier.is_not(None), Seizure.discovery_city.is_not(None),
        Seizure.status.in_(COUNTED_STATUSES), Suspect.family_name_encrypted.is_not(None))
        .order_by(case((has_company, 0), else_=1), case((Seizure.reporting_country == "KEN", 0), else_=1), Seizure.id)
        .limit(1))
    bare = await demo.scalar(select(Seizure).where(Seizure.legislation.is_(None), Seizure.suspects_arrested > 0,
                                                   Seizure.carrier.is_(None)).order_by(Seizure.id).limit(1))
    operation = await demo.get(Operation, seizure.operation_id)
    coordinator = await member(demo, await demo.scalar(select(User).where(User.email == COORDINATOR)), operation)
    context = await ecomessage_context(demo, demo_settings, coordinator, seizure, "")
    answers = {key: " | ".join(lines) for key, lines in context["answers"].items()}

    assert answers["1.1"] == seizure.offence_description
    assert answers["2.3"].startswith(seizure.discovery_city) and seizure.seizure_time in answers["3"]
    for key, names in (("1.3", ("legal_reference", "legislation", "penalties")), ("2.1", ("reference_point",)),
                       ("7", ("carrier", "transport_number", "transport_document")),
                       ("9", ("documents_used",)), ("10", ("agency_name", "agency_address", "agency_telecoms")),
                       ("11", ("modus_operandi", "packaging"))):
        for name in names:
            if getattr(seizure, name):
                assert f"{form_field_label(name)}: {getattr(seizure, name)}" in answers[key], name
    assert "Specimens (CITES term)" in answers["4.1"] and any(
        s in answers["4.1"] for s in ("Live or dead: Live", "Live or dead: Dead"))
    person = next(p for p in context["persons"] if p["5c"])
    for key in ("5a", "5b", "5c", "5d", "5f", "5g", "5h", "5i", "5j"):
        assert person[key] and "unknown" not in person[key][0], key
    if context["companies"]:
        assert all(context["companies"][0][key] for key in ("6a", "6b", "6c", "6d", "6e"))

    page = html_text(render_ecomessage(context, "html"))
    family = person["5b"][0]
    assert seizure.legislation in page and family in page
    # A record of the same demo without a case file says "unknown" far more often.
    bare_member = await member(demo, coordinator.user, await demo.get(Operation, bare.operation_id))
    bare_page = html_text(render_ecomessage(await ecomessage_context(demo, demo_settings, bare_member, bare, ""),
                                            "html"))
    assert page.count("unknown") < bare_page.count("unknown") - 10
    # A reader not cleared for nominal data sees the case file, not the names.
    analyst = await member(demo, await demo.scalar(select(User).where(User.email == ANALYST)), operation)
    uncleared = await ecomessage_context(demo, demo_settings, analyst, seizure, "")
    assert " | ".join(uncleared["answers"]["1.3"]) == answers["1.3"]
    assert all(p[key] == ["withheld (nominal data)"] for p in uncleared["persons"] for key in ("5b", "5c", "5h"))
    hidden = html_text(render_ecomessage(uncleared, "html"))
    assert seizure.legislation in hidden and "withheld" in hidden
    for suspect in (await demo.scalars(select(Suspect).where(Suspect.seizure_id == seizure.id))).all():
        for name, value in opened(demo_settings, suspect, SUSPECT_NOMINAL).items():
            # The company a person works for is one of the record's companies, which 6.b names openly.
            assert name == "company" or not value or len(value) < 4 or value not in hidden, name


async def test_the_annual_illegal_trade_report_has_reasons_laws_and_disposals(demo):
    closed = await demo.scalar(select(Operation).where(Operation.phase == Phase.closed))
    country = await demo.scalar(select(Seizure.reporting_country).where(Seizure.operation_id == closed.id)
                                .group_by(Seizure.reporting_country)
                                .order_by(func.count().desc(), Seizure.reporting_country).limit(1))
    coordinator = await demo.scalar(select(User).where(User.email == COORDINATOR))
    report = await annual_report(demo, coordinator, ReportRequest(country, closed.start_date.year))
    rows = [row for row in report.rows if row["additional"].startswith(closed.code)]
    assert len(rows) >= 5
    assert sum(1 for row in rows if row["reason"]) >= 0.4 * len(rows)
    assert any(row["law"] for row in rows) and any(row["disposal"] for row in rows)
