"""Reference data: counts, sample codes, idempotent reload, Species+ checklist import, unit normalisation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from opsplatform.reference.loader import counts, load_all, parse_checklist, load_taxa
from opsplatform.reference.models import (
    Airport, Country, Network, NetworkMember, Region, Taxon, TradeTerm, Unit,
)
from opsplatform.reference.units import alias_map, normalise
from tests.conftest import form_post, login


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
    kilogram = await db.get(Unit, "KIL")
    assert (kilogram.family, kilogram.factor) == ("mass", 1)
    nairobi = await db.get(Airport, "NBO")
    assert nairobi.country_code == "KEN" and -2 < nairobi.latitude < -1
    asean = set((await db.scalars(select(NetworkMember.country_code).where(
        NetworkMember.network_code == "ASEAN-WEN"))).all())
    assert {"VNM", "THA", "MYS", "IDN", "PHL"} <= asean and len(asean) == 10
    assert await db.get(Network, "NICECG") is not None


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


async def test_reloading_changes_nothing(db):
    before = await counts(db)
    taxa_ids = dict((await db.execute(select(Taxon.scientific_name, Taxon.id))).all())
    assert await load_all(db) == before
    assert dict((await db.execute(select(Taxon.scientific_name, Taxon.id))).all()) == taxa_ids


@pytest.mark.parametrize("quantity,unit,expected", [
    (3, "KIL", ("kg", 3)), (2500, "GRM", ("kg", 2.5)), (2, "TON", ("kg", 2000)), (1.5, "CUM", ("m3", 1.5)),
    (1000000, "CCM", ("m3", 1.0)), (500, "MLT", ("l", 0.5)), (7, None, ("number", 7)), (4, "PCS", ("PCS", 4)),
])
async def test_units_normalise_by_family_and_never_mix(db, quantity, unit, expected):
    normalised_unit, normalised_quantity = normalise(quantity, await db.get(Unit, unit) if unit else None)
    assert normalised_unit == expected[0]
    assert normalised_quantity == pytest.approx(expected[1])


async def test_unit_aliases_resolve_to_cites_codes(db):
    spellings = alias_map(list((await db.scalars(select(Unit))).all()))
    assert [spellings[a] for a in ("kg", "g", "t", "m3", "l", "kil", "ml")] == \
        ["KIL", "GRM", "TON", "CUM", "LTR", "KIL", "MLT"]


SPECIES_PLUS = (b'\xef\xbb\xbfId,Kingdom,Phylum,Class,Order,Family,Genus,Species,Subspecies,Scientific Name,Author,'
                b'Rank,Listing,English,Spanish,French\n'
                b'1,Animalia,Chordata,Reptilia,Squamata,Varanidae,Varanus,komodoensis,,Varanus komodoensis,'
                b'"Ouwens, 1912",SPECIES,I,Komodo Dragon,Dragon de Komodo,Dragon de Komodo\n'
                b'2,Plantae,,,Asparagales,Orchidaceae,Vanda,coerulea,,Vanda coerulea,,SPECIES,II,'
                b'"Blue Vanda, Autumn Lady\'s Tresses",,\n'
                b'3,Animalia,,,,,,,,,,SPECIES,II,,,\n')


async def test_a_species_plus_export_loads_and_reports_bad_rows(db):
    taxa, problems = parse_checklist(SPECIES_PLUS)
    assert problems == ["row 4: Scientific Name: is empty"]
    await load_taxa(db, taxa, source="checklist")
    await db.commit()
    komodo = await db.scalar(select(Taxon).where(Taxon.scientific_name == "Varanus komodoensis"))
    assert (komodo.taxon_group, komodo.appendix, komodo.common_name_en) == ("reptiles", "I", "Komodo Dragon")
    vanda = await db.scalar(select(Taxon).where(Taxon.scientific_name == "Vanda coerulea"))
    assert (vanda.taxon_group, vanda.common_name_en) == ("plants", "Blue Vanda")
    total = await db.scalar(select(func.count()).select_from(Taxon))
    await load_taxa(db, taxa, source="checklist")
    assert await db.scalar(select(func.count()).select_from(Taxon)) == total


async def test_an_admin_uploads_a_checklist_through_the_page(client, cast, db):
    await login(client, cast.admin)
    response = await form_post(client, "/admin/reference/checklist",
                               files={"file": ("species.csv", SPECIES_PLUS, "text/csv")})
    assert response.status_code == 200, response.text
    assert "2 taxa loaded" in response.text and "row 4: Scientific Name: is empty" in response.text
    assert await db.scalar(select(Taxon.id).where(Taxon.scientific_name == "Varanus komodoensis"))
