"""The one Jinja environment, shared by pages, e-mails and generated documents."""

from __future__ import annotations

import re
import uuid
from functools import cache
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from opsplatform import checks, format, i18n, labels, paths, policy
from opsplatform.database import utcnow
from opsplatform.errors import form_field

TEMPLATES = paths.TEMPLATES


def _blocks(text: str | None) -> list[str]:
    """Text split at its blank lines, whatever line endings it was typed with (browsers send CRLF)."""
    return [block for block in re.split(r"\n\s*\n", checks.text(text)) if block.strip()]


def _paragraphs(text: str | None) -> Markup:
    """Formatted text without HTML: blank lines separate paragraphs, lines starting with '- ' are bullets."""
    blocks = []
    for block in _blocks(text):
        lines = [line.strip() for line in block.strip().splitlines() if line.strip()]
        if lines and all(line.startswith("- ") for line in lines):
            blocks.append(Markup("<ul>{}</ul>").format(Markup("").join(Markup("<li>{}</li>").format(line[2:])
                                                                       for line in lines)))
        elif lines:
            blocks.append(Markup("<p>{}</p>").format(Markup("<br>").join(lines)))
    return Markup("").join(blocks)


@cache
def document_css() -> Markup:
    return Markup((paths.STATIC / "css" / "document.css").read_text())


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "xml"]),
                      extensions=["jinja2.ext.i18n"], undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True)
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["date"] = format.date
    env.filters["number"] = format.number
    env.filters["paragraphs"] = _paragraphs
    env.filters["blocks"] = _blocks
    env.filters["value_label"] = labels.value_label  # for lists: codes | map("value_label")
    env.filters["country_name"] = labels.country_name
    env.globals["language_names"] = i18n.LANGUAGE_NAMES
    env.globals["current_language"] = i18n.current_language
    env.globals["can"] = policy.can
    env.globals["now_utc"] = utcnow
    env.globals["new_key"] = lambda: uuid.uuid4().hex  # a form's idempotency key
    env.globals["document_css"] = document_css
    env.globals["sees_matches"] = policy.cleared_member
    env.globals["role_label"] = labels.role_label
    env.globals["phase_label"] = labels.phase_label
    env.globals["outcome_label"] = labels.outcome_label
    env.globals["status_label"] = labels.status_label
    env.globals["kind_label"] = labels.kind_label
    env.globals["publicity_label"] = labels.publicity_label
    env.globals["rank_label"] = labels.rank_label
    env.globals["value_label"] = labels.value_label
    env.globals["country_name"] = labels.country_name
    env.globals["region_name"] = labels.region_name
    env.globals["unit_label"] = labels.unit_label
    env.globals["quantity_label"] = labels.quantity_label
    env.globals["field_label"] = labels.field_label
    env.globals["form_field_label"] = labels.form_field_label
    env.globals["form_field"] = form_field
    env.globals["column_label"] = labels.column_label
    env.globals["group_label"] = labels.group_label
    env.globals["query_string"] = lambda params, **changes: urlencode(  # a list as the key repeated
        {k: v for k, v in {**params, **changes}.items() if v not in (None, "", [])}, doseq=True)
    return env


def render(template: str, **context: object) -> str:
    """Render outside a request (e-mails, documents) in the current language."""
    return environment().get_template(template).render(**context)
