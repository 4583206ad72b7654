"""Reference data: counts, sample codes, idempotent reload, unit normalisation (the Species+ checklist import is in
test_checklist.py); and docs/reference.md, the description of the public interface, kept complete."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from pathlib import Path

import click
import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.orm import aliased

from opsplatform.app import create_app
from opsplatform.cli import main as cli_main
from opsplatform.models.reference import Airport, Country, Network, NetworkMember, Region, Taxon, TradeTerm, Unit
from opsplatform.models.vocabulary import CASE_STAGES, SEXES, SUSPECT_ROLES
from opsplatform.reference import edition
from opsplatform.reference.loader import counts, load_all
from opsplatform.reference.units import alias_map, normalise
from opsplatform.reporting.filters import ResultFilter
from opsplatform.reporting.summary import summary
from opsplatform.seizures import validation
from opsplatform.seizures.services import create_seizure
from opsplatform.seizures.sheets import COLUMNS, DEFAULT_LIMITS, REQUIRED
from opsplatform.seizures.validation import (
    CODED,
    MAX_COUNT,
    MAX_ITEMS,
    MAX_MONEY,
    MAX_QUANTITY,
    MAX_SUSPECTS,
    Reference,
)
from tests.results_support import IVORY, active_operation, member


async def test_reference_data_has_the_expected_sizes(db):
    tallies = await counts(db)
    assert tallies["countries"] == 249
    assert tallies["taxa"] >= 300
    assert tallies["trade terms"] >= 80
    assert tallies["units"] >= 20
    assert tallies["currencies"] >= 150
    assert tallies["airports"] > 7000
    assert tallies["networks"] >= 12


async def test_sample_codes_are_right(db):
    kenya = await db.get(Country, "KEN")
    assert kenya.alpha2 == "KE" and kenya.numeric == "404"
    assert (await db.get(Region, kenya.intermediate_region_code)).name == "Eastern Africa"
    assert (await db.get(Region, kenya.region_code)).name == "Africa"
    assert kenya.timezone == "Africa/Nairobi"
    assert (await db.get(TradeTerm, "TUS")).name_en.lower() == "tusks"
    assert (await db.get(TradeTerm, "TUS")).name_fr
    kilogram = await db.get(Unit, "KGM")
    assert (kilogram.family, kilogram.factor) == ("mass", 1)
    nairobi = await db.get(Airport, "NBO")
    assert nairobi.country_code == "KEN" and -2 < nairobi.latitude < -1
    asean = set((await db.scalars(select(NetworkMember.country_code).where(
        NetworkMember.network_code == "ASEAN-WEN"))).all())
    assert {"VNM", "THA", "MYS", "IDN", "PHL"} <= asean and len(asean) == 10
    assert await db.get(Network, "NICECG") is not None


async def test_every_current_cites_trade_term_is_offered_with_its_meaning(db):
    """The codes of Notification 2021/044 (seed/sources, with where they were read) are all there; the codes whose
    meaning changed mean what CITES says now."""
    source = Path(__file__).resolve().parents[1] / "seed" / "sources" / "cites-trade-terms-2021.csv"
    current = [line.split(",", 1)[0] for line in source.read_text(encoding="utf-8").splitlines()
               if line and not line.startswith("#")][1:]
    assert len(current) == 91
    offered = set((await db.scalars(select(TradeTerm.code))).all())
    assert [code for code in current if code not in offered] == []
    meanings = {code: (await db.get(TradeTerm, code)).name_en for code in ("COS", "CSD", "CST", "GIL", "ROS")}
    assert meanings == {"COS": "cosmetics", "CSD": "coral sand", "CST": "chess sets", "GIL": "gill plates",
                        "ROS": "sawfish rostra"}


@pytest.mark.parametrize("name,group,rank", [
    ("Manis javanica", "mammals", "species"), ("Loxodonta africana", "mammals", "species"),
    ("Psittacus erithacus", "birds", "species"), ("Anguilla anguilla", "fish", "species"),
    ("Dalbergia", "timber", "genus"), ("Orchidaceae", "plants", "family"), ("Cactaceae", "plants", "family"),
    ("Hippocampus", "fish", "genus"), ("Pterocarpus santalinus", "timber", "species"),
])
async def test_commonly_seized_taxa_are_present_with_three_languages(db, name, group, rank):
    taxon = await db.scalar(select(Taxon).where(Taxon.scientific_name == name))
    assert (taxon.taxon_group, taxon.rank) == (group, rank)
    assert taxon.common_name_en and taxon.common_name_fr and taxon.common_name_es
    assert taxon.appendix in ("I", "II", "III", "I/II")


async def test_species_are_linked_to_their_genus(db):
    sunda = await db.scalar(select(Taxon).where(Taxon.scientific_name == "Manis javanica"))
    assert (await db.get(Taxon, sunda.parent_id)).scientific_name == "Manis"


async def test_every_species_has_its_genus_and_every_genus_its_family(db):
    """So that "Anguilla spp." can be recorded and a roll-up by genus or family finds every species below it."""
    orphans = (await db.scalars(select(Taxon.scientific_name).where(
        Taxon.rank.in_(("species", "subspecies", "genus")), Taxon.parent_id.is_(None)))).all()
    assert orphans == []
    parent = aliased(Taxon)
    misplaced = (await db.execute(select(Taxon.scientific_name, parent.scientific_name, parent.rank)
                                  .join(parent, parent.id == Taxon.parent_id).where(Taxon.rank == "species"))).all()
    assert [row for row in misplaced if (row[2], row[1]) != ("genus", row[0].split()[0])] == []  # its own genus
    lineage = {}
    for name in ("Anguilla anguilla", "Totoaba macdonaldi", "Pterocarpus santalinus", "Dalbergia cochinchinensis"):
        taxon = await db.scalar(select(Taxon).where(Taxon.scientific_name == name))
        genus = await db.get(Taxon, taxon.parent_id)
        lineage[name] = (genus.scientific_name, (await db.get(Taxon, genus.parent_id)).scientific_name)
    assert lineage == {"Anguilla anguilla": ("Anguilla", "Anguillidae"),
                       "Totoaba macdonaldi": ("Totoaba", "Sciaenidae"),
                       "Pterocarpus santalinus": ("Pterocarpus", "Leguminosae"),
                       "Dalbergia cochinchinensis": ("Dalbergia", "Leguminosae")}


async def test_reloading_changes_nothing(db):
    before = await counts(db)
    taxa_ids = dict((await db.execute(select(Taxon.scientific_name, Taxon.id))).all())
    assert await load_all(db) == before
    assert dict((await db.execute(select(Taxon.scientific_name, Taxon.id))).all()) == taxa_ids


@pytest.mark.parametrize("quantity,unit,expected", [
    (3, "KGM", ("kg", 3)), (2500, "GRM", ("kg", 2.5)), (2, "TON", ("kg", 2000)), (1.5, "MTQ", ("m3", 1.5)),
    (1000000, "CMQ", ("m3", 1.0)), (500, "MLT", ("l", 0.5)), (7, None, ("number", 7)), (7, "NAR", ("number", 7)),
    (4, "PCS", ("PCS", 4)), (2, "MTK", ("MTK", 2)),
])
async def test_units_normalise_by_family_and_never_mix(db, quantity, unit, expected):
    normalised_unit, normalised_quantity = normalise(quantity, await db.get(Unit, unit) if unit else None)
    assert normalised_unit == expected[0]
    assert normalised_quantity == pytest.approx(expected[1])


async def test_unit_aliases_resolve_to_cites_codes(db):
    spellings = alias_map(list((await db.scalars(select(Unit))).all()))
    assert [spellings[a] for a in ("kg", "g", "t", "m3", "l", "kil", "ml", "cum", "sqm", "ccm", "no.")] == \
        ["KGM", "GRM", "TON", "MTQ", "LTR", "KGM", "MLT", "MTQ", "MTK", "CMQ", "NAR"]


# --- docs/reference.md: the public interface, described in full ----------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "docs" / "reference.md"
SKIPPED_METHODS = {"OPTIONS", "HEAD"}


def reference_text() -> str:
    return REFERENCE.read_text(encoding="utf-8")


def commands(command: click.Command, path: tuple[str, ...] = ("opsplatform",)):
    """(path, command) for the command line and every group and command under it."""
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from commands(sub, (*path, name))


def lines_naming(text: str, name: str) -> list[str]:
    """The lines that show `name` in code, alone or followed by its arguments."""
    return [line for line in text.splitlines() if f"`{name}`" in line or f"`{name} " in line]


def test_the_reference_names_every_command_with_its_options():
    text = reference_text()
    for path, command in commands(cli_main):
        name = " ".join(path)
        assert lines_naming(text, name), f"docs/reference.md does not show `{name}`"
        if isinstance(command, click.Group):
            continue
        options = [opt for param in command.params if isinstance(param, click.Option)
                   for opt in param.opts if opt.startswith("--") and opt not in ("--help", "--database-url")]
        for option in options:
            assert any(option in line for line in lines_naming(text, name)), \
                f"docs/reference.md shows `{name}` without its option {option}"
    assert "--database-url" in text and "--version" in text


def test_the_reference_gives_the_exit_codes():
    text = reference_text()
    for code, meaning in (("0", "success"), ("1", "rejected input"), ("2", "usage error")):
        assert re.search(rf"^\| `{code}` \| {meaning}", text, re.M), f"exit code {code} ({meaning}) is not described"


def api_routes(app) -> list[tuple[str, set[str]]]:
    """Every route under /api/v1 as the reference writes it ({code}, not {code:str}) with its methods."""
    return [(re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path), set(route.methods) - SKIPPED_METHODS)
            for route in app.routes if route.path.startswith("/api/v1")]


def test_the_reference_lists_every_api_route_with_its_methods(settings):
    text = reference_text()
    routes = api_routes(create_app(settings))
    assert len(routes) > 20
    for path, methods in routes:
        rows = [line for line in text.splitlines() if line.startswith("|") and f"| `{path}` |" in line]
        assert rows, f"docs/reference.md has no row for {path} in its table of routes"
        for method in methods:
            assert any(f"`{method}`" in row.split(f"`{path}`")[0] for row in rows), \
                f"docs/reference.md does not give {method} for {path}"
    for subject in ("Authorization: Bearer", "opsplatform tokens create", "Idempotency-Key", "`version`", "409",
                    "`errors`", '{"field", "message"}', "?offset=", "/schema/openapi.json", "`/schema`"):
        assert subject in text, f"docs/reference.md does not explain {subject}"


def test_the_reference_describes_every_sheet_column():
    text = reference_text()
    section = text.split("### Columns", 1)[1].split("\n### ", 1)[0]
    for column in COLUMNS:
        row = next((line for line in section.splitlines() if line.startswith(f"| `{column}` |")), None)
        assert row is not None, f"docs/reference.md has no row for the sheet column {column}"
        required = row.split("|")[2].strip()
        assert required == ("yes" if column in REQUIRED else "no"), f"{column}: required should be {column in REQUIRED}"
    for setting in ("OPSPLATFORM_SHEET_MAX_ROWS", "OPSPLATFORM_SHEET_MAX_UNPACKED_MB", "OPSPLATFORM_SHEET_MAX_RATIO"):
        assert setting in text, setting


def test_the_reference_gives_every_coded_value_and_bound():
    text = reference_text()
    for values in (*CODED.values(), SEXES, SUSPECT_ROLES, CASE_STAGES, ("draft", "planning", "active", "reporting",
                                                                         "closed", "named", "aggregate", "none")):
        for value in values:
            assert f"`{value}`" in text, f"docs/reference.md does not name the code {value}"
    for bound in (MAX_QUANTITY, MAX_MONEY, MAX_COUNT):
        assert f"10^{len(str(bound)) - 1}" in text, bound
    for bound in (MAX_ITEMS, MAX_SUSPECTS, DEFAULT_LIMITS.rows):
        assert f"{bound:,}" in text, bound


def test_the_reference_names_every_filter_query_parameter():
    text = reference_text()
    section = text.split("### Filter query parameters", 1)[1].split("\n## ", 1)[0]
    for field in dataclasses.fields(ResultFilter):
        assert f"| `{field.name}` |" in section, f"the filter parameter {field.name} is not in docs/reference.md"


async def test_the_reference_names_every_key_of_the_summary(db, settings, cast):
    operation = await active_operation(db)
    await create_seizure(db, settings, await member(db, cast.kenya, operation), copy.deepcopy(IVORY))
    await db.commit()
    figures = await summary(db, await member(db, cast.coordinator, operation))
    assert figures["seizures"] == 1
    text = reference_text()
    section = text.split("## Summary (JSON)", 1)[1].split("\n## ", 1)[0]
    example = json.loads(section.split("```json", 1)[1].split("```", 1)[0])
    assert set(example) == set(figures), "the summary example in docs/reference.md is not the summary's shape"
    for key, value in figures.items():
        assert f"| `{key}` |" in section, f"the summary key {key} has no row in docs/reference.md"
        if isinstance(value, dict):
            assert set(example[key]) == set(value), key
        elif isinstance(value, list) and value:
            assert set(example[key][0]) == set(value[0]), key


def test_the_readme_links_the_reference_and_nothing_mentions_the_old_contract_file():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "](docs/reference.md)" in readme
    for page in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        assert "CONTRACT.md" not in page.read_text(encoding="utf-8"), f"{page.name} mentions CONTRACT.md"


async def test_the_validator_sees_a_reference_load_at_once_and_another_process_s_within_seconds(db, monkeypatch):
    """The reference data is kept per process: a load here is seen by the next submission, one by another process
    (a taxon written behind this process's back) once the stamp is next compared."""
    assert "pangolinus novus" not in (await Reference.load(db)).taxa
    await db.execute(insert(Taxon).values(scientific_name="Pangolinus novus", rank="species", taxon_group="mammals",
                                          kingdom="Animalia"))
    await db.commit()
    assert "pangolinus novus" not in (await Reference.load(db)).taxa  # asked again within STAMP_SECONDS
    monkeypatch.setattr(validation, "STAMP_SECONDS", 0)
    assert "pangolinus novus" in (await Reference.load(db)).taxa  # the stamp compared: one more taxon
    monkeypatch.undo()
    await db.execute(update(Taxon).where(Taxon.scientific_name == "Pangolinus novus").values(
        scientific_name="Pangolinus alter"))
    await db.commit()
    edition.changed()  # as a load or a checklist import in this process says
    taxa = (await Reference.load(db)).taxa
    assert "pangolinus alter" in taxa and "pangolinus novus" not in taxa
