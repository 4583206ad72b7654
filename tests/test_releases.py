"""The public results release: pre-filled from the figures, consent rules everything, no nominal data in any format,
figures frozen at approval, nothing public before publication, the embargo to the minute, corrections, languages."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from opsplatform.auth.services import create_user
from opsplatform.background.schedule import BY_NAME, run_job
from opsplatform.database import utcnow
from opsplatform.models.auth import User
from opsplatform.models.documents import Artifact
from opsplatform.models.notifications import Notification
from opsplatform.models.operations import Operation, Participant
from opsplatform.models.releases import Release
from opsplatform.operations.services import set_publicity
from opsplatform.releases.workflow import publish_due
from tests.conftest import form_post, login
from tests.documents_support import known_operation, pdf_text, quantities
from tests.results_support import IVORY, bearer, member
from tests.test_cli import opsplatform

PAGE = "/operations/THUNDER-2026/release"
PUBLIC = "/releases/THUNDER-2026"
NOMINAL = ("Tran Van A", "C1234567", "1980-02-03")


# Tanzania counts in the totals without its name, as do two more countries that logged nothing: enough of them
# for the release to count it (fewer would be revealed by subtracting the named countries from the totals).
CONSENTS = [{"country": "KEN", "publicity": "named"}, {"country": "TZA", "publicity": "aggregate"},
            {"country": "UGA", "publicity": "none"}, {"country": "RWA", "publicity": "aggregate"},
            {"country": "BDI", "publicity": "aggregate"}]


@pytest.fixture
async def known(client, db, cast):
    operation, sent = await known_operation(client, db, cast, countries=copy.deepcopy(CONSENTS))
    uganda = await create_user(db, email="ug@uwa.test", name="Uganda", role="focal_point", country="UGA")
    # Kenya approves one seizure for publicity, in its own words; Uganda (consent: none) does too.
    for who, ref, words in ((cast.kenya, "KE-1", "120 kg of ivory hidden in cashew nut sacks at JKIA"),
                            (uganda, "UG-1", "Ugandan ivory case")):
        listed = (await client.get("/api/v1/operations/THUNDER-2026/seizures", headers=await bearer(db, who))).json()
        seizure = next(s for s in listed if s["seizure_ref"] == ref)
        response = await client.patch(f"/api/v1/operations/THUNDER-2026/seizures/{seizure['id']}",
                                      json={"version": seizure["version"], "publicity_approved": True,
                                            "public_description": words}, headers=await bearer(db, who))
        assert response.status_code == 200, response.text
    return operation, sent


async def act(client, action: str, db) -> object:
    await db.commit()  # end the test's read transaction: see what the app committed
    version = await db.scalar(select(Release.version))
    return await form_post(client, f"{PAGE}/{action}", {"version": str(version)})


async def approved_and_published(client, db, cast) -> None:
    await login(client, cast.press)
    assert (await client.get(PAGE)).status_code == 200  # the draft exists from the first visit
    await login(client, cast.coordinator)
    assert (await act(client, "approve", db)).status_code in (302, 303)
    assert (await act(client, "publish", db)).status_code in (302, 303)
    client.cookies.clear()


async def test_the_draft_is_prefilled_from_the_figures_the_release_may_show(client, db, cast, known):
    _operation, sent = known
    await login(client, cast.press)
    preview = (await client.get(f"{PAGE}/preview")).text
    consenting = [s for s in sent if s["reporting_country"] != "UGA"]  # Uganda's consent is none
    kg, pieces = quantities(consenting, {"KEN", "TZA"})[("TUS", "kg")], quantities(consenting)[("TUS", "number")]
    assert f"{len(consenting)} seizures and {sum(s['suspects_arrested'] for s in consenting)} arrests to date" \
        in preview
    assert (kg, pieces) == (361.5, 42)
    # Two significant digits, said as releases say them; kilograms and pieces never added together.
    assert "more than 360 kg and 42 pieces of elephant ivory" in preview
    assert "preliminary" in preview and "Draft: not for publication" in preview


async def test_no_name_document_number_birth_date_or_forbidden_country_in_any_format(client, db, cast, known):
    await approved_and_published(client, db, cast)
    for suffix in ("", ".json", ".csv", ".pdf"):
        for lang in ("en", "fr", "es"):
            response = await client.get(f"{PUBLIC}{suffix}", params={"lang": lang})
            assert response.status_code == 200, (suffix, lang)
            text = pdf_text(response.content) if suffix == ".pdf" else response.text
            for secret in (*NOMINAL, "Uganda", "Ouganda", "UGA", "Ugandan ivory case"):
                assert secret not in text, (suffix, lang, secret)
    html = (await client.get(PUBLIC)).text
    assert "Kenya" in html and "120 kg of ivory hidden in cashew nut sacks at JKIA" in html
    assert "Tanzania" not in html  # counted in the totals (aggregate consent), never named


async def test_figures_are_frozen_at_approval_and_thawed_by_reopening(client, db, cast, known):
    await login(client, cast.press)
    await client.get(PAGE)
    await login(client, cast.coordinator)
    await act(client, "approve", db)
    more = {**copy.deepcopy(IVORY), "seizure_ref": "KE-9"}
    assert (await client.post("/api/v1/operations/THUNDER-2026/seizures", json=more,
                              headers=await bearer(db, cast.kenya))).status_code == 201
    frozen = json.loads((await client.get(f"{PAGE}/export.json")).content)
    assert frozen["seizures"] == 3 and frozen["status"] == "approved"
    await act(client, "reopen", db)
    live = json.loads((await client.get(f"{PAGE}/export.json")).content)
    assert live["seizures"] == 4 and live["status"] == "draft"


async def test_an_unpublished_release_is_not_public(client, db, cast, known):
    await login(client, cast.press)
    await client.get(PAGE)
    await login(client, cast.coordinator)
    await act(client, "approve", db)
    client.cookies.clear()
    for suffix in ("", ".json", ".pdf", ".csv"):
        assert (await client.get(f"{PUBLIC}{suffix}")).status_code == 404
    assert "THUNDER-2026" not in (await client.get("/releases")).text


async def test_the_embargo_is_honoured_to_the_minute_and_publishes_once(client, db, cast, known, settings, makers):
    embargo = (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    await login(client, cast.press)
    await client.get(PAGE)
    saved = await form_post(client, PAGE, {"version": "1", "embargo": embargo.strftime("%Y-%m-%dT%H:%M"),
                                           "narrative_en": "Context.", "quotes_en": ""})
    assert saved.status_code in (302, 303), saved.text
    await login(client, cast.coordinator)
    await act(client, "approve", db)
    await login(client, cast.press)
    await act(client, "schedule", db)
    assert await publish_due(db, settings, embargo - timedelta(minutes=1)) == 0
    assert (await client.get(PUBLIC)).status_code == 404
    run = await run_job(makers[0], settings, BY_NAME["publish_releases"], embargo)
    assert run.done == 1
    assert await publish_due(db, settings, embargo + timedelta(minutes=1)) == 0
    client.cookies.clear()
    assert (await client.get(PUBLIC)).status_code == 200
    told = (await db.scalars(select(Notification.text).where(Notification.user_id == cast.press.id))).all()
    assert "The release of %(operation)s is published" in told


async def test_roles_on_the_release(client, db, cast, known):
    for role, expected in (("kenya", 403), ("analyst", 403), ("admin", 404), ("press", 200), ("coordinator", 200)):
        await login(client, getattr(cast, role))
        assert (await client.get(PAGE)).status_code == expected, role
    await login(client, cast.press)
    assert (await act(client, "approve", db)).status_code == 403  # a press officer drafts; a coordinator approves
    assert (await act(client, "publish", db)).status_code == 403
    assert await db.scalar(select(Release.status)) == "draft"


async def test_bad_input_names_the_field_and_keeps_what_was_typed(client, db, cast, known):
    await login(client, cast.press)
    await client.get(PAGE)
    response = await form_post(client, PAGE, {"version": "1", "suppress_below": "a few", "embargo": "soon",
                                              "narrative_fr": "Un contexte soigneusement rédigé."})
    assert response.status_code == 400
    assert "must be a whole number from 2 to 100" in response.text and "must be a date and time" in response.text
    assert "Un contexte soigneusement rédigé." in response.text
    assert await db.scalar(select(Release.texts)) == {}


async def test_a_concurrent_edit_is_refused_not_overwritten(client, db, cast, known):
    await login(client, cast.press)
    await client.get(PAGE)
    assert (await form_post(client, PAGE, {"version": "1", "narrative_en": "First."})).status_code in (302, 303)
    stale = await form_post(client, PAGE, {"version": "1", "narrative_en": "Second, from an old page."})
    assert stale.status_code == 409 and "Second, from an old page." in stale.text
    await db.commit()
    assert (await db.scalar(select(Release.texts)))["en"]["narrative"] == "First."


async def test_a_correction_after_publication_appears_as_a_dated_note(client, db, cast, known):
    await approved_and_published(client, db, cast)
    await login(client, cast.press)
    response = await form_post(client, f"{PAGE}/corrections", {"note": "Kenya's ivory weight was 120.5 kg, not 125."})
    assert response.status_code in (302, 303)
    client.cookies.clear()
    public = json.loads((await client.get(f"{PUBLIC}.json")).content)
    assert [c["note"] for c in public["corrections"]] == ["Kenya's ivory weight was 120.5 kg, not 125."]
    assert public["corrections"][0]["date"][:10] == utcnow().date().isoformat()
    assert "Correction of" in (await client.get(PUBLIC)).text


@pytest.mark.parametrize("lang, heading, word", [("en", "Results by region", "pieces"),
                                                 ("fr", "Résultats par région", "pièces"),
                                                 ("es", "Resultados por región", "piezas")])
async def test_the_release_renders_in_three_languages(client, db, cast, known, lang, heading, word):
    await approved_and_published(client, db, cast)
    html = (await client.get(PUBLIC, params={"lang": lang})).text
    assert f'<html lang="{lang}">' in html and heading in html and word in html


async def test_small_counts_can_be_suppressed(client, db, cast, known):
    await login(client, cast.press)
    await client.get(PAGE)
    await form_post(client, PAGE, {"version": "1", "suppress_below": "5"})
    data = json.loads((await client.get(f"{PAGE}/export.json")).content)
    assert all(e["seizures"] is None and e["fewer_than"] == 5 for e in data["by_country"])
    assert data["seizures"] == 3  # totals are never suppressed
    rows = list(csv.DictReader(io.StringIO((await client.get(f"{PAGE}/export.csv")).content.decode("utf-8-sig"))))
    assert {r["note"] for r in rows if r["section"] == "country"} == {"fewer than 5"}


async def test_exports_are_kept_with_their_provenance(client, db, cast, known):
    await login(client, cast.press)
    await client.get(PAGE)
    response = await client.get(f"{PAGE}/export.pdf", params={"lang": "es"})
    assert response.status_code == 200 and "Resultados por región" in pdf_text(response.content)
    kept = (await db.execute(select(Artifact.kind, Artifact.language, Artifact.format, Artifact.generated_by))).all()
    assert kept == [("release", "es", "pdf", "Priya Press <priya@ops.test>")]


async def test_the_cli_prints_the_release(database_url, db, cast, known):
    code, out, err = await opsplatform("report", "release", "--database-url", database_url, "--operation",
                                       "THUNDER-2026", "--format", "json", "--lang", "fr")
    assert code == 0, err
    data = json.loads(out)
    assert data["status"] == "draft" and data["seizures"] == 3 and "Uganda" not in out
    assert data["commodities"][0]["text"].endswith("d'ivoire d'éléphant")


async def test_named_countries_read_in_the_readers_alphabet_and_the_notes_keep_their_spaces(client, db, cast, known):
    await db.execute(update(Participant).where(Participant.country_code.in_(("KEN", "TZA", "UGA")))
                     .values(publicity="named"))
    await db.commit()
    await login(client, cast.press)
    await client.get(PAGE)
    await form_post(client, PAGE, {"version": "1", "suppress_below": "5"})
    french = (await client.get(f"{PAGE}/export.html", params={"lang": "fr"})).text
    assert "Kenya, Ouganda, Tanzanie." in french  # in codes' order it would be Kenya, Tanzanie, Ouganda
    english = (await client.get(f"{PAGE}/export.html", params={"lang": "en"})).text
    assert "Kenya, Tanzania, Uganda." in english
    assert 'No personal data is published. Counts under 5 are shown as "fewer than 5". The operation' in \
        english.replace("&#34;", '"')


async def test_highlights_are_written_per_language_and_otherwise_marked_as_the_countrys_words(client, db, cast, known):
    await login(client, cast.press)
    page = (await client.get(PAGE)).text
    key = re.search(r'name="highlight_(KEN-[\d-]+)_fr"', page).group(1)
    assert "120 kg of ivory hidden in cashew nut sacks at JKIA" in page  # the original beside each box
    french = "120 kg d’ivoire cachés dans des sacs de noix de cajou à JKIA"
    saved = await form_post(client, PAGE, {"version": "1", f"highlight_{key}_fr": french,
                                           "highlight_KEN_fr": "not a highlight", f"highlight_{key}_de": "Elfenbein"})
    assert saved.status_code in (302, 303)
    assert await db.scalar(select(Release.highlight_texts)) == {"en": {}, "fr": {key: french}, "es": {}}
    in_french = (await client.get(f"{PAGE}/preview", params={"lang": "fr"})).text
    assert french in in_french and "cashew" not in in_french
    in_spanish = (await client.get(f"{PAGE}/preview", params={"lang": "es"})).text
    assert "120 kg of ivory hidden in cashew nut sacks at JKIA" in in_spanish
    assert "en palabras del país" in in_spanish  # the fallback is visible
    data = json.loads((await client.get(f"{PAGE}/export.json", params={"lang": "fr"})).content)
    assert [(h["description"], h["as_written_by_the_country"]) for h in data["highlights"]] == [(french, False)]
    assert "key" not in data["highlights"][0]


async def consent_changed_by_its_country(db, country: str, publicity: str) -> None:
    user = await db.scalar(select(User).where(User.role == "focal_point", User.country_code == country))
    operation = await db.scalar(select(Operation).where(Operation.code == "THUNDER-2026"))
    await set_publicity(db, await member(db, user, operation), country, publicity, utcnow())
    await db.commit()


async def test_a_consent_changed_after_approval_stops_the_publication_until_approved_again(client, db, cast, known):
    await login(client, cast.press)
    await client.get(PAGE)
    await login(client, cast.coordinator)
    assert (await act(client, "approve", db)).status_code in (302, 303)
    await consent_changed_by_its_country(db, "KEN", "aggregate")  # named when the figures were approved
    refused = await act(client, "publish", db)
    assert refused.status_code == 400 and "KEN changed their consent since the release was approved" in refused.text
    assert (await client.get(PUBLIC)).status_code == 404
    assert (await act(client, "reopen", db)).status_code in (302, 303)
    assert (await act(client, "approve", db)).status_code in (302, 303)
    assert (await act(client, "publish", db)).status_code in (302, 303)
    client.cookies.clear()
    public = json.loads((await client.get(f"{PUBLIC}.json")).content)
    assert "KEN" not in public["countries"]["named"]


async def test_a_scheduled_release_whose_consents_changed_is_not_published_but_back_to_draft(client, db, cast, known,
                                                                                             settings):
    embargo = (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    await login(client, cast.press)
    await client.get(PAGE)
    await form_post(client, PAGE, {"version": "1", "embargo": embargo.strftime("%Y-%m-%dT%H:%M"),
                                   "narrative_en": "Context.", "quotes_en": ""})
    await login(client, cast.coordinator)
    await act(client, "approve", db)
    await login(client, cast.press)
    assert (await act(client, "schedule", db)).status_code in (302, 303)
    await consent_changed_by_its_country(db, "UGA", "named")  # none when the figures were approved
    assert await publish_due(db, settings, embargo) == 0
    release = await db.scalar(select(Release).execution_options(populate_existing=True))
    assert (release.status, release.figures, release.published_at) == ("draft", None, None)
    assert (await client.get(PUBLIC)).status_code == 404
    told = (await db.scalars(select(Notification.params).where(Notification.user_id == cast.press.id))).all()
    assert {"countries": "UGA", "operation": "THUNDER-2026"} in told


async def test_a_release_leaves_out_a_country_that_alone_agreed_only_to_count_in_the_totals(client, db, cast):
    """Tanzania alone counts without its name: the total less the named countries would be Tanzania's figures, so
    the release counts only the named countries (its press officer is told why)."""
    _operation, sent = await known_operation(client, db, cast)  # KEN named, TZA aggregate, UGA none
    await login(client, cast.press)
    page = (await client.get(PAGE)).text
    assert "Only 1 country agreed to count in the totals without its name (TZA)" in page
    assert "so the release leaves them out" in page
    data = json.loads((await client.get(f"{PAGE}/export.json")).content)
    kenya = [s for s in sent if s["reporting_country"] == "KEN"]
    assert (data["seizures"], data["suspects_arrested"]) == (len(kenya), sum(s["suspects_arrested"] for s in kenya))
    assert {e["country"] for e in data["by_country"]} == {"KEN"}
    dashboard = (await client.get("/api/v1/operations/THUNDER-2026/summary", headers=await bearer(db, cast.press)))
    assert {e["country"] for e in dashboard.json()["by_country"]} == {"KEN", "other"}  # the press office sees it


async def test_a_single_small_count_is_not_given_away_by_the_total(client, db, cast, known):
    """Under a threshold of 2 only Tanzania's one seizure (in "other") is small: the total less Kenya's would give
    it, so Kenya's count is withheld too; the total is still given."""
    await login(client, cast.press)
    await client.get(PAGE)
    await form_post(client, PAGE, {"version": "1", "suppress_below": "2"})
    data = json.loads((await client.get(f"{PAGE}/export.json")).content)
    by_country = {e["country"]: e for e in data["by_country"]}
    assert by_country["other"]["seizures"] is None and by_country["other"]["fewer_than"] == 2
    assert by_country["KEN"]["seizures"] is None and "seizures" in by_country["KEN"]["withheld"]
    assert data["seizures"] == 3
    rows = list(csv.DictReader(io.StringIO((await client.get(f"{PAGE}/export.csv")).content.decode("utf-8-sig"))))
    assert {r["name"]: r["note"] for r in rows if r["section"] == "country"} == {
        "Kenya": "withheld", "Other countries": "fewer than 2"}
