"""Operation pages: create, edit, phases, participants, focal points, targets, routes, clone."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Response, Template
from sqlalchemy import select

from opsplatform import policy
from opsplatform.database import utcnow
from opsplatform.errors import Conflict, InvalidInput
from opsplatform.i18n import _
from opsplatform.labels import country_name, phase_label, publicity_label
from opsplatform.models.operations import Operation, Phase, Publicity, Route, Target
from opsplatform.models.reference import Country, Network, Organisation, TradeTerm
from opsplatform.models.seizures import Seizure
from opsplatform.operations import focal_points, services
from opsplatform.operations.maps import routes_map
from opsplatform.operations.spec import TRANSPORT_MODES, operation_spec, parse_spec
from opsplatform.reference import lookup
from opsplatform.reference.lookup import collation_key
from opsplatform.web.access import Membership, ReadableOperation, needs
from opsplatform.web.deps import Db
from opsplatform.web.flash import flash
from opsplatform.web.guards import login_required, requires
from opsplatform.web.maps import map_response
from opsplatform.web.redirects import redirect_to

EDIT = needs("edit_operation")  # the operation's leads


def form_to_spec(data: dict[str, Any], leads: list[str]) -> dict[str, Any]:
    """The operation form's fields in the operation-file shape, so one parser serves form, API and CLI."""
    return {"code": data.get("code", ""), "name": data.get("name", ""), "series": data.get("series") or None,
            "objectives": data.get("objectives", ""), "lead_organisations": leads,
            "start": data.get("start"), "end": data.get("end"),
            "grace_days": data.get("grace_days", ""),
            "release_embargo": data.get("release_embargo") or None, "phase": data.get("phase") or None,
            "target_terms": data.get("target_terms", "")}


class OperationController(Controller):
    include_in_schema = False
    path = "/operations"

    async def _form(self, db: Db, form: dict[str, Any], errors: dict[str, str],
                    operation: Operation | None = None, status_code: int = 200, conflict: Any = None) -> Template:
        if operation is not None:
            await db.refresh(operation)  # a refused change was rolled back, which expired it
        organisations = (await db.execute(select(Organisation.code, Organisation.name)
                                          .order_by(Organisation.code))).all()
        networks = (await db.execute(select(Network.code, Network.name).order_by(Network.code))).all()
        return Template("operations/form.html", status_code=status_code, context={
            "form": form, "errors": errors, "operation": operation, "conflict": conflict,
            "lead_options": [*organisations, *networks]})

    async def _page(self, db: Db, member: Membership, *, section: str | None = None,
                    form: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                    status_code: int = 200) -> Template:
        operation = member.operation
        await db.refresh(operation)  # a refused change was rolled back, which expired it
        countries = await lookup.country_choices(db)
        routes = (await db.scalars(select(Route).where(Route.operation_id == operation.id).order_by(Route.id))).all()
        participants = await services.participants_by_region(db, operation)
        own = policy.own_country(member)
        queries = (await db.scalars(select(Seizure).where(
            policy.records(member), Seizure.status == "queried", Seizure.reporting_country == own)
            .order_by(Seizure.updated_at.desc()))).all() if own else []
        return Template("operations/detail.html", status_code=status_code, context={
            "open_queries": queries, "member": member, "own_country": own,
            "operation": operation, "timeline": services.timeline(operation), "participants": participants,
            "participant_options": sorted(((c["code"], country_name(c["code"], c["name"])) for group in participants
                                           for c in group["countries"] if member.reaches(c["code"])),
                                          key=lambda option: collation_key(option[1])),
            "targets": await services.targets_of(db, operation), "routes": routes,
            "directory": await focal_points.directory(db, operation) if policy.sees_directory(member) else None,
            "gaps": await services.launch_gaps(db, operation) if policy.may(member, "invite_focal_points") else None,
            "may_edit": policy.may(member, "edit_operation"), "may_invite": policy.may(member, "invite_focal_points"),
            "may_remove": services.may_remove_participants(operation, utcnow().date()),
            "countries": countries, "regions": await lookup.regions(db),
            "networks": (await db.execute(select(Network.code, Network.name).order_by(Network.code))).all(),
            "terms": await lookup.coded_names(db, TradeTerm),
            "modes": TRANSPORT_MODES, "phases": list(Phase),
            "publicity_options": [(p.value, publicity_label(p.value)) for p in Publicity],
            "section": section, "form": form or {}, "errors": errors or {}, "today": utcnow().date()})

    # --- create and edit ---------------------------------------------------------------------------------------------

    @get("/new", name="operations:new", guards=[requires("create_operations")])
    async def new(self, db: Db) -> Template:
        return await self._form(db, {"grace_days": 14, "phase": "draft"}, {})

    @post("/new", name="operations:create", guards=[requires("create_operations")])
    async def create(self, request: Request, db: Db, data: URLEncodedBody[dict[str, Any]]) -> Template | Redirect:
        leads = (await request.form()).getall("lead_organisations", [])
        try:
            spec = await parse_spec(db, form_to_spec(data, leads))
            operation = await services.create_operation(db, spec, request.user)
        except InvalidInput as exc:
            await db.rollback()
            return await self._form(db, {**data, "lead_organisations": leads}, exc.by_form_field(), status_code=400)
        await db.commit()
        flash(request, _("Operation %(code)s created. Add participants, focal points, targets and routes.",
                         code=operation.code), "success")
        return redirect_to(request, "operations:detail", code=operation.code)

    @get("/{code:str}", name="operations:detail")
    async def detail(self, db: Db, member: Membership) -> Template:
        if policy.own_country(member):
            await focal_points.mark_accepted(db, member.user, utcnow(), member.operation.id)
            await db.commit()
        return await self._page(db, member)

    @get("/{code:str}/edit", name="operations:edit", dependencies=EDIT)
    async def edit(self, db: Db, operation: ReadableOperation) -> Template:
        spec = await operation_spec(db, operation)
        return await self._form(db, {**spec, "target_terms": " ".join(spec["target_terms"]),
                                     "release_embargo": spec["release_embargo"] or ""}, {}, operation)

    @post("/{code:str}/edit", name="operations:update", dependencies=EDIT)
    async def update(self, request: Request, db: Db, operation: ReadableOperation,
                     data: URLEncodedBody[dict[str, Any]]) -> Template | Redirect:
        leads = (await request.form()).getall("lead_organisations", [])
        form = {**data, "lead_organisations": leads}
        try:
            spec = await parse_spec(db, form_to_spec({**data, "phase": operation.phase}, leads),
                                    existing_id=operation.id)
            await services.update_operation(db, operation, spec, int(data.get("version") or 0))
        except InvalidInput as exc:
            await db.rollback()
            return await self._form(db, form, exc.by_form_field(), operation, status_code=400)
        except Conflict:
            await db.rollback()
            await db.refresh(operation)
            current = await operation_spec(db, operation)
            return await self._form(db, form, {}, operation, status_code=409, conflict=current)
        await db.commit()
        flash(request, _("Operation saved."), "success")
        return redirect_to(request, "operations:detail", code=operation.code)

    @post("/{code:str}/phase", name="operations:phase", dependencies=EDIT)
    async def phase(self, request: Request, db: Db, operation: ReadableOperation,
                    data: URLEncodedBody[dict[str, str]]) -> Redirect:
        await services.set_phase(db, operation, data.get("phase", ""))
        await db.commit()
        flash(request, _("The operation is now in the %(phase)s phase.", phase=phase_label(operation.phase)), "success")
        return redirect_to(request, "operations:detail", code=operation.code)

    # --- participants ---------------------------------------------------------------------------------------------

    @post("/{code:str}/participants", name="operations:participants:add", dependencies=EDIT)
    async def add_participants(self, request: Request, db: Db, member: Membership,
                               data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:
        try:
            countries = await services.countries_for(db, country=data.get("country", ""),
                                                     region=data.get("region", ""), network=data.get("network", ""))
            publicity = data.get("publicity") or Publicity.aggregate
            if publicity not in Publicity.__members__:
                raise InvalidInput.one("publicity", _("must be named, aggregate or none"))
            added = await services.add_participants(db, member, countries, publicity)
        except InvalidInput as exc:
            await db.rollback()
            return await self._page(db, member, section="participants", form=data, errors=exc.by_field(),
                                    status_code=400)
        await db.commit()
        flash(request, _("%(n)s countries added (%(skipped)s already took part).", n=len(added),
                         skipped=len(countries) - len(added)), "success")
        return redirect_to(request, "operations:detail", code=member.operation.code, anchor="participants")

    @post("/{code:str}/participants/{country:str}/remove", name="operations:participants:remove", dependencies=EDIT)
    async def remove_participant(self, request: Request, db: Db, member: Membership,
                                 country: FromPath[str]) -> Template | Redirect:
        try:
            await services.remove_participant(db, member.operation, country, utcnow().date())
        except InvalidInput as exc:
            return await self._page(db, member, section="participants", errors=exc.by_field(), status_code=400)
        await db.commit()
        flash(request, _("%(code)s removed.", code=country), "success")
        return redirect_to(request, "operations:detail", code=member.operation.code, anchor="participants")

    @post("/{code:str}/participants/{country:str}/publicity", name="operations:participants:publicity")
    async def publicity(self, request: Request, db: Db, member: Membership, country: FromPath[str],
                        data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:
        """The country's consent for the public release: set or confirmed by its own focal points."""
        try:
            await services.set_publicity(db, member, country.upper(), data.get("publicity", ""), utcnow())
        except InvalidInput as exc:
            await db.rollback()
            return await self._page(db, member, section="participants", errors=exc.by_field(), status_code=400)
        await db.commit()
        flash(request, _("Consent of %(code)s saved.", code=country.upper()), "success")
        return redirect_to(request, "operations:detail", code=member.operation.code, anchor="participants")

    @post("/{code:str}/sharing", name="operations:sharing")
    async def sharing(self, request: Request, db: Db, member: Membership,
                      data: URLEncodedBody[dict[str, str]]) -> Redirect:
        """A country opens its records to all participants by default (TWIX-style), or closes them again."""
        participant = await services.set_sharing(db, member, data.get("share_by_default") == "on")
        await db.commit()
        flash(request, _("New records of %(code)s are now open to all participants.", code=participant.country_code)
              if participant.share_by_default else
              _("New records of %(code)s are now seen in full only by your country and the coordinators.",
                code=participant.country_code), "success")
        return redirect_to(request, "operations:detail", code=member.operation.code)

    # --- focal points ---------------------------------------------------------------------------------------------

    @post("/{code:str}/focal-points", name="operations:focal_points:invite",
          dependencies=needs("invite_focal_points"))
    async def invite(self, request: Request, db: Db, member: Membership,
                     data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:
        try:
            await focal_points.invite(db, request.app.state.settings, member,
                                      country=(data.get("country") or "").upper(), email=data.get("email", ""),
                                      name=data.get("name", ""), now=utcnow(), lang=data.get("language", ""))
        except InvalidInput as exc:
            await db.rollback()
            return await self._page(db, member, section="focal_points", form=data, errors=exc.by_field(),
                                    status_code=400)
        await db.commit()
        flash(request, _("Invitation sent to %(email)s.", email=data.get("email", "")), "success")
        return redirect_to(request, "operations:detail", code=member.operation.code, anchor="focal-points")

    @post("/{code:str}/focal-points/{focal_point_id:int}/{action:str}", name="operations:focal_points:action",
          dependencies=needs("invite_focal_points"))
    async def focal_point_action(self, request: Request, db: Db, member: Membership,
                                 focal_point_id: FromPath[int], action: FromPath[str]) -> Redirect:
        if action == "resend":
            done = await focal_points.resend(db, request.app.state.settings, member, focal_point_id, utcnow())
        elif action == "revoke":
            done = await focal_points.revoke(db, member, focal_point_id, utcnow())
        else:
            raise NotFoundException()
        if done is None:
            raise NotFoundException()
        await db.commit()
        flash(request,
              _("Invitation sent again.") if action == "resend" else _("Focal point removed from the operation."),
              "success")
        return redirect_to(request, "operations:detail", code=member.operation.code, anchor="focal-points")

    # --- targets and routes -----------------------------------------------------------------------------------------

    @post("/{code:str}/targets", name="operations:targets:add", dependencies=EDIT)
    async def add_target(self, request: Request, db: Db, member: Membership,
                         data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:
        return await self._add(request, db, member, "targets", data, lambda operation: services.add_target(
            db, operation, data.get("taxon", ""), data.get("priority") in ("on", "1"), data.get("notes")))

    @post("/{code:str}/targets/{target_id:int}/remove", name="operations:targets:remove", dependencies=EDIT)
    async def remove_target(self, request: Request, db: Db, operation: ReadableOperation,
                            target_id: FromPath[int]) -> Redirect:
        return await self._remove(request, db, operation, Target, target_id, "targets")

    @post("/{code:str}/routes", name="operations:routes:add", dependencies=EDIT)
    async def add_route(self, request: Request, db: Db, member: Membership) -> Template | Redirect:
        form = await request.form()
        data = {k: form.getall(k) if k in ("origin", "transit", "destination", "modes") else form.get(k)
                for k in form}
        return await self._add(request, db, member, "routes", data,
                               lambda operation: services.add_route(db, operation, data))

    async def _add(self, request: Request, db: Db, member: Membership, section: str, form: dict[str, Any],
                   add: Callable[[Operation], Awaitable[Any]]) -> Template | Redirect:
        """Add a target or route; a refusal shows the operation page with the section's errors and its input kept."""
        try:
            await add(member.operation)
        except InvalidInput as exc:
            await db.rollback()
            return await self._page(db, member, section=section, form=form, errors=exc.by_field(), status_code=400)
        await db.commit()
        return redirect_to(request, "operations:detail", code=member.operation.code, anchor=section)

    @post("/{code:str}/routes/{route_id:int}/remove", name="operations:routes:remove", dependencies=EDIT)
    async def remove_route(self, request: Request, db: Db, operation: ReadableOperation,
                           route_id: FromPath[int]) -> Redirect:
        return await self._remove(request, db, operation, Route, route_id, "routes")

    async def _remove(self, request: Request, db: Db, operation: Operation, model: type[Target] | type[Route],
                      child_id: int, anchor: str) -> Redirect:
        """Remove a target or route of the operation (through the ORM, so the audit log keeps it)."""
        child = await db.scalar(select(model).where(model.id == child_id, model.operation_id == operation.id))
        if child is None:
            raise NotFoundException()
        await db.delete(child)
        await db.commit()
        return redirect_to(request, "operations:detail", code=operation.code, anchor=anchor)

    @get("/{code:str}/routes-map", name="operations:routes_map")
    async def map_of_routes(self, request: Request, db: Db, operation: ReadableOperation) -> Response:
        settings = request.app.state.settings
        return map_response(settings, routes_map(settings, await routes_map_data(db, operation)))

    # --- clone ------------------------------------------------------------------------------------------------------

    @get("/{code:str}/clone", name="operations:clone", dependencies=EDIT)
    async def clone_form(self, operation: ReadableOperation) -> Template:
        start, end = services.default_clone_dates(operation)
        suggested = f"{operation.series}-{start.year}" if operation.series else ""
        return Template("operations/clone.html", context={"operation": operation, "errors": {}, "form": {
            "code": suggested, "name": operation.name.replace(str(operation.start_date.year), str(start.year)),
            "start": start.isoformat(), "end": end.isoformat()}})

    @post("/{code:str}/clone", name="operations:clone:submit", dependencies=EDIT)
    async def clone(self, request: Request, db: Db, operation: ReadableOperation,
                    data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:
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
        return redirect_to(request, "operations:detail", code=clone.code)


async def routes_map_data(db: Db, operation: Operation) -> dict[str, Any]:
    routes = (await db.scalars(select(Route).where(Route.operation_id == operation.id).order_by(Route.id))).all()
    codes = {c for r in routes for c in (*r.origin, *r.transit, *r.destination)}
    points = {c: (lat, lon) for c, lat, lon in (await db.execute(
        select(Country.alpha3, Country.latitude, Country.longitude).where(Country.alpha3.in_(codes)))).all()}
    return {"routes": routes, "points": points}


@get("/taxa/search", name="taxa:search", guards=[login_required], include_in_schema=False)
async def taxa_search(request: Request, db: Db, q: FromQuery[str] = "") -> Template:
    """Options for the taxon pickers: scientific or common names in English, French or Spanish.

    htmx sends the picker's own field (`taxon`, `items-2-taxon`), so any field ending in "taxon" is the query too.
    """
    query = q or next((value for key, value in request.query_params.items() if key.endswith("taxon") and value), "")
    return Template("operations/_taxon_options.html", context={"taxa": await lookup.search_taxa(db, query)})
