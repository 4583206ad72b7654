"""Translations: the current request's language lives in a context variable; `_()` and templates use it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from io import BytesIO

import pycountry
from babel.languages import get_official_languages
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from opsplatform import paths
from opsplatform.settings import LANGUAGES

LOCALE_DIR = paths.LOCALE
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español"}
_language: ContextVar[str] = ContextVar("language", default="en")


@cache
def translations(language: str) -> NullTranslations:
    """The language's catalogue, compiled in memory from its .po file (so no build step and never a stale .mo)."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled, domain="messages")


def current_language() -> str:
    return _language.get()


def set_language(language: str) -> None:
    _language.set(language if language in LANGUAGES else "en")


@contextmanager
def language(code: str) -> Iterator[None]:
    """Render something (an e-mail, a document) in a given language, then restore the previous one."""
    token = _language.set(code if code in LANGUAGES else "en")
    try:
        yield
    finally:
        _language.reset(token)


def gettext(message: str, **variables: object) -> str:
    text = translations(current_language()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    """Templates format the result themselves (Jinja's newstyle gettext); Python callers pass num= and the rest."""
    text = translations(current_language()).ngettext(singular, plural, n)
    return text % variables if variables else text


_ = gettext


def N_(message: str) -> str:  # noqa: N802  (the conventional name, which extraction looks for)
    """Mark a message for translation where it is stored and translated later, when shown."""
    return message


def country_language(alpha3: str, fallback: str) -> str:
    """The first of a country's official languages that the app speaks (CLDR), else the fallback."""
    country = pycountry.countries.get(alpha_3=alpha3) if alpha3 else None
    spoken = get_official_languages(country.alpha_2, de_facto=True) if country else ()
    return next((code for code in spoken if code in LANGUAGES), fallback)


def negotiate(accept_language: str | None) -> str | None:
    """The first supported language in an Accept-Language header."""
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return None
