"""HTML of our own document templates → DOCX, so people who edit in Word get the same document, not a second one.

It understands the subset the templates use: headings, paragraphs with bold/italic/line breaks and links (absolute
ones stay links in Word), lists, definition lists, tables (a `num` class right-aligns a cell), figures, inline SVG
charts and maps (drawn to PNG), images from data: URIs or /static/ (at their own size), and a
`<footer class="provenance">` that becomes every page's footer.
Elements marked `class="no-docx"` (and scripts, styles, forms) are left out.
"""

from __future__ import annotations

import base64
import io
import re

import cairosvg
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.image.exceptions import UnrecognizedImageError
from docx.image.image import Image as DocxImage
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt, RGBColor
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from lxml import etree, html as lxml_html

from opsplatform import checks, paths

STATIC = paths.STATIC
SKIPPED = {"script", "style", "form", "nav", "button", "input", "select", "template", "noscript"}
CONTAINERS = {"div", "section", "article", "main", "header", "aside", "body", "html", "details", "summary", "hgroup"}
HEADINGS = {"h1": 0, "h2": 1, "h3": 2, "h4": 3, "h5": 4, "h6": 4}
PAGE_WIDTH = Cm(16)  # A4 less margins
MUTED = RGBColor(0x66, 0x66, 0x66)


def docx_from_html(html: str, *, title: str) -> bytes:
    """The HTML document as a Word file titled `title` (the file's core property). Characters Word's XML cannot hold
    are left out: input refuses them, but a record may hold one from before it did."""
    tree = lxml_html.document_fromstring(checks.UNWRITABLE.sub("", html))
    document = Document()
    document.core_properties.title = title
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    document.styles["Normal"].font.name = "Calibri"
    document.styles["Normal"].font.size = Pt(10.5)
    body = tree.find("body")
    for footer in body.iter("footer") if body is not None else ():
        if "provenance" in _classes(footer):
            paragraph = section.footer.paragraphs[0]
            paragraph.text = _text(footer)
            for run in paragraph.runs:
                run.font.size, run.font.color.rgb = Pt(7.5), MUTED
    _Writer(document).blocks(body if body is not None else tree)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _classes(element: etree._Element) -> set[str]:
    return set((element.get("class") or "").split())


def _text(element: etree._Element) -> str:
    return re.sub(r"\s+", " ", element.text_content()).strip()


def _skipped(element: etree._Element) -> bool:
    return (not isinstance(element.tag, str) or _local(element) in SKIPPED or "no-docx" in _classes(element)
            or (_local(element) == "footer" and "provenance" in _classes(element)))


def _local(element: etree._Element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rsplit("}", 1)[-1].lower()


class _Writer:
    def __init__(self, document: Document) -> None:
        self.document = document

    # --- blocks ---------------------------------------------------------------------------------------------------

    def blocks(self, parent: etree._Element, container: _Cell | None = None) -> None:
        """Write the block children of `parent`; loose inline content between blocks becomes a paragraph."""
        target = container or self.document
        loose: list[etree._Element | str] = [parent.text] if parent.text and parent.text.strip() else []
        for child in parent:
            if _skipped(child):
                if child.tail and child.tail.strip():
                    loose.append(child.tail)
                continue
            if self._is_block(child):
                self._flush(loose, target)
                loose = []
                self.block(child, target)
                if child.tail and child.tail.strip():
                    loose.append(child.tail)
            else:
                loose.append(child)
        self._flush(loose, target)

    def _is_block(self, element: etree._Element) -> bool:
        return _local(element) in {*CONTAINERS, *HEADINGS, "p", "ul", "ol", "table", "figure", "svg", "img", "dl",
                                   "blockquote", "hr", "pre", "footer", "figcaption", "li"}

    def _flush(self, loose: list[etree._Element | str], target: Document | _Cell) -> None:
        if any(isinstance(part, str) and part.strip() or not isinstance(part, str) for part in loose):
            paragraph = target.add_paragraph()
            for part in loose:
                if isinstance(part, str):
                    paragraph.add_run(re.sub(r"\s+", " ", part))
                else:
                    self.inline(part, paragraph)
                    if part.tail:
                        paragraph.add_run(re.sub(r"\s+", " ", part.tail))

    def block(self, element: etree._Element, target: Document | _Cell) -> None:
        tag = _local(element)
        if tag in HEADINGS and isinstance(target, type(self.document)):
            self.inlines(element, self.document.add_heading("", level=HEADINGS[tag]))
        elif tag in HEADINGS or tag in ("p", "figcaption", "pre"):
            paragraph = target.add_paragraph()
            self.inlines(element, paragraph)
            if tag in HEADINGS:
                for run in paragraph.runs:
                    run.bold = True
            if tag == "figcaption":
                for run in paragraph.runs:
                    run.italic, run.font.color.rgb = True, MUTED
        elif tag in ("ul", "ol"):
            style = "List Bullet" if tag == "ul" else "List Number"
            for item in element.iterchildren("li"):
                self.inlines(item, target.add_paragraph(style=style), nested_lists=False)
        elif tag == "li":
            self.inlines(element, target.add_paragraph(style="List Bullet"))
        elif tag == "dl":
            for child in element:
                if _local(child) == "dt":
                    for run in self.inlines(child, target.add_paragraph()).runs:
                        run.bold = True
                elif _local(child) == "dd":
                    self.inlines(child, target.add_paragraph())
        elif tag == "blockquote":
            paragraph = target.add_paragraph()
            paragraph.paragraph_format.left_indent = Cm(1)
            self.inlines(element, paragraph)
        elif tag == "table":
            self.table(element, target)
        elif tag == "svg":
            self.picture(_svg_png(element), target, _svg_width(element))
        elif tag == "img":
            image = _image_bytes(element.get("src") or "")
            if image is not None:
                self.picture(image, target, None)
            elif element.get("alt"):
                target.add_paragraph(element.get("alt"))
        elif tag == "hr":
            target.add_paragraph("")
        else:  # containers, figures, plain footers
            self.blocks(element, target if isinstance(target, _Cell) else None)

    def picture(self, image: bytes, target: Document | _Cell, width_px: float | None) -> None:
        width = PAGE_WIDTH if width_px is None else min(PAGE_WIDTH, Cm(width_px / 640 * 16))
        paragraph = target.add_paragraph() if isinstance(target, _Cell) else self.document.add_paragraph()
        paragraph.add_run().add_picture(io.BytesIO(image), width=width)

    def table(self, element: etree._Element, target: Document | _Cell) -> None:
        rows = list(element.iter("tr"))
        if not rows:
            return
        columns = max(sum(int(cell.get("colspan") or 1) for cell in row if _local(cell) in ("td", "th"))
                      for row in rows)
        table = target.add_table(rows=0, cols=columns)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for row in rows:
            cells = table.add_row().cells
            position = 0
            for cell in (c for c in row if _local(c) in ("td", "th")):
                span = int(cell.get("colspan") or 1)
                target_cell = cells[position]
                if span > 1:
                    target_cell = target_cell.merge(cells[min(position + span, columns) - 1])
                paragraph = target_cell.paragraphs[0]
                self.inlines(cell, paragraph)
                if _local(cell) == "th" or row.getparent() is not None and _local(row.getparent()) == "thead":
                    for run in paragraph.runs:
                        run.bold = True
                if "num" in _classes(cell):
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                position += span

    # --- inline ---------------------------------------------------------------------------------------------------

    def inlines(self, element: etree._Element, paragraph: Paragraph, nested_lists: bool = True) -> Paragraph:
        if element.text:
            paragraph.add_run(_squash(element.text))
        for child in element:
            if not _skipped(child) and (nested_lists or _local(child) not in ("ul", "ol")):
                self.inline(child, paragraph)
            if child.tail:
                paragraph.add_run(_squash(child.tail))
        return paragraph

    def inline(self, element: etree._Element, paragraph: Paragraph, bold: bool = False, italic: bool = False) -> None:
        tag = _local(element)
        if tag == "br":
            paragraph.add_run().add_break()
            return
        if tag == "svg":
            paragraph.add_run().add_picture(io.BytesIO(_svg_png(element)), width=Cm(12))
            return
        if tag == "img":
            image = _image_bytes(element.get("src") or "")
            if image is not None:
                paragraph.add_run().add_picture(io.BytesIO(image), width=_drawn_width(image))
            return
        if tag == "a" and (element.get("href") or "").startswith(("https://", "http://", "mailto:")):
            before = len(paragraph._p)
            self.inline(_as_span(element), paragraph, bold, italic)
            _hyperlink(paragraph, element.get("href"), list(paragraph._p)[before:])
            return
        bold = bold or tag in ("strong", "b", "th")
        italic = italic or tag in ("em", "i")
        if element.text:
            run = paragraph.add_run(_squash(element.text))
            run.bold, run.italic = bold or None, italic or None
            if tag in ("small", "sup", "sub"):
                run.font.size = Pt(8)
            if tag == "code":
                run.font.name = "Consolas"
        for child in element:
            if not _skipped(child):
                self.inline(child, paragraph, bold, italic)
            if child.tail:
                run = paragraph.add_run(_squash(child.tail))
                run.bold, run.italic = bold or None, italic or None


def _as_span(element: etree._Element) -> etree._Element:
    """The link's content as a plain span, to be written as runs like any other inline text."""
    span = etree.Element("span")
    span.text = element.text
    span.extend(list(element))
    return span


def _hyperlink(paragraph: Paragraph, url: str, runs: list[etree._Element]) -> None:
    """Wrap the runs just written in a Word hyperlink to an absolute address, underlined in link colour."""
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True))
    for run in runs:
        properties = run.get_or_add_rPr()
        properties.append(OxmlElement("w:u"))
        properties[-1].set(qn("w:val"), "single")
        properties.append(OxmlElement("w:color"))
        properties[-1].set(qn("w:val"), "1F6F8B")
        link.append(run)
    paragraph._p.append(link)


def _drawn_width(image: bytes) -> Length:
    """An image at its own size (96 pixels to the inch, as browsers draw it), never wider than the page."""
    try:
        pixels = DocxImage.from_blob(image).px_width
    except UnrecognizedImageError:  # left to add_picture, which says so
        return PAGE_WIDTH
    return min(PAGE_WIDTH, Cm(pixels / 96 * 2.54))


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _svg_width(element: etree._Element) -> float | None:
    box = (element.get("viewBox") or element.get("viewbox") or "").split()
    return float(box[2]) if len(box) == 4 else None


def _svg_png(element: etree._Element) -> bytes:
    """An inline SVG as PNG at twice its drawn size (crisp in print), sized by its viewBox.

    The HTML parser lower-cases attribute names and drops the namespace; SVG needs both back.
    """
    markup = etree.tostring(element, method="xml", encoding="unicode", with_tail=False)
    head, rest = markup.split(">", 1)
    box = re.search(r'viewbox="([^"]+)"', head, flags=re.IGNORECASE)
    head = re.sub(r'\s(width|height|style|xmlns)="[^"]*"', "", head)
    head = re.sub(r"viewbox=", "viewBox=", head, flags=re.IGNORECASE)
    size = ""
    if box and len(box.group(1).split()) == 4:
        _x, _y, width, height = box.group(1).split()
        size = f' width="{width}" height="{height}"'
    head = head.replace("<svg", f'<svg xmlns="http://www.w3.org/2000/svg"{size}', 1)
    return cairosvg.svg2png(bytestring=(head + ">" + rest).encode(), scale=2, background_color="white")


def _image_bytes(src: str) -> bytes | None:
    if src.startswith("data:") and ";base64," in src:
        return base64.b64decode(src.split(";base64,", 1)[1])
    if src.startswith("/static/"):
        path = (STATIC / src[len("/static/"):]).resolve()
        if path.is_relative_to(STATIC) and path.is_file():
            return path.read_bytes()
    return None
