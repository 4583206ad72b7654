"""The release in words and files: the wording real releases use, in English, French or Spanish, as HTML, PDF,
JSON and CSV. Everything is drawn from the figures (frozen once approved) and the press officer's texts."""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Sequence
from typing import Any

from babel.lists import format_list
from markupsafe import Markup

from opsplatform import dates, format
from opsplatform.documents import services as documents
from opsplatform.documents.cells import exported_cell
from opsplatform.i18n import _, current_language, language, ngettext
from opsplatform.labels import country_name, region_name
from opsplatform.models.releases import Release, ReleaseCorrection, ReleaseStatus
from opsplatform.reference.lookup import collation_key
from opsplatform.releases.figures import approximate
from opsplatform.rendering.templates import render
from opsplatform.reporting import static_maps

NAMED_FILL = "#c9e2ea"  # a named country whose count is not shown (none, or under the suppression threshold)


def quantity_text(quantity: float, unit: str, counted_as: str) -> str:
    """"almost 780 kg", "516 pieces", "more than 1,200 specimens", "6.9 m³"."""
    qualifier, rounded = approximate(quantity)
    number = format.number(rounded)
    if unit == "number":
        count = int(min(rounded, format.LARGE))  # picks the plural form; an absurd stored sum picks "many"
        text = (ngettext("%(num)s specimen", "%(num)s specimens", count, num=number) if counted_as == "specimens"
                else ngettext("%(num)s piece", "%(num)s pieces", count, num=number))
    else:
        text = {"kg": f"{number} kg", "m3": f"{number} m³", "l": _("%(num)s litres", num=number)}.get(
            unit, f"{number} ({unit})")
    if qualifier == "almost":
        return _("almost %(quantity)s", quantity=text)
    if qualifier == "more than":
        return _("more than %(quantity)s", quantity=text)
    return text


def commodity_sentence(line: dict[str, Any]) -> str:
    """"almost 780 kg and 516 pieces of elephant ivory": units kept apart, joined the way the language joins."""
    lang = current_language()
    parts = [quantity_text(q["quantity"], q["unit"], line["counted_as"]) for q in line["quantities"]]
    return _("%(quantities)s %(commodity)s", quantities=format_list(parts, locale=lang),
             commodity=line["phrases"].get(lang) or line["phrases"]["en"])


def count_text(entry: dict[str, Any], key: str) -> str:
    if entry.get(key) is None and key in entry.get("withheld", ()):
        return _("withheld")
    if entry.get(key) is None and entry.get("fewer_than"):
        return _("fewer than %(n)s", n=entry["fewer_than"])
    return format.number(entry.get(key) or 0)


def texts_in(release: Release, lang: str) -> dict[str, str]:
    """The press officer's texts in `lang`, else in English, else in any language they wrote."""
    texts = release.texts or {}
    for candidate in (lang, "en", *texts):
        entry = texts.get(candidate) or {}
        if any(entry.values()):
            return entry
    return {}


def wording(figures: dict[str, Any]) -> dict[str, str]:
    """The headline and lead paragraph; "to date" and "preliminary" until the operation is closed."""
    op = figures["operation"]
    values = {"name": op["name"], "seizures": format.number(figures["seizures"]),
              "arrests": format.number(figures["suspects_arrested"]),
              "countries": format.number(figures["countries"]["participating"]),
              "organisations": format_list(op["lead_organisations"] or ["opsplatform"], locale=current_language()),
              "start": format.date(op["start"], "long"), "end": format.date(op["end"], "long")}
    if figures["final"]:
        return {"headline": _("%(name)s: %(seizures)s seizures and %(arrests)s arrests across %(countries)s countries",
                              **values),
                "lead": _("From %(start)s to %(end)s, %(organisations)s coordinated %(name)s with %(countries)s "
                          "participating countries. Enforcement agencies made %(seizures)s seizures and arrested "
                          "%(arrests)s suspects.", **values),
                "commodities": _("Seizures included:")}
    return {"headline": _("%(name)s: %(seizures)s seizures and %(arrests)s arrests to date (preliminary results)",
                          **values),
            "lead": _("%(organisations)s are coordinating %(name)s, which runs from %(start)s to %(end)s with "
                      "%(countries)s participating countries. Preliminary results to date: %(seizures)s seizures and "
                      "%(arrests)s suspects arrested.", **values),
            "commodities": _("Seizures to date include:")}


def release_map(figures: dict[str, Any]) -> Markup:
    """Named countries by seizures; a named country whose count is withheld is shown without one."""
    counts = {e["country"]: e["seizures"] for e in figures["by_country"] if e["seizures"]}
    return static_maps.choropleth(counts, title=_("Seizures by country"), legend_title=_("Seizures"),
                                  others=dict.fromkeys(figures["countries"]["named"], NAMED_FILL))


def shown_photos(photos: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The release's photos as the page, the PDF and the kept files carry them: inside the document (a `data:` URI),
    so that no file of the release reaches back into the app."""
    return [{"country": photo["country"],
             "src": f"data:{photo['content_type']};base64,{base64.b64encode(photo['content']).decode()}"}
            for photo in photos]


def highlights_in(figures: dict[str, Any], release: Release, lang: str) -> list[dict[str, Any]]:
    """The highlights in `lang` as the press officer wrote them; one not written in it keeps the country's own words,
    with `original` set so the page says so."""
    written = (release.highlight_texts or {}).get(lang) or {}
    return [{**item, "text": written.get(item.get("key", "")) or item["description"],
             "original": not written.get(item.get("key", ""))} for item in figures["highlights"]]


def context(figures: dict[str, Any], release: Release, corrections: list[ReleaseCorrection], lang: str,
            *, public: bool, photos: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """What the release template needs, in the current language."""
    return {"figures": figures, "release": release, "corrections": corrections, "public": public,
            "wording": wording(figures), "texts": texts_in(release, lang), "map": release_map(figures),
            "highlights": highlights_in(figures, release, lang),
            "commodity_sentence": commodity_sentence, "count_text": count_text, "region_name": region_name,
            "published": release.status == ReleaseStatus.published, "lang": lang,
            # Named countries in the reader's alphabet ("Égypte" among the E's), not in code order.
            "named": sorted((country_name(code) for code in figures["countries"]["named"]), key=collation_key),
            "photos": shown_photos(photos)}


def provenance(figures: dict[str, Any], release: Release, corrections: list[ReleaseCorrection],
               by: Any, photos: Sequence[dict[str, Any]] = ()) -> documents.Provenance:
    as_of = dates.moment(figures["compiled_at"])
    data = {"figures": figures, "texts": release.texts, "highlight_texts": release.highlight_texts,
            "corrections": [(c.created_at, c.note) for c in corrections]}
    if photos:  # a photo whose approval is withdrawn leaves the release: its files are made again
        data["photos"] = [photo["sha256"] for photo in photos]
    return documents.provenance(data, as_of=as_of, user=by,
                                counts={"seizures": figures["seizures"],
                                        "countries": figures["countries"]["participating"]})


def as_html(figures: dict[str, Any], release: Release, corrections: list[ReleaseCorrection], lang: str, by: Any,
            *, public: bool = False, photos: Sequence[dict[str, Any]] = ()) -> str:
    with language(lang):
        return render("releases/release.html", title=wording(figures)["headline"],
                      provenance=provenance(figures, release, corrections, by, photos),
                      **context(figures, release, corrections, lang, public=public, photos=photos))


def as_json(figures: dict[str, Any], release: Release, corrections: list[ReleaseCorrection],
            lang: str) -> dict[str, Any]:
    """The release as data: its figures with labels in `lang`, the texts, the corrections; never nominal data."""
    with language(lang):
        said = wording(figures)
        return {
            "operation": figures["operation"]["code"], "name": figures["operation"]["name"],
            "status": release.status, "final": figures["final"], "language": lang,
            "published_at": release.published_at.isoformat() if release.published_at else None,
            "figures_as_of": figures["compiled_at"],
            "window": {"start": figures["operation"]["start"], "end": figures["operation"]["end"]},
            "lead_organisations": figures["operation"]["lead_organisations"],
            "headline": said["headline"], "lead": said["lead"], **texts_in(release, lang),
            "countries": figures["countries"], "seizures": figures["seizures"],
            "suspects_arrested": figures["suspects_arrested"],
            "commodities": [{"category": line["category"], "label": line["labels"].get(lang, line["labels"]["en"]),
                             "text": commodity_sentence(line), "quantities": line["quantities"],
                             "seizures": line["seizures"]} for line in figures["commodities"]],
            "by_region": [{**e, "name": region_name(e["region"])} for e in figures["by_region"]],
            "by_country": [{**e, "name": country_name(e["country"]) if e["country"] != "other"
                                 else _("Other countries")} for e in figures["by_country"]],
            "highlights": [{"country": item["country"], "date": item["date"], "description": item["text"],
                            "as_written_by_the_country": item["original"]}
                           for item in highlights_in(figures, release, lang)],
            "suppress_below": figures["suppress_below"],
            "corrections": [{"date": c.created_at.isoformat(), "note": c.note} for c in corrections],
        }


def as_csv(figures: dict[str, Any], release: Release, corrections: list[ReleaseCorrection], lang: str) -> bytes:
    """One row per figure: section, code, name, unit, value, note (e.g. "fewer than 5")."""
    data = as_json(figures, release, corrections, lang)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    rows: list[list[Any]] = [["section", "code", "name", "unit", "value", "note"]]
    for key in ("seizures", "suspects_arrested"):
        rows.append(["total", key, "", "", data[key], ""])
    for key in ("participating", "reporting"):
        rows.append(["countries", key, "", "", data["countries"][key], ""])
    for line in data["commodities"]:
        for q in line["quantities"]:
            rows.append(["commodity", line["category"], line["label"], q["unit"], q["quantity"], ""])
        rows.append(["commodity", line["category"], line["label"], "seizures", line["seizures"], ""])
    for section, key in (("region", "region"), ("country", "country")):
        for entry in data[f"by_{section}"]:
            note = "" if entry["seizures"] is not None else "withheld" if "seizures" in entry.get("withheld", ()) \
                else f"fewer than {entry['fewer_than']}"
            rows.append([section, entry[key], entry["name"], "seizures", entry["seizures"] if not note else "", note])
    for item in data["highlights"]:
        rows.append(["highlight", item["country"], country_name(item["country"]), item["date"], "",
                     item["description"]])
    for item in data["corrections"]:
        rows.append(["correction", "", "", item["date"], "", item["note"]])
    # Highlights and correction notes are typed by people: never a formula in a spreadsheet program.
    writer.writerows([exported_cell(value) for value in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode()
