"""Documents that print right: on every page of every briefing each table fits the page or the column that holds it,
its numbers stay whole, no text runs over its neighbour's, and its head repeats on each page it spans. Checked on the
boxes WeasyPrint lays out for the PDF, with an operation of 40 long-named countries in the languages whose words run
longest."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

import pytest
from weasyprint.formatting_structure import boxes

from opsplatform.briefings.post import FOLLOW_UP_COUNTRIES
from opsplatform.briefings.services import generate
from opsplatform.database import utcnow
from opsplatform.documents.render import laid_out
from tests.documents_support import many_countries
from tests.results_support import member

SLACK = 0.5  # px: rounding in the layout


def walk(box, parents=()):
    yield box, parents
    for child in getattr(box, "children", ()):
        yield from walk(child, (*parents, box))


def texts(box) -> list[boxes.TextBox]:
    return [found for found, _ in walk(box) if isinstance(found, boxes.TextBox) and found.text.strip()]


def right(box) -> float:
    return box.border_box_x() + box.border_width()


def misfits(page) -> list[str]:
    """What does not fit on a laid-out page, one line each: a table wider than the block that holds it (the page, or
    a column of .columns), a cell beyond the page's content area, text beyond its cell or over the next cell's text,
    a number on more than one line."""
    page_box = page._page_box
    edge = page_box.content_box_x() + page_box.width
    found = []
    for box, parents in walk(page_box):
        if isinstance(box, boxes.TableBox):
            holder = next(p for p in reversed(parents)
                          if isinstance(p, boxes.BlockContainerBox) and not p.is_table_wrapper)
            if right(box) > holder.content_box_x() + holder.width + SLACK:
                found.append(f"table {texts(box)[0].text!r}… is {right(box) - holder.content_box_x():.0f} px wide "
                             f"in {holder.width:.0f} px")
        elif isinstance(box, boxes.TableRowBox):
            cells = [cell for cell in box.children if isinstance(cell, boxes.TableCellBox)]
            spans = []
            for cell in cells:
                words = texts(cell)
                text = " ".join(t.text for t in words)
                if right(cell) > edge + SLACK:
                    found.append(f"cell {text!r} ends {right(cell) - edge:.0f} px beyond the page")
                if any(t.position_x < cell.border_box_x() - SLACK or t.position_x + t.width > right(cell) + SLACK
                       for t in words):
                    found.append(f"text {text!r} runs out of its cell")
                if cell.element.tag == "td" and "num" in (cell.element.get("class") or "").split() and \
                        len({t.position_y for t in words}) > 1:
                    found.append(f"number {text!r} on more than one line")
                if words:
                    spans.append((text, min(t.position_x for t in words), max(t.position_x + t.width for t in words)))
            found += [f"{a!r} runs over {b!r}" for (a, _, a_end), (b, b_start, _) in pairwise(spans)
                      if a_end > b_start + SLACK]
    return found


def tables_by_page(document) -> dict[object, list[tuple[int, boxes.TableBox]]]:
    """Each table element, with the pages its fragments are on."""
    found = defaultdict(list)
    for number, page in enumerate(document.pages):
        for box, _ in walk(page._page_box):
            if isinstance(box, boxes.TableBox):
                found[box.element].append((number, box))
    return found


@pytest.fixture
async def wide(db, settings, cast):
    return await many_countries(db, settings, cast)


@pytest.mark.parametrize("kind, lang", [("post", "es"), ("post", "fr"), ("pre", "es"), ("sitrep", "fr")])
async def test_every_table_fits_its_page_with_forty_long_named_countries(db, settings, cast, wide, kind, lang):
    artifact = await generate(db, settings, await member(db, cast.coordinator, wide), kind=kind, fmt="html", lang=lang,
                              edition="restricted" if kind == "pre" else None, now=utcnow())
    document = laid_out(artifact.content.decode())
    assert [f"page {n + 1}: {problem}" for n, page in enumerate(document.pages) for problem in misfits(page)] == []
    spanning = [fragments for fragments in tables_by_page(document).values() if len(fragments) > 1]
    assert spanning, "the per-country tables span pages (or columns)"
    for fragments in spanning:  # the head of the table on every page (and in every column) it is on
        assert all(table.children[0].is_header for _, table in fragments)


async def test_the_follow_up_of_many_stages_prints_on_landscape_pages_and_the_rest_upright(db, settings, cast, wide):
    artifact = await generate(db, settings, await member(db, cast.coordinator, wide), kind="post", fmt="html",
                              lang="es", now=utcnow())
    document = laid_out(artifact.content.decode())
    upright = [page.width < page.height for page in document.pages]
    tables = tables_by_page(document)
    [funnel] = [fragments for element, fragments in tables.items() if element.get("class") == "funnel"]
    on_landscape = {n for n, _ in funnel}
    assert on_landscape and not any(upright[n] for n in on_landscape)
    assert sum(not u for u in upright) == len(on_landscape)  # only its own pages: the next section is upright again
    header = [t.text for t in texts(funnel[0][1].children[0])]
    assert "activos" in " ".join(header)  # "Decomiso de activos", the last stage, is on the page
    rows = [t.text for _, table in funnel for group in table.children[1:] for t in texts(group)]
    assert "República Democrática del Congo" in rows  # among the countries with most seizures, named in full
    assert len([row for _, table in funnel for group in table.children[1:] for row in group.children]) == \
        FOLLOW_UP_COUNTRIES + 2  # the countries named, the others added up, the total
