"""Result pages: the seizure form, seizure list and record, the validation loop, nil returns, completeness."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy import func, select

from opsplatform import crypto, policy
from opsplatform.auth.guards import requires
from opsplatform.auth.models import Role
from opsplatform.cases.record import record_context
from opsplatform.database import utcnow
from opsplatform.errors import InvalidInput
from opsplatform.i18n import _
from opsplatform.labels import status_label
from opsplatform.operations.controllers import visible_operation
from opsplatform.operations.models import Operation, Participant
from opsplatform.operations.services import Conflict
from opsplatform.reference import lookup
from opsplatform.reference.models import Country, Currency, Taxon, TradeTerm, Unit
from opsplatform.seizures import forms, returns, services
from opsplatform.seizures import vocabulary as v
from opsplatform.reporting.exports import visible_records
from opsplatform.reporting.filters import ResultFilter
from opsplatform.seizures.api import visible_seizure
from opsplatform.seizures.models import Seizure, SeizureItem, StatusChange, Suspect
from opsplatform.seizures.validation import NOMINAL
from opsplatform.web.deps import Db
from opsplatform.web.flash import flash


async def form_choices(db: Db) -> dict[str, Any]:
    """The lists a seizure form offers, loaded once per page."""
    return {
        "countries": await lookup.country_choices(db),
        "terms": await lookup.coded_names(db, TradeTerm),
        "units": await lookup.coded_names(db, Unit),
        "currencies": (await db.scalars(select(Currency.code).order_by(Currency.code))).all(),
        "vocabulary": v,
    }


async def record_page(request: Request, db: Db, operation: Operation, seizure: Seizure,
                      errors: dict[str, str] | None = None, status_code: int = 200, *,
                      case_form: dict[str, Any] | None = None) -> Template:
    """The record page; `case_form` carries the typed values and errors of a refused link or follow-up form."""
    user, settings = request.user, request.app.state.settings
    await db.refresh(operation)  # after a refused change was rolled back
    await db.refresh(seizure)
    items = (await db.execute(select(SeizureItem, Taxon).join(Taxon, Taxon.id == SeizureItem.taxon_id)
                              .where(SeizureItem.seizure_id == seizure.id).order_by(SeizureItem.item_no))).all()
    suspects = (await db.scalars(select(Suspect).where(Suspect.seizure_id == seizure.id))).all()
    nominal = policy.sees_nominal(user, seizure.reporting_country)
    people = [{"suspect": s, **({n: crypto.decrypt(settings, getattr(s, f"{n}_encrypted")) for n in NOMINAL}
                                 if nominal else {})} for s in suspects]
    history = (await db.scalars(select(StatusChange).where(StatusChange.seizure_id == seizure.id)
                                .order_by(StatusChange.id))).all()
    return Template("seizures/detail.html", status_code=status_code, context={
        "operation": operation, "seizure": seizure, "items": items, "people": people, "nominal": nominal,
        "history": history, "may_change": policy.may_change_seizure(user, seizure),
        "may_validate": user.role == Role.coordinator, "errors": errors or {},
        "case": await record_context(db, operation, seizure, user, case_form)})


class SeizureController(Controller):
    include_in_schema = False
    path = "/operations/{code:str}"

    async def _form(self, request: Request, db: Db, operation: Operation, raw: dict[str, Any], *,
                    seizure: Seizure | None = None, errors: dict[str, str] | None = None, conflict: Any = None,
                    status_code: int = 200) -> Template:
        await db.refresh(operation)  # a refused change was rolled back, which expired what the page shows
        if seizure is not None:
            await db.refresh(seizure)
        participants = (await db.execute(select(Participant.country_code, Country.name)
                                         .join(Country, Country.alpha3 == Participant.country_code)
                                         .where(Participant.operation_id == operation.id)
                                         .order_by(Country.name))).all()
        country = seizure.reporting_country if seizure else request.user.country_code
        return Template("seizures/form.html", status_code=status_code, context={
            "operation": operation, "seizure": seizure, "form": forms.blank(raw), "errors": errors or {},
            "conflict": conflict, "participants": participants,
            "nominal": policy.sees_nominal(request.user, country or ""), **await form_choices(db)})

    @get("/seizures", name="seizures:list", guards=[requires("view_records")])
    async def list(self, request: Request, db: Db, code: FromPath[str], status: FromQuery[str] = "",
                   country: FromQuery[str] = "", page: FromQuery[int] = 1) -> Template:
        operation = await visible_operation(db, request.user, code)
        result_filter = ResultFilter.from_params(request.query_params)
        query = visible_records(operation, request.user, result_filter)
        if status:
            query = query.where(Seizure.status == status)
        if country:
            query = query.where(Seizure.reporting_country == country.upper())
        total = await db.scalar(select(func.count()).select_from(query.subquery()))
        page = max(page, 1)
        seizures = (await db.scalars(query.order_by(Seizure.seizure_date.desc(), Seizure.id.desc())
                                     .offset((page - 1) * 50).limit(50))).all()
        items = (await db.execute(select(SeizureItem, Taxon.scientific_name).join(Taxon, Taxon.id == SeizureItem.taxon_id)
                                  .where(SeizureItem.seizure_id.in_([s.id for s in seizures]))
                                  .order_by(SeizureItem.item_no))).all()
        by_seizure: dict[int, list[Any]] = {}
        for item, name in items:
            by_seizure.setdefault(item.seizure_id, []).append((item, name))
        return Template("seizures/list.html", context={
            "operation": operation, "seizures": seizures, "items": by_seizure, "total": total, "page": page,
            "filters": {**result_filter.as_params(), "status": status, "country": country}, "statuses": ["draft", "submitted", "validated",
                                                                             "queried", "withdrawn"]})

    @get("/seizures/new", name="seizures:new", guards=[requires("log_records")])
    async def new(self, request: Request, db: Db, code: FromPath[str]) -> Template:
        operation = await visible_operation(db, request.user, code)
        return await self._form(request, db, operation, {})

    @post("/seizures/new", name="seizures:create", guards=[requires("log_records")])
    async def create(self, request: Request, db: Db, code: FromPath[str]) -> Template | Redirect:
        operation = await visible_operation(db, request.user, code)
        form = await request.form()
        raw = forms.parse(form)
        action = form.get("action", "submit")
        if action not in ("submit", "draft"):
            return await self._form(request, db, operation, forms.with_rows(raw, action))
        raw["status"] = "draft" if action == "draft" else "submitted"
        try:
            seizure = await services.create_seizure(db, request.app.state.settings, operation, request.user, raw)
        except InvalidInput as exc:
            await db.rollback()
            return await self._form(request, db, operation, raw, errors=forms.errors_by_field(exc), status_code=400)
        await db.commit()
        flash(request, _("Seizure %(ref)s saved as %(status)s.", ref=seizure.seizure_ref, status=status_label(seizure.status)),
              "success")
        return Redirect(f"/operations/{operation.code}/seizures/{seizure.id}")

    @get("/seizures/{seizure_id:int}", name="seizures:detail", guards=[requires("view_records")])
    async def detail(self, request: Request, db: Db, code: FromPath[str], seizure_id: FromPath[int]) -> Template:
        operation = await visible_operation(db, request.user, code)
        seizure = await visible_seizure(db, request.user, operation.id, seizure_id)
        return await record_page(request, db, operation, seizure)

    @get("/seizures/{seizure_id:int}/edit", name="seizures:edit", guards=[requires("log_records")])
    async def edit(self, request: Request, db: Db, code: FromPath[str], seizure_id: FromPath[int]) -> Template:
        operation = await visible_operation(db, request.user, code)
        seizure = await visible_seizure(db, request.user, operation.id, seizure_id)
        if not policy.may_change_seizure(request.user, seizure):
            raise NotFoundException()
        raw = await services.seizure_fields(db, seizure)
        raw["suspects"] = [{"id": s.id, "nationality": s.nationality or "", "sex": s.sex or "", "role": s.role or ""}
                           for s in (await db.scalars(select(Suspect).where(Suspect.seizure_id == seizure.id))).all()]
        raw["shared_with_participants"] = seizure.shared_with_participants
        raw["publicity_approved"], raw["public_description"] = seizure.publicity_approved, seizure.public_description
        return await self._form(request, db, operation, raw, seizure=seizure)

    @post("/seizures/{seizure_id:int}/edit", name="seizures:update", guards=[requires("log_records")])
    async def update(self, request: Request, db: Db, code: FromPath[str], seizure_id: FromPath[int]) -> Template | Redirect:
        operation = await visible_operation(db, request.user, code)
        seizure = await visible_seizure(db, request.user, operation.id, seizure_id)
        form = await request.form()
        raw = forms.parse(form)
        action = form.get("action", "save")
        if action not in ("save",):
            return await self._form(request, db, operation, forms.with_rows(raw, action), seizure=seizure)
        settings = request.app.state.settings
        try:
            await services.update_seizure(db, settings, operation, seizure, request.user, raw,
                                          int(form.get("version") or 0))
        except InvalidInput as exc:
            await db.rollback()
            return await self._form(request, db, operation, raw, seizure=seizure, errors=forms.errors_by_field(exc),
                                    status_code=400)
        except Conflict:
            await db.rollback()
            await db.refresh(seizure)
            current = await services.seizure_json(db, settings, seizure, request.user)
            return await self._form(request, db, operation, raw, seizure=seizure, conflict=current, status_code=409)
        await db.commit()
        flash(request, _("Seizure %(ref)s saved.", ref=seizure.seizure_ref), "success")
        return Redirect(f"/operations/{operation.code}/seizures/{seizure.id}")

    @post("/seizures/{seizure_id:int}/status", name="seizures:status", guards=[requires("view_records")])
    async def status(self, request: Request, db: Db, code: FromPath[str], seizure_id: FromPath[int]) -> Template | Redirect:
        operation = await visible_operation(db, request.user, code)
        seizure = await visible_seizure(db, request.user, operation.id, seizure_id)
        form = await request.form()
        try:
            await services.change_status(db, seizure, request.user, form.get("action", ""), form.get("message", ""))
        except InvalidInput as exc:
            await db.rollback()
            return await record_page(request, db, operation, seizure, errors=exc.by_field(), status_code=400)
        await db.commit()
        flash(request, _("The record is now %(status)s.", status=status_label(seizure.status)), "success")
        return Redirect(f"/operations/{operation.code}/seizures/{seizure.id}")

    @post("/nil-returns", name="seizures:nil_return", guards=[requires("log_records")])
    async def nil_return(self, request: Request, db: Db, code: FromPath[str]) -> Redirect:
        """One click: 'nothing to report' for a day (the focal point's own country)."""
        from datetime import date

        operation = await visible_operation(db, request.user, code)
        form = await request.form()
        try:
            day = date.fromisoformat(form.get("date", ""))
            country = await services.reporting_country(db, operation, request.user, dict(form))
            await returns.record_nil_return(db, operation, request.user, country, day)
        except ValueError:
            flash(request, _("date: must be a date as YYYY-MM-DD"), "error")
        except InvalidInput as exc:
            flash(request, str(exc), "error")
        else:
            await db.commit()
            flash(request, _("Nothing to report on %(day)s: recorded.", day=day.isoformat()), "success")
        return Redirect(f"/operations/{operation.code}/completeness")

    @get("/completeness", name="seizures:completeness", guards=[requires("view_records")])
    async def completeness(self, request: Request, db: Db, code: FromPath[str]) -> Template:
        """Countries × days: seizures logged, nothing to report, or missing; a focal point sees its own row."""
        operation = await visible_operation(db, request.user, code)
        user = request.user
        scope = [user.country_code] if user.role == Role.focal_point else (
            list((await db.scalars(policy.managed_countries(user))).all()) if policy.managed_countries(user) is not None
            else None)
        grid = await returns.completeness(db, operation, utcnow().date(), scope)
        return Template("seizures/completeness.html", context={"operation": operation, "grid": grid,
                                                               "today": utcnow().date()})
