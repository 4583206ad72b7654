"""Briefings: the figures of each document in each format match what was logged; editions, languages, provenance,
and who may generate and read them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from markupsafe import escape
from sqlalchemy import select

from opsplatform.auth.services import create_user
from opsplatform.briefings.post import FOLLOW_UP_COUNTRIES, LEAST_COMPLETE
from opsplatform.briefings.services import generate
from opsplatform.database import utcnow
from opsplatform.labels import country_name
from opsplatform.models.documents import Artifact
from opsplatform.models.operations import Operation
from opsplatform.models.vocabulary import CASE_STAGES
from tests.cases_support import logged
from tests.conftest import form_post, login, work_off
from tests.documents_support import (
    LONG_NAMED,
    docx_text,
    known_operation,
    many_countries,
    pdf_text,
    quantities,
    window_around,
)
from tests.results_support import active_operation, join_everyone, member
from tests.test_cli import opsplatform

BASE = "/operations/THUNDER-2026"
TEXT = {"html": lambda c: c.decode(), "pdf": pdf_text, "docx": docx_text}


def plain(text: str) -> str:
    """Text without tags and with runs of whitespace folded, so figures can be found whatever the format."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


@pytest.fixture
async def known(client, db, cast):
    return await known_operation(client, db, cast)


@pytest.mark.parametrize("fmt", ["html", "pdf", "docx"])
async def test_the_post_operation_briefing_shows_the_logged_figures(db, settings, cast, known, fmt):
    operation, sent = known
    artifact = await generate(db, settings, await member(db, cast.coordinator, operation), kind="post", fmt=fmt,
                              lang="en", now=utcnow())
    text = plain(TEXT[fmt](artifact.content))
    expected = quantities(sent)
    arrested = sum(s["suspects_arrested"] for s in sent)
    assert f"{len(sent)} seizures" in text and f"{arrested} suspects arrested" in text
    assert f"{expected[('TUS', 'kg')]:g} kg" in text  # 4 × 120.5 kg of tusks, never added to the 4 × 14 tusks
    assert re.search(rf"tusks \(TUS\) {expected[('TUS', 'number')]:g} {len(sent)}\b", text)
    for country in ("Kenya", "Tanzania", "Uganda"):
        assert country in text
    assert "Tran Van A" not in text and "C1234567" not in text  # never nominal data
    assert f"sha256:{artifact.data_hash}" in text


async def test_every_format_and_language_of_one_edition_shares_the_data_hash(db, settings, cast, known):
    operation, _sent = known
    now = utcnow()
    made = [await generate(db, settings, await member(db, cast.coordinator, operation), kind="post", fmt=fmt,
                           lang=lang, now=now)
            for fmt, lang in (("html", "en"), ("docx", "fr"), ("pdf", "es"))]
    assert len({a.data_hash for a in made}) == 1
    assert [(a.record_counts["seizures"], a.generated_by) for a in made] == \
        [(4, "Corinne Coordinator <corinne@ops.test>")] * 3


@pytest.mark.parametrize("lang, heading", [("en", "Results by country"), ("fr", "Résultats par pays"),
                                           ("es", "Resultados por país")])
async def test_briefings_render_in_three_languages(db, settings, cast, known, lang, heading):
    operation, _sent = known
    artifact = await generate(db, settings, await member(db, cast.coordinator, operation), kind="post", fmt="html",
                              lang=lang, now=utcnow())
    html = artifact.content.decode()
    assert f'<html lang="{lang}">' in html and heading in html
    assert ("Kenya" if lang == "en" else "Kenia" if lang == "es" else "Kenya") in html


async def test_the_restricted_pre_briefing_has_the_directory_and_the_shareable_one_does_not(db, settings, cast, known):
    operation, _sent = known
    restricted = await generate(db, settings, await member(db, cast.coordinator, operation), kind="pre", fmt="pdf",
                                lang="en", edition="restricted", now=utcnow())
    shareable = await generate(db, settings, await member(db, cast.coordinator, operation), kind="pre", fmt="pdf",
                               lang="en", edition="shareable", now=utcnow())
    assert cast.kenya.email in pdf_text(restricted.content)
    text = pdf_text(shareable.content)
    assert cast.kenya.email not in text and "Focal-point directory" not in text
    assert "SHAREABLE EDITION" in text and "Participating countries (3)" in text  # the banner prints in capitals


async def test_the_sitrep_counts_what_is_new_since_the_last_one_and_who_is_silent(client, db, settings, cast):
    today = utcnow().date()
    operation, sent = await known_operation(client, db, cast, **window_around(today))
    first = await generate(db, settings, await member(db, cast.coordinator, operation), kind="sitrep", fmt="html",
                           lang="en", now=utcnow())
    assert first.record_counts["new_seizures"] == len(sent)
    again = await generate(db, settings, await member(db, cast.coordinator, operation), kind="sitrep", fmt="html",
                           lang="en", now=utcnow() + timedelta(seconds=1))
    assert again.record_counts["new_seizures"] == 0
    html = plain(again.content.decode())
    # Seizures were logged for the window's first days, none for yesterday: all three countries were silent then.
    yesterday = re.search(r"Neither a seizure nor a nil return for [^:]+: ([^.]+?) Nothing reported", html).group(1)
    assert {c.strip() for c in yesterday.split(",")} == {"Kenya", "Tanzania", "Uganda"}
    assert "Nothing reported since the operation began: none." in html


async def test_the_sitrep_names_notable_seizures_without_nominal_data(db, settings, cast, known):
    operation, sent = known
    artifact = await generate(db, settings, await member(db, cast.coordinator, operation), kind="sitrep", fmt="pdf",
                              lang="en", now=utcnow())
    text = plain(pdf_text(artifact.content))
    for seizure in sent:
        assert seizure["seizure_ref"] in text
    assert "Tran Van A" not in text and "C1234567" not in text
    assert "kg of tusks" in text and "TUS" not in text.split("Notable seizures")[1]  # quantities in words


async def test_the_cli_writes_a_briefing_and_keeps_it(database_url, db, cast, known, tmp_path):
    target = tmp_path / "post.docx"
    code, _out, err = await opsplatform("report", "briefing", "--database-url", database_url, "--operation",
                                        "thunder-2026", "--kind", "post", "--format", "docx", "--lang", "fr",
                                        "--output", str(target))
    assert code == 0, err
    assert "Résultats par pays" in docx_text(target.read_bytes())
    kept = (await db.execute(select(Artifact.kind, Artifact.format, Artifact.generated_by))).all()
    assert kept == [("post", "docx", "command line")]
    code, _out, err = await opsplatform("report", "briefing", "--database-url", database_url, "--operation",
                                        "THUNDER-2026", "--kind", "weekly")
    assert code == 2 and "weekly" in err


# --- the documents page, per role ------------------------------------------------------------------------------------

async def test_a_coordinator_generates_from_the_documents_page(client, db, cast, known, settings):
    await login(client, cast.coordinator)
    response = await form_post(client, f"{BASE}/documents", {"kind": "post", "lang": "es", "format": "pdf",
                                                             "edition": ""})
    assert response.status_code in (302, 303)
    await work_off(settings)  # generating leaves the request: see test_briefing_generation.py
    page = await client.get(f"{BASE}/documents")
    assert "Post-operation briefing" in page.text and "THUNDER-2026-post-es-" in (await client.get(
        f"/documents/{await db.scalar(select(Artifact.id))}")).headers["content-disposition"]


async def test_bad_generation_input_names_the_field_and_keeps_the_choice(client, db, cast, known):
    await login(client, cast.coordinator)
    response = await form_post(client, f"{BASE}/documents", {"kind": "post", "lang": "de", "format": "pdf"})
    assert response.status_code == 400
    assert "choose one of en, fr, es" in response.text and 'value="post" selected' in response.text
    assert await db.scalar(select(Artifact.id)) is None


@pytest.mark.parametrize("role", ["kenya", "analyst", "press"])
async def test_other_roles_may_not_generate(client, db, cast, known, role):
    await login(client, getattr(cast, role))
    response = await form_post(client, f"{BASE}/documents", {"kind": "post", "lang": "en", "format": "html"})
    assert response.status_code == 403


async def made(db, settings, cast, operation) -> dict[str, int]:
    now = utcnow()
    found = {}
    for kind, edition in (("pre", "restricted"), ("pre", "shareable"), ("sitrep", None), ("post", None)):
        artifact = await generate(db, settings, await member(db, cast.coordinator, operation), kind=kind, fmt="html",
                                  lang="en", edition=edition, now=now)
        found[f"{kind}-{edition}" if edition else kind] = artifact.id
    await db.commit()
    return found


@pytest.mark.parametrize("role, readable", [
    ("coordinator", {"pre-restricted", "pre-shareable", "sitrep", "post"}),
    ("analyst", {"pre-restricted", "pre-shareable", "sitrep", "post"}),
    ("kenya", {"pre-restricted", "pre-shareable", "post"}),
    ("press", {"pre-shareable"}),
])
async def test_each_role_reads_only_its_documents(client, db, settings, cast, known, role, readable):
    documents = await made(db, settings, cast, known[0])
    await login(client, getattr(cast, role))
    for name, artifact_id in documents.items():
        response = await client.get(f"/documents/{artifact_id}")
        assert response.status_code == (200 if name in readable else 404), name
    assert (await client.get(f"{BASE}/documents")).status_code == 200


async def test_documents_of_an_operation_a_focal_point_is_not_in_are_not_found(client, db, settings, cast, known):
    documents = await made(db, settings, cast, known[0])
    outsider = await create_user(db, email="fp@br.test", name="Brazil", role="focal_point", country="BRA",
                                 password="correct horse battery")
    await db.commit()
    await login(client, outsider)
    assert (await client.get(f"{BASE}/documents")).status_code == 404
    assert (await client.get(f"/documents/{documents['post']}")).status_code == 404


async def test_the_admin_has_no_documents(client, db, settings, cast, known):
    await login(client, cast.admin)
    assert (await client.get(f"{BASE}/documents")).status_code == 404  # not in the operation's closed group


async def test_the_previous_operation_of_the_series_is_compared(db, settings, cast, known):
    operation, sent = known
    operation.series = "THUNDER"
    earlier = Operation(code="THUNDER-2025", name="Operation Thunder 2025", series="THUNDER", start_date=
                        operation.start_date.replace(year=2025), end_date=operation.end_date.replace(year=2025),
                        phase="closed", created_at=datetime(2025, 9, 1, tzinfo=UTC))
    db.add(earlier)
    await db.commit()
    coordinator = await member(db, cast.coordinator, operation)
    outside = plain((await generate(db, settings, coordinator, kind="post", fmt="html", lang="en",
                                    now=utcnow())).content.decode())
    assert "Operation Thunder 2025" not in outside  # its figures are its own closed group's
    await join_everyone(db, earlier)
    await db.commit()
    artifact = await generate(db, settings, coordinator, kind="post", fmt="html", lang="en", now=utcnow())
    html = plain(artifact.content.decode())
    assert "Compared with Operation Thunder 2025" in html
    assert f"Seizures {len(sent)} 0 —" in html  # no seizures before: no percentage to give


async def test_the_comparison_shows_what_the_previous_operations_countries_agreed_to_publish(db, settings, cast,
                                                                                              known):
    """The briefing is read by members who were not in last year's operation: it compares with the figures that
    operation's countries agreed to publish (Uganda's consent there was none), not its maker's own view."""
    operation, sent = known
    operation.series = "THUNDER"
    earlier = await active_operation(db, code="THUNDER-2025", name="Operation Thunder 2025", start="2025-10-01",
                                     end="2025-10-31", series="THUNDER",
                                     countries=[{"country": "KEN", "publicity": "named"},
                                                {"country": "UGA", "publicity": "none"}])
    for ref, country in (("KE-2025", "KEN"), ("UG-2025", "UGA"), ("UG-2025-B", "UGA")):
        await logged(db, settings, earlier, cast.coordinator, ref, reporting_country=country,
                     seizure_date="2025-10-03")
    coordinator = await member(db, cast.coordinator, operation)
    html = plain((await generate(db, settings, coordinator, kind="post", fmt="html", lang="en",
                                 now=utcnow())).content.decode())
    assert "Compared with Operation Thunder 2025" in html
    assert re.search(rf"Seizures {len(sent)} 1 \S", html), html[html.index("Compared with"):][:300]


async def test_the_post_operation_briefing_shows_the_follow_up_funnel(db, settings, cast, known):
    operation, sent = known
    artifact = await generate(db, settings, await member(db, cast.coordinator, operation), kind="post", fmt="html",
                              lang="en", now=utcnow())
    html = plain(artifact.content.decode())
    investigated = sum(s["case_status"] == "investigation" for s in sent)
    assert f"All countries {len(sent)} {investigated} 0 0 0 0 0" in html  # every case is under investigation


async def test_a_briefing_of_many_countries_names_each_and_keeps_its_tables_short(db, settings, cast):
    operation = await many_countries(db, settings, cast)  # 40 countries, one seizure each, every case to the end
    artifact = await generate(db, settings, await member(db, cast.coordinator, operation), kind="post", fmt="html",
                              lang="en", now=utcnow())
    html = artifact.content.decode()
    table, listed = html.split("Results by country")[1].split("By region")[0].split("</table>")
    names = {str(escape(country_name(code))) for code in LONG_NAMED}
    in_table = {name for name in names if f"<td>{name}</td>" in table}
    in_list = {name for name in names if f"{name}&nbsp;(1)" in listed}
    assert len(in_table) == 20 and in_table | in_list == names and not in_table & in_list
    assert "20 more countries, with their seizures:" in listed
    # The follow-up names the countries with most seizures and adds the others up; the total stays the total.
    funnel = html.split('class="funnel"')[1].split("</table>")[0]
    assert funnel.count("<tr") == 1 + FOLLOW_UP_COUNTRIES + 2  # the head, the countries named, the others, the total
    rest = len(LONG_NAMED) - FOLLOW_UP_COUNTRIES
    assert "Other countries " + " ".join([str(rest)] * (1 + len(CASE_STAGES))) in plain(funnel)
    assert "All countries " + " ".join([str(len(LONG_NAMED))] * (1 + len(CASE_STAGES))) in plain(funnel)
    # Completeness lists the countries that reported least and says how the others did.
    completeness = html.split("The countries that reported least")[1].split("Data quality")[0]
    assert completeness.count("<tr>") == 1 + LEAST_COMPLETE
    assert re.search(rf"The other {len(LONG_NAMED) - LEAST_COMPLETE} countries reported on \d+&nbsp;% of days or "
                     r"more\.", completeness)


async def test_the_sitrep_of_many_countries_names_each(db, settings, cast):
    operation = await many_countries(db, settings, cast)
    artifact = await generate(db, settings, await member(db, cast.coordinator, operation), kind="sitrep", fmt="pdf",
                              lang="en", now=utcnow())
    text = plain(pdf_text(artifact.content))
    assert "20 more countries, with their seizures:" in text
    assert [code for code in LONG_NAMED if country_name(code) not in text] == []
