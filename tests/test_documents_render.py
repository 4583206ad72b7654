"""One HTML document, three formats: the PDF and the DOCX carry the same text, tables, charts and footer."""

from __future__ import annotations

import base64
import io
from datetime import date

import cairosvg
import docx
import pytest
from pypdf import PdfReader
from weasyprint.urls import FatalURLFetchingError

from opsplatform.documents.render import docx_from_html, pdf_from_html
from opsplatform.reporting import charts

CHART = charts.bar_chart([("Loxodonta africana", 12), ("Manis", 5)], title="Top taxa")
DAYS = charts.day_chart([(date(2026, 10, 1), 3), (date(2026, 10, 2), 5)], title="Seizures per day")
DOCUMENT = f"""<!doctype html><html><head><link rel="stylesheet" href="/static/css/document.css"></head><body>
<h1>Operation Thunder 2026</h1>
<p>Seizures of <strong>ivory</strong> and <em>pangolin scales</em><br>by country</p>
<ul><li>Kenya</li><li>Tanzania</li></ul>
<table><thead><tr><th>Country</th><th class="num">Seizures</th></tr></thead>
<tbody><tr><td>KEN</td><td class="num">40</td></tr></tbody></table>
<figure>{CHART}<figcaption>Top taxa by seizures</figcaption></figure>{DAYS}
<form><button>Not in documents</button></form>
<footer class="provenance">Data as of 2026-11-01 · 40 records · sha256 0123abcd</footer>
</body></html>"""


def test_the_pdf_holds_the_documents_text_and_charts():
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf_from_html(DOCUMENT))).pages)
    for expected in ("Operation Thunder 2026", "ivory", "Kenya", "KEN", "40", "Loxodonta africana", "Top taxa",
                     "Seizures per day", "sha256 0123abcd"):
        assert expected in text


def test_the_pdf_never_fetches_from_outside():
    with pytest.raises(FatalURLFetchingError, match="only the app.s own files"):
        pdf_from_html('<html><body><img src="https://example.org/track.png"></body></html>')


def test_the_docx_holds_headings_lists_tables_pictures_and_the_footer():
    document = docx.Document(io.BytesIO(docx_from_html(DOCUMENT, title="Briefing")))
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs if p.text]
    assert ("Title", "Operation Thunder 2026") in paragraphs or ("Heading 1", "Operation Thunder 2026") in paragraphs
    assert ("List Bullet", "Kenya") in paragraphs
    assert any(text == "Seizures of ivory and pangolin scales\nby country" for _style, text in paragraphs)
    bold = [run.text for p in document.paragraphs for run in p.runs if run.bold]
    assert "ivory" in bold
    [table] = document.tables
    assert [[c.text for c in row.cells] for row in table.rows] == [["Country", "Seizures"], ["KEN", "40"]]
    assert len(document.inline_shapes) == 2  # both charts, drawn as pictures
    assert document.sections[0].footer.paragraphs[0].text == "Data as of 2026-11-01 · 40 records · sha256 0123abcd"
    assert document.core_properties.title == "Briefing"
    assert "Not in documents" not in "\n".join(text for _style, text in paragraphs)


def test_the_docx_keeps_links_and_draws_an_image_at_its_own_size():
    icon = base64.b64encode(cairosvg.svg2png(bytestring=b'<svg xmlns="http://www.w3.org/2000/svg" width="26" '
                                                        b'height="26"><circle cx="13" cy="13" r="9"/></svg>')).decode()
    html = (f'<html><body><p>See <a href="https://cites.org/eng/res/11/11-03R19.php">Res. Conf. <em>11.3</em></a> '
            f'and <a href="/operations/X">the operation</a>.</p><p><img src="data:image/png;base64,{icon}"></p>'
            "</body></html>")
    document = docx.Document(io.BytesIO(docx_from_html(html, title="Links")))
    paragraph = document.paragraphs[0]
    assert paragraph.text == "See Res. Conf. 11.3 and the operation."
    [link] = paragraph.hyperlinks
    assert (link.address, link.text) == ("https://cites.org/eng/res/11/11-03R19.php", "Res. Conf. 11.3")
    [shape] = document.inline_shapes
    assert abs(shape.width.cm - 26 / 96 * 2.54) < 0.01  # 26 pixels, not stretched across the page
