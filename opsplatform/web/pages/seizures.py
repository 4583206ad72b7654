"""Result pages: the seizure form, seizure list and record, the validation loop, nil returns, completeness."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from sqlalchemy import func, select

from opsplatform import dates, policy
from opsplatform.cases import ecomessage_form
from opsplatform.cases.record import record_context
from opsplatform.database import utcnow
from opsplatform.errors import Conflict, InvalidInput
from opsplatform.i18n import _, ngettext
from opsplatform.labels import problems_in_words, status_label
from opsplatform.models import vocabulary as v
from opsplatform.models.audit import AuditEvent
from opsplatform.models.operations import Participant
from opsplatform.models.reference import Country, Currency, Taxon, TradeTerm, Unit
from opsplatform.models.seizures import SEIZURE_NOMINAL, Seizure, SeizureItem, StatusChange
from opsplatform.policy import Member
from opsplatform.reference import lookup, units
from opsplatform.reporting.exports import visible_records
from opsplatform.reporting.filters import as_typed, read_filter
from opsplatform.reporting.records import items_by_record
from opsplatform.seizures import attachments, returns, services, shapes
from opsplatform.seizures.nominal import opened
from opsplatform.web import idempotency, seizure_form as forms
from opsplatform.web.access import Membership, ReadableSeizure, needs
from opsplatform.web.deps import Db, PageNumber
from opsplatform.web.flash import flash
from opsplatform.web.pickers import filter_choices
from opsplatform.web.redirects import redirect_to

RECORDS = needs("view_records")
STATUSES = ("draft", "submitted", "validated", "queried", "withdrawn")
LOG = needs("log_records")


async def form_choices(db: Db) -> dict[str, Any]:
    """The lists a seizure form offers, loaded once per page: each term with the units CITES records it in (the page
    offers those alone once a term is chosen), the number of specimens being the empty unit."""
    term_units = {t.code: units.term_units(t) for t in (await db.scalars(select(TradeTerm))).all()}
    given = {code for codes in term_units.values() for code in codes}
    return {
        "countries": await lookup.country_choices(db),
        "terms": await lookup.coded_names(db, TradeTerm),
        "term_units": {code: " ".join(codes) for code, codes in term_units.items()},
        "units": [(code, name) for code, name in await lookup.coded_names(db, Unit)
                  if code in given and code != units.NUMBER_CODE],
        "currencies": (await db.scalars(select(Currency.code).order_by(Currency.code))).all(),
        "vocabulary": v,
    }


async def record_page(request: Request, db: Db, member: Member, seizure: Seizure,
                      errors: dict[str, str] | None = None, status_code: int = 200, *,
                      case_form: dict[str, Any] | None = None, attach_problems: list[str] | None = None) -> Template:
    """The record page; `case_form` carries the typed values and errors of a refused link or follow-up form,
    `attach_problems` what was wrong with files sent to attach."""
    settings, operation = request.app.state.settings, member.operation
    await db.refresh(operation)  # after a refused change was rolled back
    await db.refresh(seizure)
    items = (await db.execute(select(SeizureItem, Taxon).join(Taxon, Taxon.id == SeizureItem.taxon_id)
                              .where(SeizureItem.seizure_id == seizure.id).order_by(SeizureItem.item_no))).all()
    suspects, companies = await shapes.people_of(db, seizure)
    nominal = policy.sees_nominal(member, seizure.reporting_country)
    people = [shapes.suspect_shown(settings, s, nominal) for s in suspects]
    history = (await db.scalars(select(StatusChange).where(StatusChange.seizure_id == seizure.id)
                                .order_by(StatusChange.id))).all()
    # The record's audit trail, values before and after: shown here because whoever reads the page reads the record.
    changes = (await db.scalars(select(AuditEvent).where(AuditEvent.entity == "seizures",
                                                        AuditEvent.entity_id == str(seizure.id),
                                                        AuditEvent.action == "update")
                                .order_by(AuditEvent.id.desc()).limit(50))).all()
    return Template("seizures/detail.html", status_code=status_code, context={
        "operation": operation, "seizure": seizure, "items": items, "people": people, "nominal": nominal,
        "companies": [shapes.company_shown(settings, c, nominal) for c in companies],
        # What the case file for the Ecomessage holds: its nominal fields only for the cleared.
        "case_file": {name: value for name, value in {
            **{f: getattr(seizure, f) for f in v.CASE_FIELDS},
            **(opened(settings, seizure, SEIZURE_NOMINAL) if nominal else {})}.items() if value is not None},
        "history": history, "changes": changes, "may_change": policy.may_change(member, seizure),
        "may_validate": policy.may_validate(member, seizure), "errors": errors or {},
        "reason_needed": policy.corrects_for_others(member, seizure),
        "case": await record_context(db, member, seizure, case_form), "quantity": await lookup.quantity_words(db),
        "attachments": await attachments.attachments_of(db, seizure), "photo_types": attachments.PHOTOS,
        "attach_limits": attachments.limits(settings), "attach_problems": attach_problems or [],
        "speaks": policy.speaks_for_country(member, seizure.reporting_country)})


class SeizureController(Controller):
    include_in_schema = False
    path = "/operations/{code:str}"

    async def _form(self, db: Db, member: Member, raw: dict[str, Any], *, seizure: Seizure | None = None,
                    errors: dict[str, str] | None = None, conflict: Any = None, status_code: int = 200) -> Template:
        operation = member.operation
        await db.refresh(operation)  # a refused change was rolled back, which expired what the page shows
        if seizure is not None:
            await db.refresh(seizure)
        participants = (await db.execute(select(Participant.country_code, Country.name)
                                         .join(Country, Country.alpha3 == Participant.country_code)
                                         .where(Participant.operation_id == operation.id)
                                         .order_by(Country.name))).all()
        country = seizure.reporting_country if seizure else policy.own_country(member)
        return Template("seizures/form.html", status_code=status_code, context={
            "operation": operation, "seizure": seizure, "form": forms.blank(raw), "errors": errors or {},
            "conflict": conflict, "participants": [p for p in participants if member.reaches(p[0])],
            "own_country": policy.own_country(member),
            "speaks": country is not None and policy.speaks_for_country(member, country),
            "reason_needed": seizure is not None and policy.corrects_for_others(member, seizure),
            "nominal": policy.sees_nominal(member, country or ""), **await form_choices(db),
            # The Ecomessage's case file opens by itself when one of its fields was refused.
            "annex": ecomessage_form, "case_open": any(
                name in (*v.CASE_FIELDS, *SEIZURE_NOMINAL) or name.startswith("companies") for name in errors or {})})

    @get("/seizures", name="seizures:list", dependencies=RECORDS)
    async def list(self, request: Request, db: Db, member: Membership, status: FromQuery[str] = "",
                   page: PageNumber = 1) -> Template:
        """The records the member may read, newest first, filtered as the dashboard filters (countries, terms and
        taxa by name or code); a filter nobody can read is shown back with what is wrong, and no records."""
        operation = member.operation
        try:
            result_filter = await read_filter(db, request.query_params)
        except InvalidInput as exc:
            return Template("seizures/list.html", status_code=400, context={
                "operation": operation, "seizures": [], "items": {}, "total": 0, "page": 1,
                "filters": {**as_typed(request.query_params), "status": status}, "errors": exc.by_field(),
                "statuses": STATUSES,
                **await filter_choices(db)})
        query = visible_records(member, result_filter)
        if status:
            query = query.where(Seizure.status == status)
        total = await db.scalar(select(func.count()).select_from(query.subquery()))
        # The page's records are picked by their numbers first: sorting whole records to skip pages of them made
        # SQLite carry every column of every record through the sort (page 20 of 5,000: 58 → 8 ms).
        newest = (Seizure.seizure_date.desc(), Seizure.id.desc())
        shown = query.with_only_columns(Seizure.id).order_by(*newest).offset((page - 1) * 50).limit(50)
        seizures = (await db.scalars(select(Seizure).where(Seizure.id.in_(shown.scalar_subquery()))
                                     .order_by(*newest))).all()
        return Template("seizures/list.html", context={
            "operation": operation, "seizures": seizures, "total": total, "page": page,
            "items": await items_by_record(db, [s.id for s in seizures]),
            "filters": {**result_filter.as_params(), "status": status}, "errors": {}, "statuses": STATUSES,
            "quantity": await lookup.quantity_words(db), **await filter_choices(db)})

    @get("/seizures/new", name="seizures:new", dependencies=LOG)
    async def new(self, db: Db, member: Membership) -> Template:
        return await self._form(db, member, {})

    @post("/seizures/new", name="seizures:create", dependencies=LOG)
    async def create(self, request: Request, db: Db, member: Membership) -> Template | Redirect:
        form = await request.form()
        raw = forms.parse(form)
        code = member.operation.code  # read now: a repeated send's rollback expires what the session loaded
        action = form.get("action", "default")  # Enter in a field sends "default": the record is submitted
        key = {idempotency.FORM_FIELD: form.get(idempotency.FORM_FIELD, "")}  # the form keeps its key when shown again
        if action not in ("submit", "draft", "default"):
            return await self._form(db, member, {**forms.with_rows(raw, action), **key})
        raw["status"] = "draft" if action == "draft" else "submitted"

        async def save() -> dict[str, Any]:
            seizure = await services.create_seizure(db, request.app.state.settings, member, raw)
            return {"id": seizure.id, "ref": seizure.seizure_ref, "status": seizure.status}

        # A send repeated (a double tap, a retry after a lost answer, the browser's outbox) saves one record.
        try:
            if sent_key := idempotency.form_key(request, form):
                saved, _status, replayed = await idempotency.once(
                    request, db, sent_key, idempotency.form_fingerprint(request, form), save)
            else:
                saved, replayed = await save(), False
                await db.commit()
        except InvalidInput as exc:
            await db.rollback()
            return await self._form(db, member, {**raw, **key}, errors=forms.errors_by_field(exc), status_code=400)
        except idempotency.KeyReused:
            await db.rollback()
            return await self._form(db, member, {**raw, idempotency.FORM_FIELD: ""}, status_code=409, errors={
                "seizure_ref": _("this form was already used for another record: check the record list, then "
                                 "save again")})
        said = _("Seizure %(ref)s was already saved.", ref=saved["ref"]) if replayed else \
            _("Seizure %(ref)s saved as %(status)s.", ref=saved["ref"], status=status_label(saved["status"]))
        flash(request, said, "success")
        # "#saved" tells the page's script that the draft kept in the browser is done with.
        return redirect_to(request, "seizures:detail", code=code, seizure_id=saved["id"], anchor="saved")

    @get("/seizures/{seizure_id:int}", name="seizures:detail", dependencies=RECORDS)
    async def detail(self, request: Request, db: Db, member: Membership, seizure: ReadableSeizure) -> Template:
        return await record_page(request, db, member, seizure)

    @get("/seizures/{seizure_id:int}/edit", name="seizures:edit", dependencies=LOG)
    async def edit(self, request: Request, db: Db, member: Membership, seizure: ReadableSeizure) -> Template:
        if not policy.may_change(member, seizure):
            raise NotFoundException()
        raw = await shapes.seizure_fields(db, seizure)
        # Never their nominal fields: a field left empty keeps what is stored (the form says so).
        suspects, companies = await shapes.people_of(db, seizure)
        raw["suspects"] = [shapes.suspect_shown(request.app.state.settings, s, False) for s in suspects]
        raw["companies"] = [shapes.company_shown(request.app.state.settings, c, False) for c in companies]
        raw["shared_with_participants"] = seizure.shared_with_participants
        raw["publicity_approved"], raw["public_description"] = seizure.publicity_approved, seizure.public_description
        return await self._form(db, member, raw, seizure=seizure)

    @post("/seizures/{seizure_id:int}/edit", name="seizures:update", dependencies=LOG)
    async def update(self, request: Request, db: Db, member: Membership,
                     seizure: ReadableSeizure) -> Template | Redirect:
        form = await request.form()
        raw = forms.parse(form)
        action = form.get("action", "default")  # Enter in a field sends "default": the record is saved
        if action not in ("save", "default"):
            return await self._form(db, member, forms.with_rows(raw, action), seizure=seizure)
        settings = request.app.state.settings
        try:
            await services.update_seizure(db, settings, member, seizure, raw, forms.version(form))
        except InvalidInput as exc:
            await db.rollback()
            return await self._form(db, member, raw, seizure=seizure, errors=forms.errors_by_field(exc),
                                    status_code=400)
        except Conflict:
            await db.rollback()
            await db.refresh(seizure)
            current = await shapes.seizure_json(db, settings, member, seizure)
            return await self._form(db, member, raw, seizure=seizure, conflict=current, status_code=409)
        await db.commit()
        flash(request, _("Seizure %(ref)s saved.", ref=seizure.seizure_ref), "success")
        return redirect_to(request, "seizures:detail", code=member.operation.code, seizure_id=seizure.id,
                           anchor="saved")

    @post("/seizures/{seizure_id:int}/status", name="seizures:status", dependencies=RECORDS)
    async def status(self, request: Request, db: Db, member: Membership,
                     seizure: ReadableSeizure) -> Template | Redirect:
        form = await request.form()
        try:
            await services.change_status(db, member, seizure, form.get("action", ""), form.get("message", ""),
                                         forms.version(form) if form.get("version") else None)
        except InvalidInput as exc:
            await db.rollback()
            return await record_page(request, db, member, seizure, errors=exc.by_field(), status_code=400)
        except Conflict:
            await db.rollback()
            return await record_page(request, db, member, seizure, status_code=409, errors={
                "version": _("someone else changed this record since you opened it: look again, then retry")})
        await db.commit()
        flash(request, _("The record is now %(status)s.", status=status_label(seizure.status)), "success")
        return redirect_to(request, "seizures:detail", code=member.operation.code, seizure_id=seizure.id)

    @post("/nil-returns", name="seizures:nil_return", dependencies=LOG)
    async def nil_return(self, request: Request, db: Db, member: Membership) -> Redirect:
        """One click: 'nothing to report' for a day, or for each day of a range (the focal point's own country);
        days with seizures are skipped and said."""
        form = await request.form()
        code = member.operation.code
        try:
            first = dates.required_day(form.get("date", ""), "date")
            last = dates.required_day(form.get("to"), "to") if form.get("to") else first
            country = await services.reporting_country(db, member, dict(form))
            recorded, skipped = await returns.record_nil_returns(db, member, country, first, last)
        except InvalidInput as exc:
            await db.rollback()
            flash(request, problems_in_words(exc.errors), "error")
            return redirect_to(request, "seizures:completeness", code=code)
        await db.commit()
        if len(recorded) == 1 and not skipped:
            flash(request, _("Nothing to report on %(day)s: recorded.", day=first.isoformat()), "success")
        elif recorded:
            flash(request, ngettext("Nothing to report: recorded for %(num)s day, %(start)s to %(end)s.",
                                    "Nothing to report: recorded for %(num)s days, %(start)s to %(end)s.",
                                    len(recorded), num=len(recorded), start=first.isoformat(),
                                    end=last.isoformat()), "success")
        if skipped:
            flash(request, _("Left as they are, with seizures logged: %(days)s.",
                             days=", ".join(day.isoformat() for day in skipped)), "info")
        return redirect_to(request, "seizures:completeness", code=code)

    @get("/completeness", name="seizures:completeness", dependencies=RECORDS)
    async def completeness(self, db: Db, member: Membership) -> Template:
        """Countries × days: seizures logged, nothing to report, or missing; a focal point sees its own row."""
        grid = await returns.completeness(db, member.operation, utcnow().date(), policy.completeness_countries(member))
        return Template("seizures/completeness.html", context={
            "operation": member.operation, "grid": grid, "today": utcnow().date(),
            "nil_return_for": policy.own_country(member) if policy.may(member, "log_records") else None})
