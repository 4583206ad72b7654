"""Across operations: the search box's records (reference, place, document number, company) and operations
compared side by side. Each shows only what the person may see in each operation."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.params import FromQuery
from litestar.response import Template

from opsplatform import policy
from opsplatform.errors import FieldError, InvalidInput
from opsplatform.i18n import _, ngettext
from opsplatform.models.operations import Operation
from opsplatform.reference import lookup
from opsplatform.reporting.comparison import MOST, compare
from opsplatform.reporting.records import PAGE, find_records, items_by_record
from opsplatform.web.deps import Db, PageNumber
from opsplatform.web.guards import requires

SEARCH_LENGTH = 200  # longer than any reference, place or company name


class AnalysisController(Controller):
    include_in_schema = False

    @get("/records", name="records:search", guards=[requires("find_records")])
    async def search(self, request: Request, db: Db, q: FromQuery[str] = "", page: PageNumber = 1) -> Template:
        """Records found by reference, place, document number or company in every operation the person reads
        records of (the latest logged first); with nothing typed, all of them."""
        if len(q) > SEARCH_LENGTH:
            return Template("reporting/records.html", status_code=400, context={
                "q": q[:SEARCH_LENGTH], "found": None, "page": 1, "page_size": PAGE,
                "errors": {"q": _("at most %(num)s characters", num=SEARCH_LENGTH)}})
        found = await find_records(db, request.user, q, page)
        return Template("reporting/records.html", context={
            "q": q, "found": found, "page": page, "page_size": PAGE, "errors": {},
            "items": await items_by_record(db, [seizure.id for seizure, _op in found.seizures]),
            "quantity": await lookup.quantity_words(db)})

    @get("/compare", name="operations:compare", guards=[requires("join_operations")])
    async def compare(self, request: Request, db: Db) -> Template:
        """The operations ticked, side by side; the list to tick from is those the person can open."""
        user = request.user
        choices = (await db.scalars(policy.visible_operations(user).order_by(Operation.start_date.desc()))).all()
        codes = list(dict.fromkeys(request.query_params.getall("operations", [])))
        errors: dict[str, str] = {}
        try:
            picked = _picked(choices, codes)
        except InvalidInput as exc:
            picked, errors = [], exc.by_field()
        members = [member for operation in picked if (member := await policy.member_of(db, user, operation))]
        return Template("reporting/compare.html", status_code=400 if errors else 200, context={
            "choices": choices, "codes": codes, "errors": errors, "most": MOST,
            "comparison": await compare(db, members) if members else None,
            "quantity": await lookup.quantity_words(db)})


def _picked(choices: list[Operation], codes: list[str]) -> list[Operation]:
    """The operations named, from those the person can open (one it cannot is unknown to it: the same words)."""
    by_code = {operation.code: operation for operation in choices}
    unknown = [code for code in codes if code not in by_code]
    if unknown:
        raise InvalidInput([FieldError("operations", ngettext(
            "%(codes)s is not an operation you can open", "%(codes)s are not operations you can open",
            len(unknown), codes=", ".join(code[:40] for code in unknown[:5])))])
    if len(codes) > MOST:
        raise InvalidInput([FieldError("operations", _("compare at most %(num)s operations at once", num=MOST))])
    return [by_code[code] for code in codes]
