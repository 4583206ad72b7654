"""The Species+ checklist import: every species under its genus and family, taxon groups by one rule that agrees with
the bundled taxa, bundled taxa and the release's lines unchanged, idempotent, bad rows reported by row.

`files/species-plus-cites-listings.csv` has the header of Species+'s CITES listings download as Species+ writes it
(unepwcmc/SAPI, app/services/species/cites_listings_export.rb) and rows of real CITES taxa with their classification,
author, rank and current listing, written out by hand: the Id, notes and distribution columns are left empty.
"""

from __future__ import annotations

import codecs
import copy
import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from opsplatform.database import utcnow
from opsplatform.models.reference import Taxon
from opsplatform.models.reporting import DailyFigure
from opsplatform.models.seizures import Seizure
from opsplatform.reference import groups
from opsplatform.reference.checklist import import_checklist, read_checklist
from opsplatform.reference.commodities import commodities
from opsplatform.reference.loader import TAXON_GROUPS, read_csv
from opsplatform.reference.lookup import with_descendants
from opsplatform.releases.figures import release_figures
from opsplatform.reporting.filters import ResultFilter
from opsplatform.seizures.services import create_seizure
from tests.conftest import form_post, login
from tests.results_support import IVORY, active_operation, member
from tests.test_cli import opsplatform

EXPORT = Path(__file__).parent / "files" / "species-plus-cites-listings.csv"
HEADER = EXPORT.read_text(encoding="utf-8").splitlines()[0]


def export() -> bytes:
    return EXPORT.read_bytes()


async def taxon(db, name: str) -> Taxon:
    return await db.scalar(select(Taxon).where(Taxon.scientific_name == name))


async def lineage(db, name: str) -> list[tuple[str, str]]:
    """(rank, name) from the taxon up to the top of its line."""
    line, current = [], await taxon(db, name)
    while current is not None:
        line.append((current.rank, current.scientific_name))
        current = await db.get(Taxon, current.parent_id) if current.parent_id else None
    return line


async def snapshot(db) -> list[tuple]:
    return [tuple(row) for row in (await db.execute(select(
        Taxon.id, Taxon.scientific_name, Taxon.rank, Taxon.parent_id, Taxon.appendix, Taxon.taxon_group, Taxon.kingdom,
        Taxon.common_name_en, Taxon.common_name_fr, Taxon.common_name_es, Taxon.source, Taxon.search_text)
        .order_by(Taxon.id))).all()]


async def imported(db, content: bytes | None = None):
    report = await import_checklist(db, export() if content is None else content)
    await db.commit()
    return report


# --- the taxonomy ----------------------------------------------------------------------------------------------------

async def test_every_imported_species_has_its_genus_and_a_family_above_it(db):
    report = await imported(db)
    assert (report.imported, report.problems) == (26, [])
    for row in csv.DictReader(io.StringIO(EXPORT.read_text(encoding="utf-8"))):
        ranks = [rank for rank, _name in await lineage(db, row["Scientific Name"])]
        assert "genus" in ranks and "family" in ranks, (row["Scientific Name"], ranks)
    assert await lineage(db, "Platymiscium parviflorum") == [
        ("species", "Platymiscium parviflorum"), ("genus", "Platymiscium"), ("family", "Leguminosae"),
        ("order", "Fabales")]
    assert await lineage(db, "Magnolia liliifera var. obovata") == [
        ("variety", "Magnolia liliifera var. obovata"), ("species", "Magnolia liliifera"), ("genus", "Magnolia"),
        ("family", "Magnoliaceae"), ("order", "Magnoliales")]
    # A family the export adds goes under the order already known, so Primates still covers the tarsiers.
    assert await lineage(db, "Carlito syrichta") == [
        ("species", "Carlito syrichta"), ("genus", "Carlito"), ("family", "Tarsiidae"), ("order", "Primates")]


async def test_a_known_taxon_keeps_its_id_and_its_place_gains_the_genus_or_family_that_was_missing(db):
    before = {name: (await taxon(db, name)).id for name in ("Tarsius", "Acropora", "Dalbergia cochinchinensis",
                                                            "Psittacus")}
    assert await lineage(db, "Tarsius") == [("genus", "Tarsius"), ("order", "Primates")]
    await imported(db)
    assert {name: (await taxon(db, name)).id for name in before} == before
    assert await lineage(db, "Tarsius") == [("genus", "Tarsius"), ("family", "Tarsiidae"), ("order", "Primates")]
    assert await lineage(db, "Acropora cervicornis") == [
        ("species", "Acropora cervicornis"), ("genus", "Acropora"), ("family", "Acroporidae"),
        ("order", "Scleractinia")]
    assert await lineage(db, "Psittacus erithacus") == [
        ("species", "Psittacus erithacus"), ("genus", "Psittacus"), ("family", "Psittacidae"),
        ("order", "Psittaciformes")]
    assert await lineage(db, "Dalbergia cochinchinensis") == [
        ("species", "Dalbergia cochinchinensis"), ("genus", "Dalbergia"), ("family", "Leguminosae"),
        ("order", "Fabales")]


async def test_importing_twice_changes_nothing_and_reloading_the_seed_keeps_what_was_imported(db):
    from opsplatform.reference.loader import load_all

    await imported(db)
    after_first = await snapshot(db)
    again = await imported(db)
    assert (again.imported, again.added, again.problems) == (26, 0, [])
    assert await snapshot(db) == after_first
    await load_all(db)
    assert await snapshot(db) == after_first


async def test_a_species_filed_under_its_family_moves_under_the_genus_the_export_names(db):
    """A species an earlier load put under its family (as the bundled file once did for Hylobates lar) goes under the
    genus the export names, and the family still covers it."""
    species, family = await taxon(db, "Hylobates lar"), await taxon(db, "Hylobatidae")
    species.parent_id = family.id
    await db.commit()
    content = (HEADER + "\n,Animalia,Chordata,Mammalia,Primates,Hylobatidae,Hylobates,lar,,Hylobates lar,"
               '"(Linnaeus, 1771)",SPECIES,I' + "," * 13 + "\n").encode()
    assert await lineage(db, "Hylobates lar") == [("species", "Hylobates lar"), ("family", "Hylobatidae"),
                                                  ("order", "Primates")]
    await imported(db, content)
    assert await lineage(db, "Hylobates lar") == [("species", "Hylobates lar"), ("genus", "Hylobates"),
                                                  ("family", "Hylobatidae"), ("order", "Primates")]


# --- taxon groups ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,group", [
    ("Platymiscium parviflorum", "timber"), ("Platymiscium", "timber"), ("Dalbergia bariensis", "timber"),
    ("Pilgerodendron uviferum", "timber"), ("Magnolia liliifera var. obovata", "timber"),
    ("Aquilaria filaria", "plants"), ("Dendrobium nobile", "plants"), ("Aloe pillansii", "plants"),
    ("Carlito syrichta", "mammals"), ("Tarsiidae", "mammals"), ("Pionites melanocephalus", "birds"),
    ("Acropora cervicornis", "corals"), ("Fabales", "plants"),
])
async def test_a_new_taxon_takes_the_group_of_the_rule(db, name, group):
    await imported(db)
    assert (await taxon(db, name)).taxon_group == group


async def test_bundled_taxa_keep_the_group_the_bundled_file_gives_them(db):
    bundled = {row["scientific_name"]: row["taxon_group"] for row in read_csv("taxa.csv")}
    # As an earlier version of this import left it: a bundled rosewood filed under plants.
    cochinchinensis = await taxon(db, "Dalbergia cochinchinensis")
    cochinchinensis.taxon_group = "plants"
    await db.commit()
    await imported(db)
    groups_now = dict((await db.execute(select(Taxon.scientific_name, Taxon.taxon_group)
                                        .where(Taxon.scientific_name.in_(bundled)))).all())
    assert groups_now == bundled


def test_the_rule_gives_every_bundled_plant_its_bundled_group():
    """One rule: seed/taxon_groups.csv agrees with seed/taxa.csv for every plant genus, species and subspecies."""
    rows = read_csv("taxa.csv")
    by_name = {row["scientific_name"]: row for row in rows}

    def family_of(row):
        while row and row["rank"] != "family":
            row = by_name.get(row["parent"])
        return row["scientific_name"] if row else None

    wrong = []
    for row in rows:
        if row["kingdom"] == "Plantae" and row["rank"] in ("genus", "species", "subspecies"):
            words = row["scientific_name"].split()
            line = {"kingdom": "Plantae", "family": family_of(row), "genus": words[0],
                    "species": " ".join(words[:2]) if len(words) > 1 else None}
            if groups.taxon_group(line) != row["taxon_group"]:
                wrong.append((row["scientific_name"], row["taxon_group"], groups.taxon_group(line)))
    assert wrong == []


def test_the_rules_name_only_known_groups_and_cover_both_kingdoms():
    assert set(groups.rules().values()) <= set(TAXON_GROUPS)
    assert set(groups.kingdoms().values()) == {"Animalia", "Plantae"}
    assert {row["taxon_group"] for row in read_csv("taxa.csv")} <= set(groups.rules().values())


# --- the release and the roll-ups ------------------------------------------------------------------------------------

async def lines_of_bundled_taxa(db) -> dict[str, tuple[str, ...]]:
    """For each bundled taxon, the commodity lines of the release whose taxa or groups cover it."""
    bundled = {row["scientific_name"] for row in read_csv("taxa.csv")}
    taxa = (await db.execute(select(Taxon.id, Taxon.scientific_name, Taxon.taxon_group))).all()
    ids = {name: taxon_id for taxon_id, name, _group in taxa}
    covered = {}
    for commodity in commodities():
        named = await with_descendants(db, [ids[t] for t in commodity.taxa if t in ids])
        in_groups = {t.removeprefix("group:") for t in commodity.taxa if t.startswith("group:")}
        covered[commodity.code] = {taxon_id for taxon_id, _name, group in taxa if group in in_groups} | named
    return {name: tuple(code for code, ids_ in covered.items() if taxon_id in ids_)
            for taxon_id, name, _group in taxa if name in bundled}


async def test_no_bundled_taxon_changes_commodity_line(db):
    before = await lines_of_bundled_taxa(db)
    assert before["Dalbergia cochinchinensis"] == ("timber",)
    await imported(db)
    assert await lines_of_bundled_taxa(db) == before


async def test_the_release_still_counts_a_rosewood_seizure_as_timber(db, settings, cast):
    operation = await active_operation(db)
    record = copy.deepcopy(IVORY)
    record["items"] = [{"taxon": "Dalbergia cochinchinensis", "term": "TIM", "quantity": 2.5, "unit": "m3"},
                       {"taxon": "Tarsius", "term": "LIV", "quantity": 3}]
    await create_seizure(db, settings, await member(db, cast.kenya, operation), record)
    await db.commit()
    before = (await release_figures(db, operation, utcnow()))["commodities"]
    assert {line["category"] for line in before} == {"timber", "primates"}
    await imported(db)
    assert (await release_figures(db, operation, utcnow()))["commodities"] == before


async def test_a_roll_up_covers_an_imported_species_under_its_imported_genus(db, settings, cast):
    await imported(db)
    genus = await taxon(db, "Platymiscium")
    assert (await taxon(db, "Platymiscium parviflorum")).id in await with_descendants(db, [genus.id])
    operation = await active_operation(db)
    record = copy.deepcopy(IVORY)
    record["items"] = [{"taxon": "Platymiscium parviflorum", "term": "TIM", "quantity": 4, "unit": "m3"}]
    await create_seizure(db, settings, await member(db, cast.kenya, operation), record)
    await db.commit()
    for name, found in (("Platymiscium", 1), ("Leguminosae", 1), ("Fabales", 1), ("Dalbergia", 0)):
        matching = select(Seizure.id).where(ResultFilter(taxa=(name,)).seizure_clause())
        assert len((await db.scalars(matching)).all()) == found, name


# --- bad input -------------------------------------------------------------------------------------------------------

BAD_ROWS = "\n".join([
    HEADER,
    ',Plantae,,,Fabales,Leguminosae,Dalbergia,oliveri,,Dalbergia oliveri,Gamble ex Prain,SPECIES,II,,,"Listed under'
    ' the genus;\na note on two lines",,,,,,,,,,',
    ",Animalia,Chordata,Mammalia,Pholidota,Manidae,Manis,,,,,SPECIES,I" + "," * 13,
    ",Fungi,,,,,Amanita,muscaria,,Amanita muscaria,,SPECIES,II" + "," * 13,
    ",Animalia,Chordata,Mammalia,Pholidota,Manidae,Manis,gigantea,,Manis gigantea,,SPECEIS,I" + "," * 13,
    ",Animalia,Chordata,Mammalia,Pholidota,Manidae,Manis,tricuspis,,Manis tricuspis,,SPECIES,IV" + "," * 13,
    ",Animalia,Chordata,Mammalia,Pholidota,Manidae,Phataginus,tricuspis,,Manis tricuspis,,SPECIES,I" + "," * 13,
    ",Animalia,Chordata,Mammalia,Primates,Hominidae,Pongo,,,Pongo,,SPECIES,I" + "," * 13,
    ",Plantae,,,Fabales,Leguminosae,Manidae,nova,,Manidae nova,,SPECIES,II" + "," * 13,
    ",Animalia,Chordata,Mammalia,Pholidota,Manidae,Smutsia,temminckii,,Smutsia temminckii,,SPECIES,I" + "," * 13,
    ",Animalia,Chordata,Mammalia,Pholidota," + "Manidae" * 40 + ",Manis,culionensis,,Manis culionensis,,SPECIES,I"
    + "," * 13,
]) + "\n"


async def test_bad_rows_are_reported_by_row_and_the_good_ones_load(db):
    report = await imported(db, BAD_ROWS.encode())
    assert report.problems == [
        "row 3: Scientific Name: is empty",
        'row 4: Kingdom: must be one of Animalia, Plantae (got "Fungi")',
        'row 5: Rank: unknown rank "SPECEIS" (Species+ writes SPECIES, SUBSPECIES, VARIETY, GENUS, FAMILY or ORDER)',
        'row 6: Listing: unknown listing "IV" (give I, II or III, or several such as I/II)',
        "row 7: Genus: Phataginus is not the genus of Manis tricuspis",
        "row 8: Scientific Name: Pongo is not the name of a species",
        "row 9: Genus: Manidae is already a family of Animalia",
        "row 11: Family: is too long (at most 200 characters)",
    ]
    assert report.imported == 2  # the note on two lines is one row: row 2
    assert (await taxon(db, "Dalbergia oliveri")).taxon_group == "timber"
    assert await lineage(db, "Smutsia temminckii") == [
        ("species", "Smutsia temminckii"), ("genus", "Smutsia"), ("family", "Manidae"), ("order", "Pholidota")]
    assert await taxon(db, "Manis gigantea") is None and await taxon(db, "Manidae nova") is None


NO_TAXA = "the file holds no taxa: export the checklist from Species+ as CSV"
NO_COLUMN = "no '%s' column: export the checklist from Species+ as CSV"
NOT_CSV = "the file is not CSV text: export the checklist from Species+ as CSV"


@pytest.mark.parametrize("content,problem", [
    (b"", NO_TAXA),
    (HEADER.encode() + b"\n", NO_TAXA),
    (b"Name,Kingdom\nManis javanica,Animalia\n", NO_COLUMN % "Scientific Name"),
    (b"Scientific Name\nManis javanica\n", NO_COLUMN % "Kingdom"),
    (b"PK\x03\x04\x14\x00\x06\x00binary", NOT_CSV),  # a workbook
    (b"a" * 140_000, "row 1 cannot be read as CSV: export the checklist again from Species+"),  # past the reader
])
async def test_a_file_nothing_can_be_read_from_says_why_and_changes_nothing(db, content, problem):
    before = await snapshot(db)
    report = await import_checklist(db, content)
    assert (report.imported, report.problems) == (0, [problem])
    assert await snapshot(db) == before


def test_the_checklist_index_and_a_semicolon_export_are_read_too():
    """The CITES Checklist's Index of CITES Species names its columns otherwise; Species+ can separate with ';'."""
    index = ('TaxonId,Kingdom,Phylum,Class,Order,Family,Genus,Species,Subspecies,FullName,AuthorYear,RankName,'
             'CurrentListing,EnglishNames\n'
             ',Plantae,,,FABALES,Leguminosae,Dalbergia,,,Dalbergia,L.f.,GENUS,I/II/NC,Rosewoods\n'
             ',Animalia,Chordata,Aves,Psittaciformes,Psittacidae,Agapornis,roseicollis,,Agapornis roseicollis,'
             '"(Vieillot, 1818)",SPECIES,NC,"Rosy-faced Lovebird, Peach-faced Lovebird"\n')
    rows, problems = read_checklist(index.encode())
    assert problems == []
    genus, lovebird = rows[0][1][-1], rows[1][1][-1]
    assert (genus.rank, genus.parent, genus.listing["appendix"]) == ("genus", "Leguminosae", "I/II")
    assert rows[0][1][0].name == "Fabales"  # an order printed in capitals, written as the platform writes it
    assert (lovebird.listing["appendix"], lovebird.listing["common_name_en"]) == (None, "Rosy-faced Lovebird")
    rows, problems = read_checklist(HEADER.replace(",", ";").encode() + b"\n;Animalia;Chordata;Mammalia;Pholidota;"
                                    b"Manidae;Manis;javanica;;Manis javanica;Desmarest, 1822;SPECIES;I\n")
    assert problems == [] and rows[0][1][-1].name == "Manis javanica"


@pytest.mark.parametrize("saved", ["unicode text", "plain csv"])
def test_an_export_saved_again_by_a_spreadsheet_program_reads_the_same(saved):
    """Opened in Excel and saved as "Unicode text" (UTF-16, tab-separated) or as plain CSV (cp1252, here with an
    accented author), an export reads as it was (it was refused as not UTF-8)."""
    rows = [HEADER.split(","), ["", "Animalia", "Chordata", "Aves", "Psittaciformes", "Psittacidae", "Psittacus",
                                "erithacus", "", "Psittacus erithacus", "Linné, 1758", "SPECIES", "I"]]

    def written(delimiter: str) -> str:
        out = io.StringIO()
        csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
        return out.getvalue()

    content = (codecs.BOM_UTF16_LE + written("\t").encode("utf-16-le") if saved == "unicode text"
               else written(",").encode("cp1252"))

    read, problems = read_checklist(content)

    assert problems == [] and read == read_checklist(written(",").encode())[0]
    assert read[0][1][-1].name == "Psittacus erithacus"


# --- the page and the command line -----------------------------------------------------------------------------------

async def test_an_admin_uploads_an_export_through_the_page(client, cast, db):
    await login(client, cast.admin)
    response = await form_post(client, "/admin/reference/checklist",
                               files={"file": ("cites_listings.csv", export(), "text/csv")})
    assert response.status_code == 200, response.text
    assert "26 taxa loaded." in response.text
    assert (await taxon(db, "Platymiscium parviflorum")).taxon_group == "timber"


async def test_a_page_upload_with_bad_rows_loads_the_good_ones_and_lists_the_others(client, cast, db):
    await login(client, cast.admin)
    response = await form_post(client, "/admin/reference/checklist",
                               files={"file": ("cites_listings.csv", BAD_ROWS.encode(), "text/csv")})
    assert response.status_code == 200, response.text
    assert "2 taxa loaded." in response.text and "row 3: Scientific Name: is empty" in response.text


async def test_an_upload_nothing_can_be_read_from_is_refused_and_changes_nothing(client, cast, db):
    await login(client, cast.admin)
    before = await snapshot(db)
    response = await form_post(client, "/admin/reference/checklist",
                               files={"file": ("taxa.xlsx", b"PK\x03\x04\x00\x00binary", "application/zip")})
    assert response.status_code == 400
    assert "not CSV text:" in response.text
    await db.commit()
    assert await snapshot(db) == before


async def test_a_later_export_that_files_a_taxon_in_another_group_moves_its_figures(client, cast, db, settings):
    """The figures count by taxon group: when a newer export puts a logged taxon in another group, the operations
    whose records name it are counted again, so their figures say what their records say."""
    from tests.test_daily_figures import recomputed, stored

    def listing(class_, order) -> bytes:
        return (f"{HEADER}\n,Animalia,Chordata,{class_},{order},Novidae,Novus,primus,,Novus primus,,SPECIES,II"
                + "," * 13 + "\n").encode()

    await login(client, cast.admin)
    first = await form_post(client, "/admin/reference/checklist", files={"file": ("a.csv", listing("Reptilia",
                                                                                                  "Squamata"))})
    assert first.status_code == 200 and (await taxon(db, "Novus primus")).taxon_group == "reptiles"
    operation = await active_operation(db)
    record = copy.deepcopy(IVORY)
    record["items"] = [{"taxon": "Novus primus", "term": "LIV", "quantity": 3}]
    await create_seizure(db, settings, await member(db, cast.kenya, operation), record)
    await db.commit()
    groups = select(DailyFigure.key).where(DailyFigure.operation_id == operation.id, DailyFigure.dimension == "group")
    assert set((await db.scalars(groups)).all()) == {"reptiles"}

    later = await form_post(client, "/admin/reference/checklist", files={"file": ("b.csv", listing("Amphibia",
                                                                                                  "Anura"))})
    assert later.status_code == 200
    await db.commit()
    assert (await taxon(db, "Novus primus")).taxon_group == "amphibians"
    assert set((await db.scalars(groups)).all()) == {"amphibians"}
    assert await stored(db, operation.id) == await recomputed(db, operation.id)


async def test_only_an_admin_may_import(client, cast):
    await login(client, cast.coordinator)
    response = await form_post(client, "/admin/reference/checklist",
                               files={"file": ("cites_listings.csv", export(), "text/csv")})
    assert response.status_code == 403


async def test_the_command_loads_the_good_rows_and_exits_1_on_bad_ones(database_url, db, tmp_path):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(export())
    bad.write_text(BAD_ROWS, encoding="utf-8")
    code, out, err = await opsplatform("reference", "import-checklist", "--database-url", database_url, str(good))
    assert code == 0 and "row " not in err
    assert out.startswith("26 taxa loaded, ")
    code, out, err = await opsplatform("reference", "import-checklist", "--database-url", database_url, str(bad))
    assert code == 1 and out.startswith("2 taxa loaded") and "row 3: Scientific Name: is empty" in err
    assert (await taxon(db, "Smutsia temminckii")).rank == "species"
