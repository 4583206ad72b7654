"""French and Spanish throughout: every user-facing string is marked for translation, and both catalogues are
complete, current and keep every placeholder. No database: these read the code, the templates and the catalogues."""

from __future__ import annotations

import ast
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from jinja2 import nodes

from opsplatform.i18n import LOCALE_DIR
from opsplatform.rendering.templates import TEMPLATES, environment

ROOT = Path(__file__).resolve().parents[1]
TRANSLATED = ("fr", "es")

# Text that is the same in every language: the product's name, file formats, units, codes and signs.
NOT_LANGUAGE = re.compile(r"\b(opsplatform|CSV|PDF|XLSX|DOCX|HTML|JSON|GeoJSON|API|ISO|CITES|UTC|sha256|kB|KiB|"
                          r"kg|km|ICCWC|INTERPOL|WCO|KEN|TZA|TUS|SCA|Manis javanica)\b")
ATTRIBUTE = re.compile(r'\s*[\w-]+="')  # a macro that writes attributes of the tag it is called in
PATH = re.compile(r"\S*/\S*")  # a link or a path in a plain-text e-mail
WORD = re.compile(r"[^\W\d_]{2,}")
# Attributes a person reads or hears (tooltips, placeholders, screen-reader labels, confirmations).
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "hx-confirm", "data-confirm", "label"}


class _Text(HTMLParser):
    """Text and read attributes of an HTML fragment; expressions between literal parts are MARK."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.in_code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_code += tag in ("script", "style")
        button = tag == "input" and dict(attrs).get("type") in ("submit", "button")
        self.found += [value for name, value in attrs
                       if value and (name in READ_ATTRIBUTES or button and name == "value")]

    def handle_endtag(self, tag: str) -> None:
        self.in_code -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self.in_code:
            self.found.append(data)


MARK = " \x1a "  # spaced, so that a mark inside a tag stays an attribute of its own


def unmarked_template_text(name: str, source: str) -> list[str]:
    """Literal text of a template that a person reads and that no gettext call wraps (a {% trans %} block is one)."""
    tree = environment().parse(source)
    literal = MARK.join(node.data for node in tree.find_all(nodes.TemplateData))
    if name.endswith(".html"):
        parser = _Text()
        parser.feed(literal)
        pieces = [piece for text in parser.found for piece in text.split(MARK)]
    else:
        pieces = literal.split(MARK)
    # Strings given to macros (a field's label, a button's text) must be gettext calls too.
    pieces += [const.value for call in tree.find_all(nodes.Call) if isinstance(call.node, nodes.Name)
               and call.node.name in FORM_MACROS for const in [*call.args[1:2], *(k.value for k in call.kwargs
                                                                                   if k.key in FORM_MACRO_TEXT)]
               if isinstance(const, nodes.Const) and isinstance(const.value, str)]
    return [" ".join(piece.split()) for piece in pieces if not ATTRIBUTE.match(piece)
            and WORD.search(NOT_LANGUAGE.sub("", PATH.sub("", piece)))]


# The form macros of _forms.html: (name, label, …) and the keyword arguments that are read.
FORM_MACROS = {"field", "select", "checkbox"}
FORM_MACRO_TEXT = {"label", "help", "blank"}


def test_unmarked_template_text_is_found() -> None:
    source = ('{% extends "base.html" %}{% block content %}<h1 title="Hint">{{ _("Seizures") }}</h1>'
              '<p>{{ count }} seizures · CSV</p>{{ field("name", "Name", form, errors) }}{% endblock %}')
    assert unmarked_template_text("x.html", source) == ["Hint", "seizures · CSV", "Name"]
    assert unmarked_template_text("x.html", '{% trans %}Hello {{ name }}{% endtrans %} {{ _("World") }}') == []


def test_every_template_string_is_marked_for_translation() -> None:
    found = [f"templates/{path.relative_to(TEMPLATES)}: {text!r}" for path in sorted(TEMPLATES.rglob("*.*"))
             for text in unmarked_template_text(path.name, path.read_text())]
    assert not found, "text not marked for translation (wrap it in {{ _(\"…\") }}):\n" + "\n".join(found)


# Python: the calls whose argument (by position or keyword) a person reads.
MESSAGE_ARGUMENT = {"flash": (1, "message"), "FieldError": (1, "message"), "one": (1, "message"),
                    "NotAllowed": (0, "message"), "SheetError": (0, "message"), "NotFoundException": (0, "detail"),
                    "PermissionDeniedException": (0, "detail"), "NotAuthorizedException": (0, "detail"),
                    "ClientException": (0, "detail"), "ValidationException": (0, "detail")}
GETTEXT_CALLS = {"_", "gettext", "ngettext", "N_"}


def _literal_text(node: ast.expr) -> bool:
    """A string built from literals in the code (not a gettext call, not a variable) that has words in it."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(WORD.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_literal_text(part) for part in node.values)
    if isinstance(node, ast.BinOp):
        return _literal_text(node.left) or _literal_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _literal_text(node.func.value)
    if isinstance(node, ast.IfExp):
        return _literal_text(node.body) or _literal_text(node.orelse)
    return False


def unmarked_python_messages(source: str) -> list[tuple[int, str]]:
    """User-facing messages built from literals not wrapped in _(): flash, field errors, refusals, error pages."""
    found = []
    for call in ast.walk(ast.parse(source)):
        if not isinstance(call, ast.Call):
            continue
        name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")
        if name in GETTEXT_CALLS and call.args and not isinstance(call.args[0], ast.Constant):
            # _() of text built at run time: extraction cannot see it, so it is never translated.
            arguments = [arg for arg in call.args[:1] if _literal_text(arg)]
        elif name in MESSAGE_ARGUMENT:
            position, keyword = MESSAGE_ARGUMENT[name]
            arguments = call.args[position:position + 1] + [k.value for k in call.keywords if k.arg == keyword]
        elif name == "append" and getattr(call.func.value, "id", "") in ("problems", "errors"):
            arguments = call.args[:1]
        elif name == "from_dict" and call.args and isinstance(call.args[0], ast.Dict):
            arguments = list(call.args[0].values)
        else:
            continue
        found += [(arg.lineno, ast.unparse(arg)) for arg in arguments if arg is not None and _literal_text(arg)]
    return found


def test_unmarked_python_messages_are_found() -> None:
    source = ('flash(request, _("Saved."), "success")\nflash(request, f"Saved {x}.", "success")\n'
              'raise InvalidInput.one("quantity", "must be positive")\nraise NotAllowed(_("no"))\n'
              'raise NotFoundException("no such record " + code)\nInvalidInput.from_dict({"a": "is wrong"})\n'
              '_(("too small" if low else "too big") + " (got %(v)s)", v=1)\n_(heading)\n'
              'problems.append(f"row {n}: is empty")\nproblems.append(_("row %(n)s", n=n))\n')
    assert [line for line, _text in unmarked_python_messages(source)] == [2, 3, 5, 6, 7, 9]


# The command line (the cli package, and backups) speaks English to the operators who run it (and to their scripts);
# the web and the API translate.
COMMAND_LINE = ("cli/", "backup.py")


def test_every_python_message_is_marked_for_translation() -> None:
    package = ROOT / "opsplatform"
    found = [f"{path.relative_to(ROOT)}:{line}: {text}" for path in sorted(package.rglob("*.py"))
             if not path.relative_to(package).as_posix().startswith(COMMAND_LINE)
             for line, text in unmarked_python_messages(path.read_text())]
    assert not found, "user-facing messages not marked for translation (wrap them in _()):\n" + "\n".join(found)


# --- the catalogues ---------------------------------------------------------------------------------------------------

@cache
def extracted() -> Catalog:
    """What `make messages` extracts now, read in process (about two seconds)."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    catalog = Catalog()
    for filename, lineno, message, comments, context in extract_from_dir(ROOT, method_map, options_map):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


@cache
def catalogue(language: str) -> Catalog:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs%]")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def catalogue_problems(language: str, catalog: Catalog, source: Catalog) -> list[str]:
    problems = []
    for message in source:
        if not message.id:
            continue
        entry: Message | None = catalog.get(message.id, message.context)
        label = f"{language}: {message.id if isinstance(message.id, str) else message.id[0]!r}"
        strings = [] if entry is None else ([entry.string] if isinstance(entry.string, str) else list(entry.string))
        if entry is None:
            problems.append(f"{label}: missing (run `make messages`)")
        elif entry.fuzzy or not strings or not all(strings):
            problems.append(f"{label}: {'fuzzy' if entry.fuzzy else 'not translated'}")
        else:
            ids = [message.id] if isinstance(message.id, str) else list(message.id)
            expected = placeholders(ids[-1])
            for string in strings:  # a plural's singular may say "one" instead of %(num)s
                got = list(placeholders(string))
                if got != expected and (len(strings) == 1 or got != [p for p in expected if "(num)" not in p]):
                    problems.append(f"{label}: placeholders {got} instead of {expected}")
    problems += [f"{language}: {m.id!r}: stale (no longer in the code; run `make messages`)"
                 for m in catalog if m.id and source.get(m.id, m.context) is None]
    header = catalog.header_comment + "".join(f"{k}: {v}" for k, v in catalog.mime_headers)
    problems += [f"{language}: header still says {word}" for word in ("FIRST AUTHOR", "ORGANIZATION", "EMAIL@ADDRESS",
                                                                      "FULL NAME", "YEAR-MO-DA") if word in header]
    return problems


def test_catalogue_problems_are_found() -> None:
    source = Catalog()
    for text in ("Seizure %(ref)s saved.", "Nil return", "Operations"):
        source.add(text)
    source.add(("%(num)s seizure", "%(num)s seizures"))
    po = Catalog(locale="fr", header_comment="# opsplatform", last_translator="opsplatform <ops@example.org>",
                 msgid_bugs_address="ops@example.org")
    po.add("Seizure %(ref)s saved.", "Saisie %(reference)s enregistrée.")
    po.add("Nil return", "")
    po.add(("%(num)s seizure", "%(num)s seizures"), ("une saisie", "%(num)s saisies"))
    po.add("Old text", "Ancien texte")
    po.revision_date = po.creation_date
    assert sorted(catalogue_problems("fr", po, source)) == [
        "fr: 'Nil return': not translated",
        "fr: 'Old text': stale (no longer in the code; run `make messages`)",
        "fr: 'Operations': missing (run `make messages`)",
        "fr: 'Seizure %(ref)s saved.': placeholders ['%(reference)s'] instead of ['%(ref)s']"]


def test_french_and_spanish_catalogues_are_complete_and_current() -> None:
    problems = [problem for language in TRANSLATED
                for problem in catalogue_problems(language, catalogue(language), extracted())]
    assert not problems, f"{len(problems)} catalogue problems:\n" + "\n".join(problems[:200])
