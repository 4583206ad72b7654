"""Language per person: the account page shows and changes it; invitations, password resets and the seizure sheet
template follow it, whatever the browser asks for. Engine-neutral, so SQLite alone."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from sqlalchemy import select

from opsplatform.database import utcnow
from opsplatform.models.auth import User
from opsplatform.models.mail import OutboxMessage
from opsplatform.operations import focal_points
from opsplatform.seizures.sheets import COLUMNS
from tests.conftest import form_post, login
from tests.results_support import active_operation, member

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
ENGLISH_BROWSER = {"Accept-Language": "en-GB,en;q=0.9"}


async def test_the_account_page_shows_and_changes_the_language(client, db, cast):
    await login(client, cast.kenya)
    page = (await client.get("/account", headers=ENGLISH_BROWSER)).text
    assert re.search(r'<option value="en"\s+selected>English</option>', page)
    answer = await form_post(client, "/language", {"language": "fr", "next": "/account"})
    assert answer.status_code == 302 and answer.headers["location"] == "/account"
    page = (await client.get("/account", headers=ENGLISH_BROWSER)).text
    assert "<h1>Votre compte</h1>" in page and re.search(r'<option value="fr"\s+selected>Français</option>', page)
    await db.refresh(cast.kenya)
    assert cast.kenya.language == "fr"
    await form_post(client, "/language", {"language": "klingon", "next": "/account"})  # ignored, nothing changes
    await db.refresh(cast.kenya)
    assert cast.kenya.language == "fr"


async def test_a_new_focal_point_is_invited_in_the_language_chosen_else_the_country_s(db, settings, cast):
    operation = await active_operation(db, countries=[{"country": c, "publicity": "named"}
                                                      for c in ("KEN", "COD", "PER", "SEN")])
    invited = {"kinshasa@iccn.test": ("COD", ""), "lima@serfor.test": ("PER", ""), "nairobi@kws.test": ("KEN", ""),
               "dakar@eaux-forets.test": ("SEN", "es")}  # a chosen language wins over the country's
    for email, (country, lang) in invited.items():
        await focal_points.invite(db, settings, await member(db, cast.coordinator, operation), country=country,
                                  email=email, name="Focal point", now=utcnow(), lang=lang)
    await db.commit()
    languages = dict((await db.execute(select(User.email, User.language).where(User.email.in_(invited)))).all())
    assert languages == {"kinshasa@iccn.test": "fr", "lima@serfor.test": "es", "nairobi@kws.test": "en",
                         "dakar@eaux-forets.test": "es"}
    subjects = dict((await db.execute(select(OutboxMessage.to_address, OutboxMessage.subject))).all())
    assert subjects == {"kinshasa@iccn.test": "Vous êtes point focal pour Operation Thunder 2026",
                        "lima@serfor.test": "Usted es punto focal de Operation Thunder 2026",
                        "nairobi@kws.test": "You are a focal point for Operation Thunder 2026",
                        "dakar@eaux-forets.test": "Usted es punto focal de Operation Thunder 2026"}
    body = await db.scalar(select(OutboxMessage.body_text).where(OutboxMessage.to_address == "kinshasa@iccn.test"))
    assert "point focal national de Congo-Kinshasa pour Operation Thunder 2026" in body


async def test_a_password_reset_speaks_the_account_s_language_in_the_mail_and_on_the_pages(client, db, cast):
    cast.tanzania.language = "es"
    await db.commit()
    await form_post(client, "/password/forgot", {"email": cast.tanzania.email}, headers=ENGLISH_BROWSER)
    mail = await db.scalar(select(OutboxMessage).where(OutboxMessage.to_address == cast.tanzania.email))
    assert mail.subject == "Restablezca su contraseña de opsplatform"
    assert "Alguien (esperamos que usted) solicitó restablecer la contraseña" in mail.body_text
    link = re.search(r"/password/set/\S+", mail.body_text).group(0)
    page = (await client.get(link, headers=ENGLISH_BROWSER)).text
    assert '<html lang="es">' in page and "Elija una nueva contraseña" in page
    refused = await form_post(client, link, {"password": "short", "password_confirm": "short"}, headers=ENGLISH_BROWSER)
    assert refused.status_code == 400 and "debe tener al menos 10 caracteres" in refused.text
    done = await form_post(client, link, {"password": "una contraseña larga", "password_confirm":
                                          "una contraseña larga"}, headers=ENGLISH_BROWSER)
    assert done.status_code in (302, 303)
    login_page = (await client.get("/login", headers=ENGLISH_BROWSER)).text  # no session yet: the cookie speaks
    assert "Su contraseña está definida. Ya puede iniciar sesión." in login_page


async def test_the_sheet_template_comes_in_the_user_s_language_with_the_contract_columns(client, db, cast):
    await active_operation(db, target_taxa=["Loxodonta africana"])
    cast.kenya.language = "fr"
    await db.commit()
    await login(client, cast.kenya)
    response = await client.get("/operations/THUNDER-2026/template.xlsx", headers=ENGLISH_BROWSER)
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Saisies", "Listes", "Taxons ciblés", "Codes", "Mode d'emploi"]
    assert tuple(cell.value for cell in book["Saisies"][1]) == COLUMNS
    assert [cell.value for cell in book["Taxons ciblés"][2]] == ["Loxodonta africana", "Éléphant de savane d'Afrique"]
    codes = {row[0]: row[1] for row in book["Codes"].iter_rows(min_row=2, max_col=2, values_only=True)}
    assert codes["TUS"] == "défenses" and book["Codes"]["G1"].value == "pays"
    assert "Remplissez la feuille « Saisies »" in " ".join(str(row[0].value) for row in book["Mode d'emploi"].rows)
    rules = {str(rule.sqref).split(":")[0]: rule for rule in book["Saisies"].data_validations.dataValidation}
    term = COLUMNS.index("term")
    assert rules[f"{openpyxl.utils.get_column_letter(term + 1)}2"].formula1.startswith("Listes!$")
