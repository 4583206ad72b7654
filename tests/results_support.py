"""Shared set-up for results tests: an active operation with Kenya, Tanzania and Uganda, and API tokens."""

from __future__ import annotations

import copy

from opsplatform.auth.services import create_api_token
from opsplatform.operations import services
from opsplatform.operations.models import Operation
from opsplatform.operations.spec import parse_spec

ACTIVE = {"code": "THUNDER-2026", "name": "Operation Thunder 2026", "phase": "active", "start": "2026-10-01",
          "end": "2026-10-31", "grace_days": 14,
          "countries": [{"country": "KEN", "publicity": "named"}, {"country": "TZA", "publicity": "aggregate"},
                        {"country": "UGA", "publicity": "none"}]}

IVORY = {"seizure_ref": "KE-JKIA-001", "seizure_date": "2026-10-03", "location": "JKIA cargo terminal",
         "latitude": -1.32, "longitude": 36.93, "location_type": "airport", "detection_method": "xray",
         "transport_mode": "air_cargo", "agency": "customs", "origin_country": "KEN", "destination_country": "VNM",
         "transit_countries": ["ARE"], "concealment": "sacks of cashew nuts", "suspects_arrested": 2,
         "suspect_nationalities": ["KEN", "VNM"], "case_status": "investigation",
         "items": [{"taxon": "Loxodonta africana", "term": "TUS", "quantity": 120.5, "unit": "kg",
                    "estimated_value": 90000, "currency": "USD"},
                   {"taxon": "Loxodonta africana", "term": "TUS", "quantity": 14}],
         "suspects": [{"nationality": "VNM", "sex": "male", "role": "courier", "name": "Tran Van A",
                       "date_of_birth": "1980-02-03", "document_number": "C1234567"}]}


async def active_operation(db, **changes) -> Operation:
    operation = await services.create_operation(db, await parse_spec(db, {**copy.deepcopy(ACTIVE), **changes}), None)
    await db.commit()
    return operation


async def bearer(db, user) -> dict[str, str]:
    _token, raw = await create_api_token(db, user, "tests")
    await db.commit()
    return {"Authorization": f"Bearer {raw}"}
