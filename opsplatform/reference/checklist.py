"""Taxa from a Species+ or CITES Checklist CSV export: each species under its genus, each genus under its family,
each family under its order, and each taxon new to the platform in its taxon group (`groups`).

Two exports are read, by their columns' names: Species+'s CITES listings download (Id, Kingdom, Phylum, Class,
Order, Family, Genus, Species, Subspecies, Scientific Name, Author, Rank, Listing, then notes and distribution) and
the CITES Checklist's Index of CITES Species (TaxonId, Kingdom, …, FullName, AuthorYear, RankName, CurrentListing,
EnglishNames, …). The taxa the platform ships with (`seed/taxa.csv`) stay as that file says (their group, names and
appendix); an export only puts a genus or family it adds between them and their parent.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform.i18n import _
from opsplatform.labels import rank_label
from opsplatform.models.reference import Taxon
from opsplatform.reference import edition
from opsplatform.reference.groups import kingdoms, taxon_group
from opsplatform.reference.loader import RANK_DEPTH, link_parents, load_taxa, read_csv, search_key
from opsplatform.uploads import text_encoding

# Our field → its column in either export, named in lower case without spaces or punctuation.
COLUMNS = {
    "scientific_name": ("scientificname", "fullname", "taxon"),
    "rank": ("rank", "rankname"),
    "listing": ("listing", "currentlisting", "appendix", "citeslisting"),
    "kingdom": ("kingdom",), "phylum": ("phylum",), "class": ("class",), "order": ("order",), "family": ("family",),
    "genus": ("genus",),
    "common_name_en": ("english", "englishnames", "commonnameen", "commonnameseng"),
    "common_name_fr": ("french", "frenchnames", "commonnamefr", "commonnamesfre"),
    "common_name_es": ("spanish", "spanishnames", "commonnamees", "commonnamesspa"),
}
REQUIRED = {"scientific_name": "Scientific Name", "kingdom": "Kingdom"}  # as Species+ heads them
RANKS = ("species", "subspecies", "variety", "genus", "subfamily", "family", "order", "class")
BELOW_SPECIES = ("subspecies", "variety")
# The taxa a row implies above it, top down: orders, families and genera are made where missing; a subspecies or
# variety also needs its species. An order or class row is placed under nothing.
ABOVE = {"class": (), "order": (), "family": ("order",), "subfamily": ("order", "family"),
         "genus": ("order", "family"), "species": ("order", "family", "genus"),
         "subspecies": ("order", "family", "genus", "species"), "variety": ("order", "family", "genus", "species")}
APPENDICES = ("I", "II", "III")
LONGEST_NAME = 200
LANGUAGES = ("en", "fr", "es")
WRITTEN = ("scientific_name", "rank", "appendix", "taxon_group", "kingdom", "common_name_en", "common_name_fr",
           "common_name_es", "source", "search_text")


@dataclass
class Entry:
    """A taxon an export names (a row's own) or implies (the order, family, genus or species above it)."""

    name: str
    rank: str
    kingdom: str
    lineage: dict[str, str]  # rank → name, from the kingdom down to this taxon: what its taxon group follows
    column: str  # the column that names it, for messages
    parent: str | None = None
    listing: dict[str, str | None] | None = None  # a row's own: its appendix and common names, as far as given


@dataclass
class ChecklistReport:
    imported: int = 0  # rows loaded
    added: int = 0  # taxa new to the platform, with the genera, families and orders made for them
    problems: list[str] = field(default_factory=list)


def _key(heading: str) -> str:
    return re.sub(r"[^0-9a-z]", "", heading.casefold())


def _capitalised(name: str) -> str:
    """A higher taxon as the platform writes it: "Primates", also where a list prints it in capitals."""
    return name.capitalize() if name.isupper() else name


def _first_name(value: str) -> str | None:
    """The first of a list of common names ("Siamese Rosewood, Thailand Rosewood" or '"A", "B"')."""
    return value.split(",")[0].strip().strip('"').strip() or None


def _appendices(value: str) -> str | None:
    """A listing as stored ("I/II"): "NC", not in an appendix, is left out. Raises ValueError for any other word."""
    parts = {part.strip().upper() for part in re.split(r"[/,;]", value) if part.strip()}
    if parts - {*APPENDICES, "NC"}:
        raise ValueError(value)
    return "/".join(a for a in APPENDICES if a in parts) or None


def read_checklist(content: bytes) -> tuple[list[tuple[int, list[Entry]]], list[tuple[int, str]]]:
    """Each usable row (its number, as a spreadsheet counts them, and its taxa, top down) of a Species+ or Checklist
    CSV export, and each row that cannot be used with its message (the file's own problems as row 1)."""
    text = content.decode(text_encoding(content), errors="replace")  # as it is, or as a spreadsheet program saved it
    if "\x00" in text:  # a workbook or an archive
        return [], [(1, _("the file is not CSV text: export the checklist from Species+ as CSV"))]
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=max(",;\t", key=first_line.count))
    try:
        headings = next(reader, [])
    except csv.Error:  # a heading longer than the reader takes (128 K characters)
        return [], [(1, _("row %(row)s cannot be read as CSV: export the checklist again from Species+", row=1))]
    if not headings:
        return [], []
    position: dict[str, int] = {}
    for index, heading in enumerate(headings):
        position.setdefault(_key(heading), index)
    column = {name: next((position[k] for k in keys if k in position), None) for name, keys in COLUMNS.items()}
    missing = [heading for name, heading in REQUIRED.items() if column[name] is None]
    if missing:
        return [], [(1, _("no '%(column)s' column: export the checklist from Species+ as CSV", column=m))
                    for m in missing]
    rows: list[tuple[int, list[Entry]]] = []
    problems: list[tuple[int, str]] = []
    number = 1
    try:
        for number, cells in enumerate(reader, start=2):
            if any(cell.strip() for cell in cells):
                entries = _entries(cells, column, headings, number, problems)
                if entries:
                    rows.append((number, entries))
    except csv.Error:
        problems.append((number + 1, _("row %(row)s cannot be read as CSV: export the checklist again from Species+",
                                       row=number + 1)))
    return rows, problems


def _entries(cells: list[str], column: dict[str, int | None], headings: list[str], number: int,
             problems: list[tuple[int, str]]) -> list[Entry]:
    """The taxa of one row, top down (empty, with its problem noted, when the row cannot be used)."""
    def cell(name: str) -> str:
        index = column[name]
        return " ".join(cells[index].split()) if index is not None and index < len(cells) else ""

    def heading(name: str) -> str:
        index = column[name]
        return headings[index].strip() if index is not None else REQUIRED.get(name, name.capitalize())

    def problem(name: str, text: str) -> list[Entry]:
        problems.append((number, _("row %(row)s: %(column)s: %(problem)s", row=number, column=heading(name),
                                   problem=text)))
        return []

    name, words = cell("scientific_name"), cell("scientific_name").split()
    if not name:
        return problem("scientific_name", _("is empty"))
    for named in ("scientific_name", "phylum", "class", "order", "family", "genus"):
        if len(cell(named)) > LONGEST_NAME:
            return problem(named, _("is too long (at most %(n)s characters)", n=LONGEST_NAME))
    kingdom = kingdoms().get(cell("kingdom").casefold())
    if kingdom is None:
        return problem("kingdom", _("must be one of %(choices)s (got \"%(value)s\")",
                                    choices=", ".join(kingdoms().values()), value=cell("kingdom"))
                       if cell("kingdom") else _("is empty"))
    rank = cell("rank").casefold() or {2: "species", 3: "subspecies"}.get(len(words), "")
    if rank not in RANKS:
        return problem("rank", _("unknown rank \"%(value)s\" (Species+ writes SPECIES, SUBSPECIES, VARIETY, GENUS, "
                                 "FAMILY or ORDER)", value=cell("rank")) if cell("rank") else _("is empty"))
    try:
        appendix = _appendices(cell("listing"))
    except ValueError:
        return problem("listing", _("unknown listing \"%(value)s\" (give I, II or III, or several such as I/II)",
                                    value=cell("listing")))
    lineage = {"kingdom": kingdom, **{r: _capitalised(cell(r)) for r in ("phylum", "class", "order", "family", "genus")
                                      if cell(r)}}
    if rank == "species" or rank in BELOW_SPECIES:
        if len(words) < (3 if rank in BELOW_SPECIES else 2):
            return problem("scientific_name", _("%(name)s is not the name of a %(rank)s", name=name,
                                                rank=rank_label(rank)))
        if lineage.setdefault("genus", words[0]) != words[0]:
            return problem("genus", _("%(genus)s is not the genus of %(name)s", genus=lineage["genus"], name=name))
        lineage["species"] = " ".join(words[:2])
    else:
        name = lineage[rank] = _capitalised(name)
    entries: list[Entry] = []
    for above in ABOVE[rank]:
        if above in lineage:
            entries.append(Entry(lineage[above], above, kingdom,
                                 {r: n for r, n in lineage.items() if RANK_DEPTH[r] <= RANK_DEPTH[above]},
                                 heading(above if above != "species" else "scientific_name"),
                                 entries[-1].name if entries else None))
    # A column the export has decides; one it lacks leaves what the platform knows.
    listing = {**({"appendix": appendix} if column["listing"] is not None else {}),
               **{f"common_name_{lang}": _first_name(cell(f"common_name_{lang}")) for lang in LANGUAGES
                  if column[f"common_name_{lang}"] is not None}}
    return [*entries, Entry(name, rank, kingdom, lineage, heading("scientific_name"),
                            entries[-1].name if entries else None, listing)]


def _taxon(entry: Entry, stored: dict[str, Any]) -> dict[str, Any]:
    """The row to write for a taxon: what the export says, and what the platform has where the export says nothing."""
    listing = {**stored, **(entry.listing or {})}
    names = [listing.get(f"common_name_{lang}") for lang in LANGUAGES]
    return {"scientific_name": entry.name, "rank": entry.rank, "appendix": listing.get("appendix"),
            "taxon_group": taxon_group(entry.lineage), "kingdom": entry.kingdom,
            **{f"common_name_{lang}": name for lang, name in zip(LANGUAGES, names, strict=True)},
            "source": "checklist", "search_text": search_key(" ".join(filter(None, (entry.name, *names))))}


async def import_checklist(session: AsyncSession, content: bytes) -> ChecklistReport:
    """Load a Species+ or Checklist CSV export: the good rows, the genera, families and orders they need, and one
    message per bad row. Running it again with the same file changes nothing. The caller commits."""
    rows, problems = read_checklist(content)
    report = ChecklistReport()
    if not rows:
        report.problems = [message for _row, message in problems] or [
            _("the file holds no taxa: export the checklist from Species+ as CSV")]
        return report
    bundled = read_csv("taxa.csv")
    await load_taxa(session, bundled)  # what the platform ships with is as its file says, whatever came before
    shipped = {row["scientific_name"] for row in bundled}
    stored = {row.scientific_name: row._asdict() for row in (await session.execute(
        select(Taxon.id, *(getattr(Taxon, name) for name in WRITTEN)))).all()}
    known = {name: (taxon["rank"], taxon["kingdom"]) for name, taxon in stored.items()}
    taxa: dict[str, Entry] = {}
    links: dict[str, str] = {}
    for number, entries in rows:
        clash = next((e for e in entries if known.get(e.name, (e.rank, e.kingdom)) != (e.rank, e.kingdom)), None)
        if clash is not None:
            rank, kingdom = known[clash.name]
            problems.append((number, _("row %(row)s: %(column)s: %(problem)s", row=number, column=clash.column,
                                       problem=_("%(name)s is already a %(rank)s of %(kingdom)s", name=clash.name,
                                                 rank=rank_label(rank), kingdom=kingdom))))
            continue
        report.imported += 1
        for entry in entries:
            known[entry.name] = (entry.rank, entry.kingdom)
            if entry.parent:
                links.setdefault(entry.name, entry.parent)
            earlier = taxa.get(entry.name)
            if entry.name not in shipped and (earlier is None or entry.listing is not None and earlier.listing is None):
                taxa[entry.name] = entry
    # A row's own taxon is written as the export says; a genus, family or order it implies only where missing.
    written = [_taxon(entry, stored.get(entry.name, {})) for entry in taxa.values()
               if entry.listing is not None or entry.name not in stored]
    table = Taxon.__table__  # type: ignore[attr-defined]
    if new := [taxon for taxon in written if taxon["scientific_name"] not in stored]:
        await session.execute(insert(table), new)
    if changed := [{**taxon, "taxon_id": stored[name]["id"]} for taxon in written
                   if (name := taxon["scientific_name"]) in stored
                   and any(taxon[column] != stored[name][column] for column in WRITTEN)]:
        await session.execute(update(table).where(table.c.id == bindparam("taxon_id")), changed)
    await link_parents(session, links, "checklist")
    report.added = sum(name not in stored for name in taxa)
    report.problems = [message for _row, message in sorted(problems, key=lambda problem: problem[0])]
    edition.changed()
    return report
