"""Who gets what, for every route of the application: one table, checked against the live route list, on both
databases.

The world is one operation, Thunder (Kenya, Tanzania and Thailand), a closed group: its team is a lead coordinator,
ASEAN-WEN's coordinator (who reaches Thailand only), an analyst and a press officer; Kenya's and Tanzania's focal
points belong through their countries. Another coordinator is not on the team. Every path that names a record names
Kenya's: its seizure, its uploaded sheet, its focal point's invitation; the link is Kenya's request to Tanzania; the
message goes to the whole operation; the document is the lead's sitrep.

Each row is a route (method and path as the app declares it) and the answer for each role, in the order of ROLES:
a status code; `login` for a redirect to the login page; `302` for any other redirect. Write routes get a harmless
request: where access is granted the answer is usually 400 (the body is deliberately incomplete), which proves the
request passed every access check without changing anything. A route missing from the table fails
`test_every_route_has_an_entry`, naming it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from opsplatform.app import create_app
from opsplatform.auth.services import create_api_token, create_user, start_session
from opsplatform.briefings.services import generate
from opsplatform.cases import links, messages
from opsplatform.database import utcnow
from opsplatform.models.auth import User
from opsplatform.models.operations import FocalPoint, Route, Target
from opsplatform.models.seizures import SheetImport
from opsplatform.operations import focal_points
from opsplatform.seizures import attachments, services as seizure_services, sheet_tasks
from opsplatform.settings import Settings
from opsplatform.web.csrf import token_for
from tests.conftest import CSRF_META, password_hash
from tests.results_support import IVORY, active_operation, member

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
       b"\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")
ROLES = ("anonymous", "admin", "lead", "outsider", "network", "analyst", "press", "own_fp", "other_fp")
# anonymous; administrator; the operation's lead coordinator; a coordinator not on its team; ASEAN-WEN's coordinator
# on its team; analyst; press officer; Kenya's focal point (the record's own country); Tanzania's (another country).
PEOPLE = {"admin": ("ada@ops.test", "admin", None, None), "lead": ("corinne@ops.test", "coordinator", None, None),
          "outsider": ("otto@ops.test", "coordinator", None, None),
          "network": ("anan@ops.test", "coordinator", None, "ASEAN-WEN"),
          "analyst": ("anders@ops.test", "analyst", None, None), "press": ("priya@ops.test", "press_officer", None, None),
          "own_fp": ("wanjiru@kws.test", "focal_point", "KEN", None),
          "other_fp": ("baraka@tz.test", "focal_point", "TZA", None)}

MATRIX: dict[tuple[str, str], str] = {
    #                                                                                               anon  admin lead  outs. netw. anal. press ownFP othFP
    ('GET', '/'):                                                                                       "login 200   200   200   200   200   200   200   200",
    ('GET', '/account'):                                                                                "login 200   200   200   200   200   200   200   200",
    ('POST', '/account/reminders'):                                                                     "login 302   302   302   302   302   302   302   302",
    ('POST', '/account/second-factor'):                                                                 "login 302   302   302   302   403   403   403   403",
    ('POST', '/account/second-factor/confirm'):                                                         "login 400   400   400   400   403   403   403   403",
    ('POST', '/account/second-factor/disable'):                                                         "login 400   400   400   400   403   403   403   403",
    ('POST', '/account/tokens'):                                                                        "login 400   400   400   400   400   400   400   400",
    ('POST', '/account/tokens/{token_id:int}/revoke'):                                                  "login 404   404   302   404   404   404   404   404",
    ('GET', '/admin'):                                                                                  "login 302   403   403   403   403   403   403   403",
    ('GET', '/admin/audit'):                                                                            "login 200   403   403   403   403   403   403   403",
    ('GET', '/admin/outbox'):                                                                           "login 200   403   403   403   403   403   403   403",
    ('POST', '/admin/outbox/{message_id:int}/retry'):                                                   "login 404   403   403   403   403   403   403   403",
    ('GET', '/admin/reference'):                                                                        "login 200   403   403   403   403   403   403   403",
    ('POST', '/admin/reference/checklist'):                                                             "login 400   403   403   403   403   403   403   403",
    ('POST', '/admin/reference/reload'):                                                                "login 302   403   403   403   403   403   403   403",
    ('GET', '/admin/users'):                                                                            "login 200   403   403   403   403   403   403   403",
    ('GET', '/admin/users/new'):                                                                        "login 200   403   403   403   403   403   403   403",
    ('POST', '/admin/users/new'):                                                                       "login 400   403   403   403   403   403   403   403",
    ('GET', '/admin/users/{user_id:int}'):                                                              "login 200   403   403   403   403   403   403   403",
    ('POST', '/admin/users/{user_id:int}'):                                                             "login 400   403   403   403   403   403   403   403",
    ('POST', '/admin/users/{user_id:int}/second-factor/reset'):                                         "login 302   403   403   403   403   403   403   403",
    ('GET', '/api/v1/matches'):                                                                         "401   403   403   403   403   403   403   403   403",
    ('GET', '/api/v1/me'):                                                                              "401   200   200   200   200   200   200   200   200",
    ('GET', '/api/v1/operations'):                                                                      "401   200   200   200   200   200   200   200   200",
    ('POST', '/api/v1/operations'):                                                                     "401   403   400   400   400   403   403   403   403",
    ('GET', '/api/v1/operations/{code:str}'):                                                           "401   404   200   404   200   200   200   200   200",
    ('PATCH', '/api/v1/operations/{code:str}'):                                                         "401   404   400   404   403   403   403   403   403",
    ('GET', '/api/v1/operations/{code:str}/follow-up'):                                                 "401   404   200   404   200   200   200   200   200",
    ('GET', '/api/v1/operations/{code:str}/links'):                                                     "401   404   200   404   200   200   403   200   200",
    ('POST', '/api/v1/operations/{code:str}/links'):                                                    "401   404   400   404   400   403   403   400   400",
    ('DELETE', '/api/v1/operations/{code:str}/links/{link_id:int}'):                                    "401   404   200   404   404   403   403   400   400",
    ('POST', '/api/v1/operations/{code:str}/links/{link_id:int}/decision'):                             "401   404   400   404   404   403   403   400   400",
    ('GET', '/api/v1/operations/{code:str}/messages'):                                                  "401   404   200   404   200   200   403   200   200",
    ('POST', '/api/v1/operations/{code:str}/messages'):                                                 "401   404   400   404   400   400   403   400   400",
    ('GET', '/api/v1/operations/{code:str}/messages/{message_id:int}'):                                 "401   404   200   404   200   200   403   200   200",
    ('GET', '/api/v1/operations/{code:str}/messages/{message_id:int}/attachments/{attachment_id:int}'): "401   404   200   404   200   200   403   200   200",
    ('POST', '/api/v1/operations/{code:str}/messages/{message_id:int}/replies'):                        "401   404   400   404   400   400   403   400   400",
    ('POST', '/api/v1/operations/{code:str}/nil-returns'):                                              "401   404   400   404   400   403   403   400   400",
    ('POST', '/api/v1/operations/{code:str}/phase'):                                                    "401   404   400   404   403   403   403   403   403",
    ('GET', '/api/v1/operations/{code:str}/seizures'):                                                  "401   404   200   404   200   200   403   200   200",
    ('POST', '/api/v1/operations/{code:str}/seizures'):                                                 "401   404   400   404   400   403   403   400   400",
    ('GET', '/api/v1/operations/{code:str}/seizures/{seizure_id:int}'):                                 "401   404   200   404   404   200   403   200   404",
    ('PATCH', '/api/v1/operations/{code:str}/seizures/{seizure_id:int}'):                               "401   404   400   404   404   403   403   400   404",
    ('GET', '/api/v1/operations/{code:str}/seizures/{seizure_id:int}/attachments'):                     "401   404   200   404   404   200   404   200   404",
    ('GET', '/api/v1/operations/{code:str}/seizures/{seizure_id:int}/attachments/{file_id:int}'):       "401   404   200   404   404   200   404   200   404",
    ('GET', '/api/v1/operations/{code:str}/seizures/{seizure_id:int}/case-events'):                     "401   404   200   404   404   200   403   200   404",
    ('POST', '/api/v1/operations/{code:str}/seizures/{seizure_id:int}/case-events'):                    "401   404   400   404   404   403   403   400   404",
    ('PUT', '/api/v1/operations/{code:str}/seizures/{seizure_id:int}/disposal'):                        "401   404   400   404   404   403   403   400   404",
    ('GET', '/api/v1/operations/{code:str}/seizures/{seizure_id:int}/ecomessage.docx'):                 "401   404   200   404   404   200   403   200   404",
    ('GET', '/api/v1/operations/{code:str}/seizures/{seizure_id:int}/ecomessage.html'):                 "401   404   200   404   404   200   403   200   404",
    ('GET', '/api/v1/operations/{code:str}/seizures/{seizure_id:int}/ecomessage.pdf'):                  "401   404   200   404   404   200   403   200   404",
    ('POST', '/api/v1/operations/{code:str}/seizures/{seizure_id:int}/status'):                         "401   404   400   404   404   403   403   400   404",
    ('GET', '/api/v1/operations/{code:str}/summary'):                                                   "401   404   200   404   200   200   200   200   200",
    ('GET', '/api/v1/reports/annual-illegal-trade'):                                                    "401   403   400   400   400   400   403   400   400",
    ('GET', '/api/v1/taxa'):                                                                            "401   200   200   200   200   200   200   200   200",
    ('GET', '/documents/{artifact_id:int}'):                                                            "login 404   200   404   404   200   404   404   404",
    ('GET', '/favicon.ico'):                                                                            "302   302   302   302   302   302   302   302   302",
    ('GET', '/health'):                                                                                 "200   200   200   200   200   200   200   200   200",
    ('GET', '/jobs'):                                                                                   "login 200   200   200   200   403   403   403   403",
    ('POST', '/jobs/{job_name:str}/run'):                                                                 "login 302   302   302   302   403   403   403   403",
    ('POST', '/language'):                                                                              "302   302   302   302   302   302   302   302   302",
    ('GET', '/login'):                                                                                  "200   200   200   200   200   200   200   200   200",
    ('POST', '/login'):                                                                                 "400   400   400   400   400   400   400   400   400",
    ('POST', '/login/code'):                                                                            "login login login login login login login login login",
    ('POST', '/logout'):                                                                                "login login login login login login login login login",
    ('GET', '/matches'):                                                                                "login 403   403   403   403   403   403   403   403",
    ('GET', '/notifications'):                                                                          "login 200   200   200   200   200   200   200   200",
    ('POST', '/notifications/read'):                                                                    "login 302   302   302   302   302   302   302   302",
    ('POST', '/notifications/{note_id:int}/open'):                                                      "login 302   302   302   302   302   302   302   302",
    ('GET', '/operations/new'):                                                                         "login 403   200   200   200   403   403   403   403",
    ('POST', '/operations/new'):                                                                        "login 403   400   400   400   403   403   403   403",
    ('GET', '/operations/{code:str}'):                                                                  "login 404   200   404   200   200   200   200   200",
    ('GET', '/operations/{code:str}/clone'):                                                            "login 404   200   404   403   403   403   403   403",
    ('POST', '/operations/{code:str}/clone'):                                                           "login 404   400   404   403   403   403   403   403",
    ('GET', '/operations/{code:str}/completeness'):                                                     "login 404   200   404   200   200   403   200   200",
    ('GET', '/operations/{code:str}/dashboard'):                                                        "login 404   200   404   200   200   200   200   200",
    ('GET', '/operations/{code:str}/documents'):                                                        "login 404   200   404   200   200   200   200   200",
    ('POST', '/operations/{code:str}/documents'):                                                       "login 404   400   404   400   403   403   403   403",
    ('GET', '/operations/{code:str}/edit'):                                                             "login 404   200   404   403   403   403   403   403",
    ('POST', '/operations/{code:str}/edit'):                                                            "login 404   400   404   403   403   403   403   403",
    ('GET', '/operations/{code:str}/export.csv'):                                                       "login 404   200   404   200   200   403   200   200",
    ('GET', '/operations/{code:str}/export.geojson'):                                                   "login 404   200   404   200   200   403   200   200",
    ('GET', '/operations/{code:str}/export.xlsx'):                                                      "login 404   200   404   200   200   403   200   200",
    ('POST', '/operations/{code:str}/export.xlsx'):                                                     "login 404   302   404   302   302   403   302   302",
    ('POST', '/operations/{code:str}/focal-points'):                                                    "login 404   400   404   400   403   403   403   403",
    ('POST', '/operations/{code:str}/focal-points/{focal_point_id:int}/{action:str}'):                  "login 404   302   404   404   403   403   403   403",
    ('GET', '/operations/{code:str}/follow-up'):                                                        "login 404   200   404   200   200   200   200   200",
    ('GET', '/operations/{code:str}/imports'):                                                          "login 404   200   404   200   403   403   200   200",
    ('POST', '/operations/{code:str}/imports'):                                                         "login 404   400   404   400   403   403   400   400",
    ('GET', '/operations/{code:str}/imports/{import_id:int}'):                                          "login 404   200   404   404   403   403   200   404",
    ('GET', '/operations/{code:str}/imports/{import_id:int}/file'):                                     "login 404   200   404   404   403   403   200   404",
    ('GET', '/operations/{code:str}/imports/{import_id:int}/report.txt'):                               "login 404   200   404   404   403   403   200   404",
    ('POST', '/operations/{code:str}/imports/{import_id:int}/run'):                                     "login 404   302   404   404   403   403   302   404",
    ('GET', '/operations/{code:str}/links'):                                                            "login 404   200   404   200   200   403   200   200",
    ('GET', '/operations/{code:str}/links/network'):                                                    "login 404   200   404   200   403   403   403   403",
    ('POST', '/operations/{code:str}/links/{link_id:int}/decision'):                                    "login 404   400   404   404   403   403   400   400",
    ('POST', '/operations/{code:str}/links/{link_id:int}/remove'):                                      "login 404   400   404   404   403   403   400   400",
    ('GET', '/operations/{code:str}/map/{kind:str}'):                                                   "login 404   200   404   200   200   200   200   200",
    ('GET', '/operations/{code:str}/messages'):                                                         "login 404   200   404   200   200   403   200   200",
    ('POST', '/operations/{code:str}/messages'):                                                        "login 404   400   404   400   400   403   400   400",
    ('GET', '/operations/{code:str}/messages/{message_id:int}'):                                        "login 404   200   404   200   200   403   200   200",
    ('GET', '/operations/{code:str}/messages/{message_id:int}/attachments/{attachment_id:int}'):        "login 404   200   404   200   200   403   200   200",
    ('POST', '/operations/{code:str}/messages/{message_id:int}/replies'):                               "login 404   400   404   400   400   403   400   400",
    ('POST', '/operations/{code:str}/nil-returns'):                                                     "login 404   302   404   302   403   403   302   302",
    ('POST', '/operations/{code:str}/participants'):                                                    "login 404   400   404   403   403   403   403   403",
    ('POST', '/operations/{code:str}/participants/{country:str}/publicity'):                            "login 404   403   404   403   403   403   400   403",
    ('POST', '/operations/{code:str}/participants/{country:str}/remove'):                               "login 404   400   404   403   403   403   403   403",
    ('POST', '/operations/{code:str}/phase'):                                                           "login 404   400   404   403   403   403   403   403",
    ('GET', '/operations/{code:str}/release'):                                                          "login 404   200   404   200   403   200   403   403",
    ('POST', '/operations/{code:str}/release'):                                                         "login 404   409   404   409   403   409   403   403",
    ('POST', '/operations/{code:str}/release/corrections'):                                             "login 404   400   404   400   403   400   403   403",
    ('GET', '/operations/{code:str}/release/export.csv'):                                               "login 404   200   404   200   403   200   403   403",
    ('GET', '/operations/{code:str}/release/export.html'):                                              "login 404   200   404   200   403   200   403   403",
    ('GET', '/operations/{code:str}/release/export.json'):                                              "login 404   200   404   200   403   200   403   403",
    ('GET', '/operations/{code:str}/release/export.pdf'):                                               "login 404   200   404   200   403   200   403   403",
    ('GET', '/operations/{code:str}/release/preview'):                                                  "login 404   200   404   200   403   200   403   403",
    ('POST', '/operations/{code:str}/release/{action:str}'):                                            "login 404   409   404   403   403   403   403   403",
    ('POST', '/operations/{code:str}/routes'):                                                          "login 404   400   404   403   403   403   403   403",
    ('GET', '/operations/{code:str}/routes-map'):                                                       "login 404   200   404   200   200   200   200   200",
    ('POST', '/operations/{code:str}/routes/{route_id:int}/remove'):                                    "login 404   302   404   403   403   403   403   403",
    ('GET', '/operations/{code:str}/seizures'):                                                         "login 404   200   404   200   200   403   200   200",
    ('GET', '/operations/{code:str}/seizures/new'):                                                     "login 404   200   404   200   403   403   200   200",
    ('POST', '/operations/{code:str}/seizures/new'):                                                    "login 404   400   404   400   403   403   400   400",
    ('GET', '/operations/{code:str}/seizures/{seizure_id:int}'):                                        "login 404   200   404   404   200   403   200   404",
    ('POST', '/operations/{code:str}/seizures/{seizure_id:int}/attachments'):                           "login 404   400   404   404   403   403   400   404",
    ('GET', '/operations/{code:str}/seizures/{seizure_id:int}/attachments/{file_id:int}'):              "login 404   200   404   404   200   404   200   404",
    ('POST', '/operations/{code:str}/seizures/{seizure_id:int}/attachments/{file_id:int}/publicity'):    "login 404   403   404   404   403   403   400   404",
    ('POST', '/operations/{code:str}/seizures/{seizure_id:int}/attachments/{file_id:int}/remove'):       "login 404   400   404   404   403   403   302   404",
    ('GET', '/operations/{code:str}/seizures/{seizure_id:int}/attachments/{file_id:int}/thumbnail'):     "login 404   200   404   404   200   404   200   404",
    ('POST', '/operations/{code:str}/seizures/{seizure_id:int}/case-events'):                           "login 404   400   404   404   403   403   400   404",
    ('POST', '/operations/{code:str}/seizures/{seizure_id:int}/disposal'):                              "login 404   400   404   404   403   403   400   404",
    ('GET', '/operations/{code:str}/seizures/{seizure_id:int}/ecomessage'):                             "login 404   200   404   404   200   403   200   404",
    ('GET', '/operations/{code:str}/seizures/{seizure_id:int}/ecomessage.docx'):                        "login 404   200   404   404   200   403   200   404",
    ('GET', '/operations/{code:str}/seizures/{seizure_id:int}/ecomessage.html'):                        "login 404   200   404   404   200   403   200   404",
    ('GET', '/operations/{code:str}/seizures/{seizure_id:int}/ecomessage.pdf'):                         "login 404   200   404   404   200   403   200   404",
    ('GET', '/operations/{code:str}/seizures/{seizure_id:int}/edit'):                                   "login 404   200   404   404   403   403   200   404",
    ('POST', '/operations/{code:str}/seizures/{seizure_id:int}/edit'):                                  "login 404   400   404   404   403   403   400   404",
    ('POST', '/operations/{code:str}/seizures/{seizure_id:int}/links'):                                 "login 404   400   404   404   403   403   400   404",
    ('POST', '/operations/{code:str}/seizures/{seizure_id:int}/status'):                                "login 404   400   404   404   403   403   400   404",
    ('POST', '/operations/{code:str}/sharing'):                                                         "login 404   403   404   403   403   403   302   302",
    ('POST', '/operations/{code:str}/targets'):                                                         "login 404   400   404   403   403   403   403   403",
    ('POST', '/operations/{code:str}/targets/{target_id:int}/remove'):                                  "login 404   302   404   403   403   403   403   403",
    ('GET', '/operations/{code:str}/team'):                                                             "login 404   200   404   200   200   200   200   200",
    ('POST', '/operations/{code:str}/team'):                                                            "login 404   400   404   403   403   403   403   403",
    ('POST', '/operations/{code:str}/team/{user_id:int}/remove'):                                       "login 404   400   404   403   403   403   403   403",
    ('GET', '/operations/{code:str}/template.xlsx'):                                                    "login 404   200   404   200   403   403   200   200",
    ('GET', '/password/forgot'):                                                                        "200   200   200   200   200   200   200   200   200",
    ('POST', '/password/forgot'):                                                                       "200   200   200   200   200   200   200   200   200",
    ('GET', '/password/set/{token:str}'):                                                               "404   404   404   404   404   404   404   404   404",
    ('POST', '/password/set/{token:str}'):                                                              "400   400   400   400   400   400   400   400   400",
    ('GET', '/releases'):                                                                               "200   200   200   200   200   200   200   200   200",
    ('GET', '/releases/{file_name:str}'):                                                             "404   404   404   404   404   404   404   404   404",
    ('GET', '/help/{guide:str}'):                                                                       "200   200   200   200   200   200   200   200   200",
    ('GET', '/help/images/{file_name:str}'):                                                            "404   404   404   404   404   404   404   404   404",
    ('GET', '/records'):                                                                                "login 403   200   200   200   200   403   200   200",
    ('POST', '/register'):                                                                              "login 403   403   403   403   403   403   302   302",
    ('GET', '/compare'):                                                                                "login 403   200   200   200   200   200   200   200",
    ('GET', '/reports/annual-illegal-trade'):                                                           "login 403   200   200   200   200   403   200   200",
    ('GET', '/reports/annual-illegal-trade.xlsx'):                                                      "login 403   400   400   400   400   403   400   400",
    ('GET', '/schema'):                                                                                 "200   200   200   200   200   200   200   200   200",
    ('GET', '/schema/openapi.json'):                                                                    "200   200   200   200   200   200   200   200   200",
    ('GET', '/schema/scalar'):                                                                          "200   200   200   200   200   200   200   200   200",
    ('GET', '/schema/{path:str}'):                                                                      "404   404   404   404   404   404   404   404   404",
    ('GET', '/static/{file_path:path}'):                                                                "200   200   200   200   200   200   200   200   200",
    ('HEAD', '/static/{file_path:path}'):                                                               "200   200   200   200   200   200   200   200   200",
    ('GET', '/taxa/search'):                                                                            "login 200   200   200   200   200   200   200   200",
}

# What each write route is sent (forms are form-encoded; API routes JSON; `files` makes it multipart).
REQUESTS: dict[tuple[str, str], dict] = {
    ("POST", "/login"): {"data": {"email": "nobody@nowhere.test", "password": "wrong"}},
    ("POST", "/login/code"): {"data": {"code": "123456"}},
    ("POST", "/password/forgot"): {"data": {"email": "nobody@nowhere.test"}},
    ("POST", "/password/set/{token:str}"): {"data": {"password": "a long password", "password_confirm": "other"}},
    ("POST", "/language"): {"data": {"language": "en", "next": "/"}},
    ("POST", "/account/tokens"): {"data": {"name": ""}},
    ("POST", "/account/second-factor/confirm"): {"data": {"code": "000000"}},
    ("POST", "/account/second-factor/disable"): {"data": {"code": "000000"}},
    ("POST", "/admin/reference/checklist"): {"files": {"file": ("", b"", "text/csv")}},
    ("POST", "/operations/{code:str}/participants/{country:str}/publicity"): {"data": {"publicity": "everywhere"}},
    ("POST", "/operations/{code:str}/sharing"): {"data": {"share_by_default": ""}},
    ("POST", "/operations/{code:str}/team"): {"data": {"email": "nobody@nowhere.test"}},
    ("POST", "/operations/{code:str}/seizures/{seizure_id:int}/edit"): {"data": {"action": "save", "version": "1"}},
    ("POST", "/operations/{code:str}/seizures/{seizure_id:int}/status"): {"data": {"action": "answer", "message": "x"}},
    ("POST", "/operations/{code:str}/nil-returns"): {"data": {"date": "not a date"}},
    ("POST", "/operations/{code:str}/imports"): {"files": {"file": ("", b"", "text/csv")}},
    ("POST", "/operations/{code:str}/seizures/{seizure_id:int}/attachments"): {"files": {"files": ("", b"", "image/png")}},
    ("POST", "/api/v1/operations/{code:str}/seizures/{seizure_id:int}/status"): {"json": {"action": "answer",
                                                                                         "message": "x"}},
    ("POST", "/operations/{code:str}/seizures/{seizure_id:int}/disposal"): {"data": {"disposal": "lost"}},
    ("PUT", "/api/v1/operations/{code:str}/seizures/{seizure_id:int}/disposal"): {"json": {"disposal": "lost"}},
    ("POST", "/register"): {"data": {"year": "1900"}},  # refused: no register is opened
}
QUERY = {("GET", "/taxa/search"): "?q=Loxodonta", ("GET", "/api/v1/taxa"): "?q=Loxodonta"}
# Fixed values of path parameters that are not records of the world (/schema/{path} serves only the documentation
# plugins).
FIXED = {"token": "no-such-link", "file_path": "css/app.css", "path": "openapi.yaml", "kind": "countries",
         "job_name": "purge_expired", "file_name": "NO-SUCH-RELEASE", "note_id": "999999", "country": "KEN",
         "guide": "focal-point"}
ACTIONS = {"/operations/{code:str}/focal-points/{focal_point_id:int}/{action:str}": "resend",
           "/operations/{code:str}/release/{action:str}": "approve"}


def expectations(key: tuple[str, str]) -> dict[str, str]:
    tokens = MATRIX[key].split()
    assert len(tokens) == len(ROLES), f"{key}: {len(tokens)} answers for {len(ROLES)} roles"
    return dict(zip(ROLES, tokens, strict=True))


def declared_routes(app: Litestar) -> set[tuple[str, str]]:
    return {(method, route.path) for route in app.routes for handler in getattr(route, "route_handlers", [])
            for method in handler.http_methods if method != "OPTIONS"}


def test_every_route_has_an_entry(tmp_path):
    routes = declared_routes(create_app(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/none.db")))
    missing = sorted(routes - set(MATRIX))
    assert not missing, "routes without an entry in the access matrix (add them to MATRIX in this file):\n" + \
        "\n".join(f"  {method} {path}" for method, path in missing)
    stale = sorted(set(MATRIX) - routes)
    assert not stale, "MATRIX entries for routes that no longer exist:\n" + "\n".join(f"  {m} {p}" for m, p in stale)
    for key in MATRIX:
        expectations(key)


@dataclass
class World:
    settings: Settings
    app: Litestar
    sessions: dict[str, str]
    tokens: dict[str, str]
    values: dict[str, str]


@pytest.fixture(name="world")  # a function name of its own: the tests' `world` arguments do not shadow its import
async def world_fixture(settings, db) -> World:
    """The cast, Thunder with its team, Kenya's and Tanzania's records, uploads and invitations, a link request, a
    message with an attachment and a sitrep."""
    users: dict[str, User] = {}
    for role, (email, account_role, country, network) in PEOPLE.items():
        users[role] = await create_user(db, email=email, name=role.title(), role=account_role, country=country,
                                        network=network)
        users[role].password_hash = password_hash()
    await db.commit()
    outsider = users.pop("outsider")  # not on the team: created again after the operation
    await db.delete(outsider)
    await db.commit()
    thunder = await active_operation(db, countries=[{"country": "KEN", "publicity": "named"},
                                                    {"country": "TZA", "publicity": "aggregate"},
                                                    {"country": "THA", "publicity": "named"}],
                                     target_taxa=["Loxodonta africana"], routes=[
        {"name": "Ivory by air", "origin": ["KEN"], "destination": ["VNM"], "modes": ["air_cargo"]}])
    users["outsider"] = await create_user(db, email=PEOPLE["outsider"][0], name="Outsider", role="coordinator")
    users["outsider"].password_hash = password_hash()
    lead = await member(db, users["lead"], thunder)
    records = {}
    for role, country in (("own_fp", "KEN"), ("other_fp", "TZA")):
        records[country] = await seizure_services.create_seizure(
            db, settings, await member(db, users[role], thunder), {**IVORY, "seizure_ref": f"{country}-1",
                                                                   "suspects": []})
        upload = await sheet_tasks.keep(db, operation_id=thunder.id, country=country, filename="sheet.csv",
                                        content=b"seizure_ref\n", user=users[role])
        upload.status = "done"
        await focal_points.invite(db, settings, lead, country=country, email=users[role].email, name="",
                                  now=utcnow())
    link = await links.request_link(db, await member(db, users["own_fp"], thunder), records["KEN"],
                                    {"kind": "network", "other_country": "TZA", "other_seizure_ref": "TZA-1"})
    photo = await attachments.attach(db, settings, await member(db, users["own_fp"], thunder), records["KEN"],
                                     [("tusks.png", PNG)])
    message = await messages.post_message(db, settings, lead, {"kind": "alert", "subject": "Watch NBO", "body": "x"},
                                          [("photo.gif", b"GIF89a" + b"\x00" * 20)])
    sitrep = await generate(db, settings, lead, kind="sitrep", fmt="html", lang="en", now=utcnow())
    await db.commit()

    async def first(query):  # type: ignore[no-untyped-def]
        return str(await db.scalar(query.limit(1)))

    values = {"code": thunder.code, "seizure_id": str(records["KEN"].id),
              "import_id": await first(select(SheetImport.id).where(SheetImport.country_code == "KEN")),
              "focal_point_id": await first(select(FocalPoint.id).where(FocalPoint.country_code == "KEN")),
              "route_id": await first(select(Route.id).where(Route.operation_id == thunder.id)),
              "target_id": await first(select(Target.id).where(Target.operation_id == thunder.id)),
              "user_id": str(users["lead"].id), "artifact_id": str(sitrep.id), "link_id": str(link.id),
              "message_id": str(message.id), "file_id": str(photo[0][0].id),
              "attachment_id": str((await messages.thread(db, settings, lead, message.id)).attachments[0].id),
              "token_id": str((await create_api_token(db, users["outsider"], "not yours"))[0].id)}
    sessions, tokens = {}, {}
    for role in ROLES[1:]:
        sessions[role] = await start_session(db, settings, users[role], ip=None, now=utcnow())
        tokens[role] = (await create_api_token(db, users[role], "matrix"))[1]
    await db.commit()
    return World(settings, create_app(settings), sessions, tokens, values)


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def page_problems(label: str, response) -> list[str]:  # type: ignore[no-untyped-def]
    """A page's CSP allows no inline script, and the page needs none; map pages (iframes) carry their own CSP."""
    if response.status_code != 200 or "text/html" not in response.headers.get("content-type", "") or \
            "/schema" in label:
        return []
    csp = response.headers.get("content-security-policy", "")
    if "/map/" in label or "routes-map" in label:
        return [] if "frame-ancestors 'self'" in csp and "http:" not in csp else [f"{label}: map CSP is {csp!r}"]
    problems = []
    script_src = re.search(r"script-src ([^;]*)", csp)
    if not script_src or "'unsafe-inline'" in script_src.group(1) or "'unsafe-eval'" in script_src.group(1):
        problems.append(f"{label}: CSP script-src is {script_src.group(1) if script_src else None!r}")
    if found := INLINE_SCRIPT.search(response.text) or INLINE_HANDLER.search(response.text):
        problems.append(f"{label}: inline script in the page: {found.group(0)[:80]!r}")
    return problems


def answer_of(response) -> str:  # type: ignore[no-untyped-def]
    if response.status_code in (301, 302, 303, 307):
        return "login" if response.headers["location"].startswith("/login") else "302"
    return str(response.status_code)


async def observed(world: World, db) -> tuple[dict[tuple[str, str], dict[str, str]], list[str]]:  # type: ignore[no-untyped-def]
    """Every route's answer to every role, and the pages whose scripts the CSP would not allow."""
    answers: dict[tuple[str, str], dict[str, str]] = {}
    problems: list[str] = []
    async with AsyncTestClient(app=world.app) as client:
        client.follow_redirects = False
        csrf: dict[str, str] = {}
        for role in ROLES:  # each session's own token, as its pages carry it
            client.cookies.clear()
            if role != "anonymous":
                client.cookies.set("opsp_session", world.sessions[role])
            csrf[role] = CSRF_META.search((await client.get("/login")).text).group(1)
            csrf[f"{role}:pre"] = client.cookies.get("opsp_csrf") or ""
        for method, path in sorted(declared_routes(world.app)):
            answers[(method, path)] = {}
            for role in ROLES:
                url = re.sub(r"\{(\w+):\w+\}", lambda m, path=path: ACTIONS.get(path) if m[1] == "action" else
                             FIXED.get(m[1]) or world.values[m[1]], path) + QUERY.get((method, path), "")
                client.cookies.clear()
                headers = {}
                token = csrf[role]
                if role == "anonymous":
                    client.cookies.set("opsp_csrf", csrf["anonymous:pre"])
                else:
                    session = world.sessions[role]
                    if path == "/logout":  # a throw-away session, so the role's own stays valid
                        user = await db.scalar(select(User).where(User.email == PEOPLE[role][0]))
                        session = await start_session(db, world.settings, user, ip=None, now=utcnow())
                        await db.commit()
                        token = token_for(world.settings.effective_secret_key, session)
                    client.cookies.set("opsp_session", session)
                    if path.startswith("/api/"):
                        headers["Authorization"] = f"Bearer {world.tokens[role]}"
                spec = REQUESTS.get((method, path), {"json": {}} if path.startswith("/api/") else
                                    ({"data": {}} if method in ("POST", "PATCH") else {}))
                if "data" in spec or "files" in spec:
                    spec = {**spec, "data": {**spec.get("data", {}), "_csrf_token": token}}
                response = await client.request(method, url, headers=headers, **spec)
                answers[(method, path)][role] = answer_of(response)
                problems += page_problems(f"{method} {url} as {role}", response)
    return answers, problems


def table(answers: dict[tuple[str, str], dict[str, str]]) -> str:
    """The answers in MATRIX's own layout, to read and paste when routes or rules change."""
    width = max(len(repr(k)) for k in answers) + 2
    return "\n".join(f"    {repr(k) + ':':<{width}}\"{' '.join(f'{a:<5}' for a in by_role.values()).rstrip()}\","
                     for k, by_role in sorted(answers.items(), key=lambda kv: (kv[0][1], kv[0][0])))


async def test_every_route_answers_every_role_as_the_matrix_says(world, db):
    answers, problems = await observed(world, db)
    failures = [f"{method} {path} as {role}: expected {expected}, got {answers[(method, path)][role]}"
                for (method, path) in MATRIX for role, expected in expectations((method, path)).items()
                if answers[(method, path)][role] != expected]
    assert not failures, f"{len(failures)} answers differ from the matrix:\n" + "\n".join(failures) + \
        "\n\nThe whole table as observed:\n" + table(answers)
    assert not problems, "\n".join(problems)
