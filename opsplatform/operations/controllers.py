"""Operation pages: create, edit, phases, participants, focal points, targets, routes, clone."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Response, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform.web.deps import Db
from opsplatform import policy
from opsplatform.auth.guards import requires
from opsplatform.auth.models import User
from opsplatform.database import utcnow
from opsplatform.errors import InvalidInput
from opsplatform.i18n import _
from opsplatform.labels import country_name, phase_label, publicity_label
from opsplatform.operations import focal_points, services
from opsplatform.operations.maps import routes_map
from opsplatform.operations.models import Operation, Phase, Publicity, Route, Target
from opsplatform.operations.spec import TRANSPORT_MODES, operation_spec, parse_spec
from opsplatform.reference import lookup
from opsplatform.reference.lookup import collation_key
from opsplatform.reference.models import Country, Network, Organisation, TradeTerm
from opsplatform.seizures.models import Seizure
from opsplatform.web.flash import flash

# Pages of one operation: anyone who may view operations, then the operation must be visible (404 otherwise).
view_guard = [requires("view_operations")]
manage_guard = [requires("manage_operations")]


async def visible_operation(db: Db, user: User, code: str) -> Operation:
    operation = await db.scalar(policy.visible_operations(user).where(Operation.code == code.upper()))
    if operation is None:
        raise NotFoundException(_("no operation %(code)s that you can see", code=code))
    return operation


async def editable_operation(db: Db, user: User, code: str) -> Operation:
    """An operation the user can see (404 otherwise) and may edit (403 otherwise)."""
    operation = await visible_operation(db, user, code)
    require(policy.may_edit_operation(user))
    return operation


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDeniedException(_("your role does not allow this"))


def form_to_spec(data: dict[str, Any], leads: list[str]) -> dict[str, Any]:
    """The operation form's fields in the operation-file shape, so one parser serves form, API and CLI."""
    return {"code": data.get("code", ""), "name": data.get("name", ""), "series": data.get("series") or None,
            "objectives": data.get("objectives", ""), "lead_organisations": leads,
            "start": data.get("start"), "end": data.get("end"),
            "grace_days": int(data["grace_days"]) if str(data.get("grace_days", "")).isdigit() else data.get("grace_days"),
            "release_embargo": data.get("release_embargo") or None, "phase": data.get("phase") or None,
            "target_terms": data.get("target_terms", "")}


class OperationController(Controller):
    include_in_schema = False
    path = "/operations"

    async def _form(self, db: Db, form: dict[str, Any], errors: dict[str, str],
                    operation: Operation | None = None, status_code: int = 200, conflict: Any = None) -> Template:
        if operation is not None:
            await db.refresh(operation)  # a refused change was rolled back, which expired it
        organisations = (await db.execute(select(Organisation.code, Organisation.name).order_by(Organisation.code))).all()
        networks = (await db.execute(select(Network.code, Network.name).order_by(Network.code))).all()
        return Template("operations/form.html", status_code=status_code, context={
            "form": form, "errors": errors, "operation": operation, "conflict": conflict,
            "lead_options": [*organisations, *networks]})

    async def _page(self, request: Request, db: Db, operation: Operation, *, section: str | None = None,
                    form: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                    status_code: int = 200) -> Template:
        user = request.user
        await db.refresh(operation)  # a refused change was rolled back, which expired it
        countries = await lookup.country_choices(db)
        routes = (await db.scalars(select(Route).where(Route.operation_id == operation.id).order_by(Route.id))).all()
        participants = await services.participants_by_region(db, operation)
        queries = (await db.scalars(policy.visible_seizures(user).where(
            Seizure.operation_id == operation.id, Seizure.status == "queried",
            Seizure.reporting_country == user.country_code).order_by(Seizure.updated_at.desc()))).all() \
            if user.role == "focal_point" else []
        return Template("operations/detail.html", status_code=status_code, context={
            "open_queries": queries,
            "operation": operation, "timeline": services.timeline(operation), "participants": participants,
            "participant_options": sorted(((c["code"], country_name(c["code"], c["name"])) for group in participants
                                           for c in group["countries"]), key=lambda option: collation_key(option[1])),
            "targets": await services.targets_of(db, operation), "routes": routes,
            "directory": await focal_points.directory(db, operation) if policy.sees_directory(user) else None,
            "gaps": await services.launch_gaps(db, operation) if policy.can(user, "manage_operations") else None,
            "may_edit": policy.may_edit_operation(user), "may_invite": policy.may_manage_focal_points(user),
            "may_remove": services.may_remove_participants(operation, utcnow().date()),
            "countries": countries, "regions": await lookup.regions(db),
            "networks": (await db.execute(select(Network.code, Network.name).order_by(Network.code))).all(),
            "terms": await lookup.coded_names(db, TradeTerm),
            "modes": TRANSPORT_MODES, "phases": list(Phase), "publicities": list(Publicity),
            "publicity_options": [(p.value, publicity_label(p.value)) for p in Publicity],
            "section": section, "form": form or {}, "errors": errors or {}})

    # --- create and edit ---------------------------------------------------------------------------------------------

    @get("/new", name="operations:new", guards=manage_guard)
    async def new(self, request: Request, db: Db) -> Template:
        require(policy.may_edit_operation(request.user))
        return await self._form(db, {"grace_days": 14, "phase": "draft"}, {})

    @post("/new", name="operations:create", guards=manage_guard)
    async def create(self, request: Request, db: Db, data: URLEncodedBody[dict[str, Any]]) -> Template | Redirect:
        require(policy.may_edit_operation(request.user))
        leads = (await request.form()).getall("lead_organisations", [])
        try:
            spec = await parse_spec(db, form_to_spec(data, leads))
            operation = await services.create_operation(db, spec, request.user)
        except InvalidInput as exc:
            await db.rollback()
            return await self._form(db, {**data, "lead_organisations": leads}, exc.by_field(), status_code=400)
        await db.commit()
        flash(request, _("Operation %(code)s created. Add participants, focal points, targets and routes.",
                         code=operation.code), "success")
        return Redirect(f"/operations/{operation.code}")

    @get("/{code:str}", name="operations:detail", guards=view_guard)
    async def detail(self, request: Request, db: Db, code: FromPath[str]) -> Template:
        operation = await visible_operation(db, request.user, code)
        if request.user.role == "focal_point":
            await focal_points.mark_accepted(db, request.user, utcnow(), operation.id)
            await db.commit()
        return await self._page(request, db, operation)

    @get("/{code:str}/edit", name="operations:edit", guards=manage_guard)
    async def edit(self, request: Request, db: Db, code: FromPath[str]) -> Template:
        operation = await editable_operation(db, request.user, code)
        spec = await operation_spec(db, operation)
        return await self._form(db, {**spec, "target_terms": " ".join(spec["target_terms"]),
                                     "release_embargo": spec["release_embargo"] or ""}, {}, operation)

    @post("/{code:str}/edit", name="operations:update", guards=manage_guard)
    async def update(self, request: Request, db: Db, code: FromPath[str],
                     data: URLEncodedBody[dict[str, Any]]) -> Template | Redirect:
        operation = await editable_operation(db, request.user, code)
        leads = (await request.form()).getall("lead_organisations", [])
        form = {**data, "lead_organisations": leads}
        try:
            spec = await parse_spec(db, form_to_spec({**data, "phase": operation.phase}, leads), existing_id=operation.id)
            await services.update_operation(db, operation, spec, int(data.get("version") or 0))
        except InvalidInput as exc:
            await db.rollback()
            return await self._form(db, form, exc.by_field(), operation, status_code=400)
        except services.Conflict:
            await db.rollback()
            await db.refresh(operation)
            current = await operation_spec(db, operation)
            return await self._form(db, form, {}, operation, status_code=409, conflict=current)
        await db.commit()
        flash(request, _("Operation saved."), "success")
        return Redirect(f"/operations/{operation.code}")

    @post("/{code:str}/phase", name="operations:phase", guards=manage_guard)
    async def phase(self, request: Request, db: Db, code: FromPath[str],
                    data: URLEncodedBody[dict[str, str]]) -> Redirect:
        operation = await editable_operation(db, request.user, code)
        await services.set_phase(db, operation, data.get("phase", ""))
        await db.commit()
        flash(request, _("The operation is now in the %(phase)s phase.", phase=phase_label(operation.phase)), "success")
        return Redirect(f"/operations/{operation.code}")

    # --- participants ---------------------------------------------------------------------------------------------

    @post("/{code:str}/participants", name="operations:participants:add", guards=manage_guard)
    async def add_participants(self, request: Request, db: Db, code: FromPath[str],
                               data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:
        operation = await editable_operation(db, request.user, code)
        try:
            countries = await services.countries_for(db, country=data.get("country", ""),
                                                     region=data.get("region", ""), network=data.get("network", ""))
            publicity = data.get("publicity") or Publicity.aggregate
            if publicity not in Publicity.__members__:
                raise InvalidInput.one("publicity", _("must be named, aggregate or none"))
            added = await services.add_participants(db, operation, countries, publicity)
        except InvalidInput as exc:
            await db.rollback()
            return await self._page(request, db, operation, section="participants", form=data,
                                    errors=exc.by_field(), status_code=400)
        await db.commit()
        flash(request, _("%(n)s countries added (%(skipped)s already took part).", n=len(added),
                         skipped=len(countries) - len(added)), "success")
        return Redirect(f"/operations/{operation.code}#participants")

    @post("/{code:str}/participants/{country:str}/remove", name="operations:participants:remove", guards=manage_guard)
    async def remove_participant(self, request: Request, db: Db, code: FromPath[str],
                                 country: FromPath[str]) -> Template | Redirect:
        operation = await editable_operation(db, request.user, code)
        try:
            await services.remove_participant(db, operation, country, utcnow().date())
        except InvalidInput as exc:
            return await self._page(request, db, operation, section="participants", errors=exc.by_field(),
                                    status_code=400)
        await db.commit()
        flash(request, _("%(code)s removed.", code=country), "success")
        return Redirect(f"/operations/{operation.code}#participants")

    @post("/{code:str}/participants/{country:str}/publicity", name="operations:participants:publicity",
          guards=manage_guard)
    async def publicity(self, request: Request, db: Db, code: FromPath[str], country: FromPath[str],
                        data: URLEncodedBody[dict[str, str]]) -> Redirect:
        operation = await visible_operation(db, request.user, code)
        if (scope := policy.managed_countries(request.user)) is not None:
            require(country in (await db.scalars(scope)).all())
        await services.set_publicity(db, operation, country, data.get("publicity", ""))
        await db.commit()
        flash(request, _("Consent of %(code)s saved.", code=country), "success")
        return Redirect(f"/operations/{operation.code}#participants")

    @post("/{code:str}/sharing", name="operations:sharing", guards=[requires("log_records")])
    async def sharing(self, request: Request, db: Db, code: FromPath[str],
                      data: URLEncodedBody[dict[str, str]]) -> Redirect:
        """A country opens its records to all participants by default (TWIX-style), or closes them again."""
        operation = await visible_operation(db, request.user, code)
        require(request.user.role == "focal_point")
        participant = await services.set_sharing(db, operation, request.user.country_code or "",
                                                 data.get("share_by_default") == "on")
        await db.commit()
        flash(request, _("New records of %(code)s are now open to all participants.", code=participant.country_code)
              if participant.share_by_default else
              _("New records of %(code)s are now seen in full only by your country and the coordinators.",
                code=participant.country_code), "success")
        return Redirect(f"/operations/{operation.code}")

    # --- focal points ---------------------------------------------------------------------------------------------

    @post("/{code:str}/focal-points", name="operations:focal_points:invite", guards=manage_guard)
    async def invite(self, request: Request, db: Db, code: FromPath[str],
                     data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:
        operation = await visible_operation(db, request.user, code)
        country = (data.get("country") or "").upper()
        if (scope := policy.managed_countries(request.user)) is not None:
            require(country in (await db.scalars(scope)).all())
        try:
            await focal_points.invite(db, request.app.state.settings, operation, country=country,
                                      email=data.get("email", ""), name=data.get("name", ""), inviter=request.user,
                                      now=utcnow(), lang=data.get("language", ""))
        except InvalidInput as exc:
            await db.rollback()
            return await self._page(request, db, operation, section="focal_points", form=data,
                                    errors=exc.by_field(), status_code=400)
        await db.commit()
        flash(request, _("Invitation sent to %(email)s.", email=data.get("email", "")), "success")
        return Redirect(f"/operations/{operation.code}#focal-points")

    @post("/{code:str}/focal-points/{focal_point_id:int}/{action:str}", name="operations:focal_points:action",
          guards=manage_guard)
    async def focal_point_action(self, request: Request, db: Db, code: FromPath[str],
                                 focal_point_id: FromPath[int], action: FromPath[str]) -> Redirect:
        operation = await visible_operation(db, request.user, code)
        if action == "resend":
            done = await focal_points.resend(db, request.app.state.settings, operation, focal_point_id, utcnow())
        elif action == "revoke":
            done = await focal_points.revoke(db, operation, focal_point_id, utcnow())
        else:
            raise NotFoundException()
        if done is None:
            raise NotFoundException()
        if (scope := policy.managed_countries(request.user)) is not None:
            require(done.country_code in (await db.scalars(scope)).all())
        await db.commit()
        flash(request, _("Invitation sent again.") if action == "resend" else _("Focal point removed from the operation."),
              "success")
        return Redirect(f"/operations/{operation.code}#focal-points")

    # --- targets and routes -----------------------------------------------------------------------------------------

    @post("/{code:str}/targets", name="operations:targets:add", guards=manage_guard)
    async def add_target(self, request: Request, db: Db, code: FromPath[str],
                         data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:
        return await self._add(request, db, code, "targets", data, lambda operation: services.add_target(
            db, operation, data.get("taxon", ""), data.get("priority") in ("on", "1"), data.get("notes")))

    @post("/{code:str}/targets/{target_id:int}/remove", name="operations:targets:remove", guards=manage_guard)
    async def remove_target(self, request: Request, db: Db, code: FromPath[str],
                            target_id: FromPath[int]) -> Redirect:
        return await self._remove(request, db, code, Target, target_id, "targets")

    @post("/{code:str}/routes", name="operations:routes:add", guards=manage_guard)
    async def add_route(self, request: Request, db: Db, code: FromPath[str]) -> Template | Redirect:
        form = await request.form()
        data = {k: form.getall(k) if k in ("origin", "transit", "destination", "modes") else form.get(k)
                for k in form}
        return await self._add(request, db, code, "routes", data,
                               lambda operation: services.add_route(db, operation, data))

    async def _add(self, request: Request, db: Db, code: str, section: str, form: dict[str, Any],
                   add: Callable[[Operation], Awaitable[Any]]) -> Template | Redirect:
        """Add a target or route; a refusal shows the operation page with the section's errors and its input kept."""
        operation = await editable_operation(db, request.user, code)
        try:
            await add(operation)
        except InvalidInput as exc:
            await db.rollback()
            return await self._page(request, db, operation, section=section, form=form, errors=exc.by_field(),
                                    status_code=400)
        await db.commit()
        return Redirect(f"/operations/{operation.code}#{section}")

    @post("/{code:str}/routes/{route_id:int}/remove", name="operations:routes:remove", guards=manage_guard)
    async def remove_route(self, request: Request, db: Db, code: FromPath[str],
                           route_id: FromPath[int]) -> Redirect:
        return await self._remove(request, db, code, Route, route_id, "routes")

    async def _remove(self, request: Request, db: Db, code: str, model: type[Target] | type[Route], child_id: int,
                      anchor: str) -> Redirect:
        """Remove a target or route of the operation (through the ORM, so the audit log keeps it)."""
        operation = await editable_operation(db, request.user, code)
        child = await db.scalar(select(model).where(model.id == child_id, model.operation_id == operation.id))
        if child is None:
            raise NotFoundException()
        await db.delete(child)
        await db.commit()
        return Redirect(f"/operations/{operation.code}#{anchor}")

    @get("/{code:str}/routes-map", name="operations:routes_map", guards=view_guard)
    async def map_of_routes(self, request: Request, db: Db, code: FromPath[str]) -> Response:
        operation = await visible_operation(db, request.user, code)
        return routes_map(request.app.state.settings, await routes_map_data(db, operation))

    # --- clone ------------------------------------------------------------------------------------------------------

    @get("/{code:str}/clone", name="operations:clone", guards=manage_guard)
    async def clone_form(self, request: Request, db: Db, code: FromPath[str]) -> Template:
        operation = await editable_operation(db, request.user, code)
        start, end = services.default_clone_dates(operation)
        suggested = f"{operation.series}-{start.year}" if operation.series else ""
        return Template("operations/clone.html", context={"operation": operation, "errors": {}, "form": {
            "code": suggested, "name": operation.name.replace(str(operation.start_date.year), str(start.year)),
            "start": start.isoformat(), "end": end.isoformat()}})

    @post("/{code:str}/clone", name="operations:clone:submit", guards=manage_guard)
    async def clone(self, request: Request, db: Db, code: FromPath[str],
                    data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:
        operation = await editable_operation(db, request.user, code)
        try:
            spec = await parse_spec(db, {"code": data.get("code"), "name": data.get("name"), "start": data.get("start"),
                                         "end": data.get("end")})
            clone = await services.clone_operation(db, operation, code=spec.code, name=spec.name, start=spec.start,
                                                   end=spec.end, user=request.user)
        except InvalidInput as exc:
            await db.rollback()
            await db.refresh(operation)
            return Template("operations/clone.html", status_code=400,
                            context={"operation": operation, "errors": exc.by_field(), "form": data})
        await db.commit()
        flash(request, _("%(code)s created from %(source)s.", code=clone.code, source=operation.code), "success")
        return Redirect(f"/operations/{clone.code}")


async def routes_map_data(db: Db, operation: Operation) -> dict[str, Any]:
    routes = (await db.scalars(select(Route).where(Route.operation_id == operation.id).order_by(Route.id))).all()
    codes = {c for r in routes for c in (*r.origin, *r.transit, *r.destination)}
    points = {c: (lat, lon) for c, lat, lon in (await db.execute(
        select(Country.alpha3, Country.latitude, Country.longitude).where(Country.alpha3.in_(codes)))).all()}
    return {"routes": routes, "points": points}


@get("/taxa/search", name="taxa:search", guards=[requires("view_operations")], include_in_schema=False)
async def taxa_search(request: Request, db: Db, q: FromQuery[str] = "") -> Template:
    """Options for the taxon pickers: scientific or common names in English, French or Spanish.

    htmx sends the picker's own field (`taxon`, `items-2-taxon`), so any field ending in "taxon" is the query too.
    """
    query = q or next((value for key, value in request.query_params.items() if key.endswith("taxon") and value), "")
    return Template("operations/_taxon_options.html", context={"taxa": await lookup.search_taxa(db, query)})
