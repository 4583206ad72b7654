"""One HTML document, three formats: the page itself, PDF (WeasyPrint) and DOCX (python-docx, see word.py).

Documents are written once as Jinja HTML with print styles; these turn that HTML into files. Rendering never
reaches the network: only the app's own static files and `data:` URIs are fetched.
"""

from __future__ import annotations

import mimetypes

from weasyprint import HTML, Document
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from opsplatform import paths
from opsplatform.documents.word import docx_from_html

STATIC = paths.STATIC
BASE_URL = "http://opsplatform.invalid/"  # "/static/…" in a document resolves here and is read from disk


class _LocalFetcher(URLFetcher):
    """Serves /static/ from the package and data: URIs; refuses everything else, so a PDF never calls out."""

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        prefix = BASE_URL + "static/"
        if url.startswith(prefix):
            path = (STATIC / url[len(prefix):].split("?")[0]).resolve()
            if path.is_relative_to(STATIC) and path.is_file():
                return URLFetcherResponse(url, body=path.read_bytes(),
                                          headers={"Content-Type": mimetypes.guess_type(path.name)[0] or ""})
        raise FatalURLFetchingError(f"documents load only the app's own files, not {url}")


def laid_out(html: str) -> Document:
    """The document laid out on its pages by its print styles: the boxes the PDF is drawn from."""
    return HTML(string=html, base_url=BASE_URL, url_fetcher=_LocalFetcher()).render()


def pdf_from_html(html: str) -> bytes:
    """The document as PDF, laid out by its print styles."""
    return laid_out(html).write_pdf()


__all__ = ["laid_out", "pdf_from_html", "docx_from_html"]
