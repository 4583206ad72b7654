"""Text, numbers and codes as people send them (a form, a sheet cell, JSON, an operation file): read in one place, and a
problem said in one wording, in the reader's language. Dates have their own module, `dates`.

Typed text is read in a locale (`read_in`): a sheet's, chosen for its upload or else its reporting country's
(`country_locale`), or else the reader's language. Numbers in the locale's own writing are read by Babel ("1,234.5" in
English, "1 234,5" in French with any kind of space, "1.234,5" in Spanish, "12,34,567" in Indian English); a number
written another way is still read where its shape leaves one reading: two different separators (the last one marks
the decimals), a separator repeated (grouping by threes), one separator followed by other than three digits or after
a lone 0 ("0,5", "12.75", "0.125": decimals). The one shape with two readings is a single comma or point after one to
three digits (not a lone 0) and before exactly three ("1,234", "12.500"): the locale reads it where it uses that
symbol, as grouping ("1,234" in English, "1.500" in Spanish) or as decimals ("1,234" in French); where it uses the
symbol for neither ("1.234" in French, "1,234" in Swiss German) the number is ambiguous, and refused with the two
readings (`ambiguous`), never guessed. A real number (JSON, a spreadsheet's numeric cell) is taken as it is.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.languages import get_official_languages
from babel.numbers import NumberFormatError, format_decimal, get_decimal_symbol, get_group_symbol, parse_decimal

from opsplatform.i18n import _, current_language

# Spaces that group digits: the ordinary one, no-break and narrow no-break (French), thin; and the Swiss apostrophes.
_SPACES = re.compile(r"[ \u00a0\u202f\u2009'\u2019]")
_TYPED = re.compile(r"[+-]?[\d.,  \u00a0\u202f\u2009'\u2019]*\d[\d.,  \u00a0\u202f\u2009'\u2019]*([eE][+-]?\d+)?")
_PLAIN = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
# Digits grouped by threes with one separator, optionally a decimal part after the other one.
_GROUPED = {sep: re.compile(rf"[+-]?\d{{1,3}}(\{sep}\d{{3}})+") for sep in ",."}
# The shape with two readings: one separator after one to three digits (not a lone 0), exactly three digits after.
_TWO_READINGS = re.compile(r"[+-]?[1-9]\d{0,2}([.,])\d{3}")
# Digits alone, or with a point for decimals where the locale writes decimals so: one reading in every locale that
# takes them, read without Babel (most cells of a sheet, and a tenth of its reading time).
_DIGITS = re.compile(r"[+-]?\d+")
_POINT_DECIMALS = re.compile(r"[+-]?\d+\.\d+")
_LOCALE: ContextVar[str | None] = ContextVar("numbers_and_dates_read_in", default=None)


class Ambiguous(ValueError):
    """A typed number or date with two readings in the locale it is read in."""


@contextmanager
def read_in(locale: str | None) -> Iterator[None]:
    """Typed numbers and dates read in `locale` (a Babel name such as fr_FR) in this block; None: the reader's
    language."""
    token = _LOCALE.set(locale)
    try:
        yield
    finally:
        _LOCALE.reset(token)


def reading_locale() -> str:
    return _LOCALE.get() or current_language()


def known_locale(value: object) -> str | None:
    """The Babel name of a locale as typed ("fr", "fr-FR", "fr_FR"), or None when there is none such."""
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8}){0,2}", value.strip()):
        return None
    try:
        return str(Locale.parse(value.strip().replace("-", "_")))
    except (UnknownLocaleError, ValueError):
        return None


@cache
def country_locale(alpha2: str) -> str:
    """How a country writes numbers and dates: its most spoken official language there (sw_KE, fr_CI, en_US); English
    where Babel knows none."""
    for language in get_official_languages(alpha2, de_facto=True):
        if (found := known_locale(f"{language}_{alpha2}")) is not None:
            return found
    return "en"


@cache
def _symbols(locale: str) -> tuple[str, str]:
    return get_decimal_symbol(locale), get_group_symbol(locale)

# What no field takes: C0 controls (but tab, newline, carriage return) and the noncharacters U+FFFE and U+FFFF.
# PostgreSQL text cannot hold NUL, and none of them can be written in XML (spreadsheets, Word files).
UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def character_problem(text: str) -> str | None:
    """What is wrong with a text holding a character no field takes, or None."""
    found = UNWRITABLE.search(text)
    if found is None:
        return None
    return _("contains a character (U+%(code)s) that no field accepts; remove it", code=f"{ord(found.group(0)):04X}")


MAX_DEPTH = 16  # a seizure with items and suspects is 3 deep; messages with attachments 3; an operation file 4
LARGEST_NUMBER = 10**15  # money, the largest any field takes


def too_deep() -> str:
    return _("is nested more than %(n)s levels deep", n=MAX_DEPTH)


def document_problems(data: object, root: str) -> Iterator[tuple[str, str]]:
    """Every problem of a decoded JSON document (an API body, an operation file), as (its path such as
    `items[0].quantity`, what is wrong): text no field takes, a number no field takes, nesting past MAX_DEPTH.
    Without recursion, so no depth breaks it."""
    stack: list[tuple[object, str, int]] = [(data, root, 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            yield root, too_deep()
            return
        if isinstance(value, str):
            if problem := character_problem(value):
                yield path, problem
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int | float):
            if abs(value) > LARGEST_NUMBER or not math.isfinite(value):  # a huge int is no float
                yield path, _("is not a number any field takes (at most %(n)s)", n="10^15")
        elif isinstance(value, dict):
            for key, item in value.items():
                if problem := character_problem(str(key)):
                    yield path, problem
                stack.append((item, key if path == root else f"{path}.{key}", depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{n}]", depth + 1) for n, item in enumerate(value))


YES, NO = ("yes", "true", "1", "on"), ("no", "false", "0", "off")


def yes_or_no(value: object) -> bool | None:
    """A yes or a no in any of its words (JSON true or false, 1 or 0; yes, no, on, off typed in any case); None for
    anything else, which the caller refuses or, when left empty, leaves unsaid."""
    word = value.strip().lower() if isinstance(value, str) else str(value).lower() if isinstance(value, int) else None
    return True if word in YES else False if word in NO else None


def yes_or_no_problem(value: object) -> str:
    """What is wrong with a value `yes_or_no` could not read."""
    return _('must be yes or no (got "%(value)s")', value=str(value)[:40])


def text(value: object) -> str:
    """Text as typed, trimmed, its lines ending in a newline whatever the browser or system sent: browsers send a
    textarea's line breaks as CRLF, which would otherwise run paragraphs together where text is split on them."""
    if value is None:
        return ""
    return (value if isinstance(value, str) else str(value)).replace("\r\n", "\n").replace("\r", "\n").strip()


# Characters no one sees (Unicode's format characters but the visible ones: zero-width spaces and joiners, direction
# marks and embeddings, a BOM, a soft hyphen, annotation and tag characters): in a reference they would make two that
# read the same differ.
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
                        "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]")


def reference(value: object) -> str:
    """A reference as it names a record: trimmed text in Unicode's compatibility form (a full-width "ＫＥ－１" from an
    East Asian keyboard is "KE-1"; an é typed as e and an accent is the one é) without characters no one sees. Two
    references that read the same are the same reference, whoever typed them and however."""
    typed = text(value)
    # Removed first: between a letter and its accent, an invisible character would keep them from composing.
    return typed if typed.isascii() else unicodedata.normalize("NFKC", _INVISIBLE.sub("", typed)).strip()


def number(value: object) -> float | None:
    """The finite number a value holds (a JSON or spreadsheet number, or text as typed), or None when it holds none or
    its text has two readings (`ambiguous` tells which)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            read = float(value)
        except OverflowError:  # an int beyond a float's range
            return None
        return read if math.isfinite(read) else None
    if not isinstance(value, str):
        return None
    try:
        return _typed(value.strip(), reading_locale())
    except Ambiguous:
        return None


def ambiguous(value: object) -> bool:
    """Whether a value is text that reads as two different numbers in the locale it is read in."""
    if not isinstance(value, str):
        return False
    try:
        _typed(value.strip(), reading_locale())
    except Ambiguous:
        return True
    return False


def _typed(text: str, locale: str) -> float | None:
    decimal, group = _symbols(locale)
    if _DIGITS.fullmatch(text) or decimal == "." and group != "." and _POINT_DECIMALS.fullmatch(text):
        read = float(text)
        return read if math.isfinite(read) else None
    if not _TYPED.fullmatch(text):
        return None
    compact = _SPACES.sub("", text)
    if (two := _TWO_READINGS.fullmatch(compact)) and compact == text:
        if two[1] not in (decimal, group):
            raise Ambiguous(text)
        read = float(compact.replace(group, "") if two[1] == group else compact.replace(decimal, "."))
        return read if math.isfinite(read) else None
    if "e" not in text.lower():
        # The locale's own writing, any kind of space standing for a locale that groups with one.
        own = _SPACES.sub(group, text) if _SPACES.fullmatch(group) else text
        try:
            read = float(parse_decimal(own, locale=locale, strict=True))
        except (NumberFormatError, ValueError):
            pass
        else:
            return read if math.isfinite(read) else None
    plain = _plain(compact)
    if plain is None or not _PLAIN.fullmatch(plain):
        return None
    read = float(plain)
    return read if math.isfinite(read) else None


def _plain(text: str) -> str | None:
    """The text with grouping removed and a point for decimals, or None when its separators make no number (the
    shape with two readings never gets here)."""
    commas, points = text.count(","), text.count(".")
    if commas and points:  # the last separator is the decimal one, the other groups digits
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        group = "." if decimal == "," else ","
        whole, _sep, fraction = text.rpartition(decimal)
        if not _GROUPED[group].fullmatch(whole):
            return None
        return whole.replace(group, "") + "." + fraction
    separator = "," if commas else "." if points else ""
    if not separator:
        return text
    if text.count(separator) > 1:  # "1,234,567": only grouping repeats
        return text.replace(separator, "") if _GROUPED[separator].fullmatch(text) else None
    whole, _sep, fraction = text.partition(separator)
    return whole + "." + fraction


def whole(value: object, low: int, high: int) -> int | None:
    """The whole number from `low` to `high` a value holds, or None."""
    read = number(value)
    return int(read) if read is not None and read.is_integer() and low <= read <= high else None


def number_problem(value: object, *, whole: bool = False, strict: bool = False) -> str:
    """What is wrong with a value that is not a number of 0 or more (greater than 0 when strict; whole when whole)."""
    text = shown_back(value)
    if ambiguous(value):
        return ambiguity(text)
    # One literal per message, so that extraction finds each of them.
    if whole:
        return _('must be a whole number of 0 or more (got "%(value)s")', value=text)
    if strict:
        return _('must be a number greater than 0 (got "%(value)s")', value=text)
    return _('must be a number of 0 or more (got "%(value)s")', value=text)


def ambiguity(text: str) -> str:
    """The two readings of an ambiguous number, written as the locale it is read in writes them."""
    locale = reading_locale()
    separator = "," if "," in text else "."
    digits = _SPACES.sub("", text).lstrip("+-")
    grouped, decimals = float(digits.replace(separator, "")), float(digits.replace(separator, "."))
    return _('is ambiguous: "%(value)s" may be %(grouped)s or %(decimals)s; write %(plain)s or %(decimals)s, or '
             'choose the language the sheet was written in', value=text, grouped=format_decimal(grouped, locale=locale),
             decimals=format_decimal(decimals, locale=locale, format="0.0##"), plain=f"{grouped:.0f}")


def range_problem(value: object, low: float, high: float) -> str:
    return _('must be a whole number from %(low)s to %(high)s (got "%(value)s")', low=low, high=high,
             value=shown_back(value))


def too_large(value: object, maximum: float) -> str:
    return _('must be at most %(n)s (got "%(value)s")', n=f"{maximum:,.0f}", value=shown_back(value))


def code_problem(value: object, codes: Iterable[str]) -> str:
    """A value that is not one of `codes`; the codes are listed so that the reader can pick one."""
    return _('must be one of %(values)s (got "%(value)s")', values=", ".join(codes), value=shown_back(value))


def shown_back(value: object) -> str:
    """A typed value as a message quotes it back: trimmed, and at most 30 characters (a paste can be any length)."""
    return (value if isinstance(value, str) else "" if value is None else str(value)).strip()[:30]
