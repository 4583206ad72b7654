"""An operation from end to end, as its people click through it in a real browser.

The steps run in order and share one world: a coordinator sets up Operation Thunder and invites three focal points,
Kenya's in English, the DR Congo's in French and Peru's in Spanish (each country's language); each joins through the
e-mailed link and reports in their own language (the focal point's steps are parametrised by language); the
coordinator queries a record and reads the dashboard and map. Last, the press officer drafts the public release, the
coordinator approves it, the press officer exports it and the coordinator publishes it for everyone. A further
person's part is one more `test_…` function using `journey`.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from urllib.parse import urlparse

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import func, select, update

from opsplatform.models.auth import User
from opsplatform.models.seizures import COUNTED_STATUSES, Seizure, SeizureItem
from tests.browser.conftest import COORDINATOR, PHONE, PRESS_OFFICER, VIEWPORT, Site, log_in, picture
from tests.documents_support import pdf_text

pytestmark = pytest.mark.browser

OPERATION = "THUNDER-2026"
# The sheet's column names and codes are the same in every language (docs/reference.md); {p} is the country's prefix.
SHEET = ("seizure_ref,seizure_date,location,transport_mode,taxon,term,quantity,unit\n"
         "{p}-IMP-1,2026-10-05,{port},sea_cargo,Manis,SCA,120,kg\n"
         "{p}-IMP-2,2026-10-06,{border},road,Psittacus erithacus,LIV,-3,\n"
         "{p}-IMP-3,2026-10-07,{airport},air_cargo,Loxodonta africana,TUS,14,\n")


@dataclass(frozen=True)
class FocalPoint:
    country: str
    email: str
    name: str
    password: str
    prefix: str  # of the country's seizure references
    places: dict[str, str]  # airport (with its code and coordinates), port, border post


FOCAL_POINTS = {
    "en": FocalPoint("KEN", "wanjiru@kws.test", "Wanjiru Kamau", "my own long password", "KE",
                     {"airport": "JKIA cargo terminal", "iata": "JKIA", "lat": "-1.3192", "lon": "36.9278",
                      "port": "Mombasa port", "border": "Busia border post"}),
    "fr": FocalPoint("COD", "bienvenu@iccn.test", "Bienvenu Mukendi", "mon propre mot de passe", "CD",
                     {"airport": "Fret de l'aéroport de N'djili", "iata": "FIH", "lat": "-4.3857", "lon": "15.4446",
                      "port": "Port de Matadi", "border": "Poste frontière de Kasumbalesa"}),
    "es": FocalPoint("PER", "rosa@serfor.test", "Rosa Quispe", "mi propia contraseña larga", "PE",
                     {"airport": "Carga del aeropuerto Jorge Chávez", "iata": "LIM", "lat": "-12.0219",
                      "lon": "-77.1143", "port": "Puerto del Callao", "border": "Paso de frontera de Desaguadero"}),
}
# What each focal point reads, written here by hand: the words a French or Spanish colleague expects to see.
SEES = {
    "en": {"welcome": "Welcome", "password set": "Your password is set", "log a seizure": "Log a seizure",
           "bad quantity": 'must be a number greater than 0 (got "-120")', "saved": "Seizure {ref} saved as submitted",
           "nil button": "Record a nil return", "nil recorded": "Nothing to report on 2026-10-02: recorded.",
           "check": "Check the sheet", "bad row": 'row 3: quantity: must be a number greater than 0 (got "-3")',
           "import": "Import the 2 good rows", "imported": "Imported:", "counts": "3 rows, 2 accepted, 1 rejected",
           "invitation": "You are a focal point for"},
    "fr": {"welcome": "Bienvenue", "password set": "Votre mot de passe est défini",
           "log a seizure": "Déclarer une saisie",
           "bad quantity": "doit être un nombre supérieur à 0 (reçu « -120 »)",
           "saved": "Saisie {ref} enregistrée avec le statut « soumis »", "nil button": "Déclarer un néant",
           "nil recorded": "Néant le 2026-10-02 : enregistré.", "check": "Vérifier la feuille",
           "bad row": "ligne 3 : quantity : doit être un nombre supérieur à 0 (reçu « -3 »)",
           "import": "Importer les 2 lignes valides", "imported": "Importé :",
           "counts": "Lignes : 3 ; acceptées : 2 ; rejetées : 1", "invitation": "Vous êtes point focal pour"},
    "es": {"welcome": "Bienvenido", "password set": "Su contraseña está definida",
           "log a seizure": "Registrar un decomiso",
           "bad quantity": "debe ser un número mayor que 0 (recibido «-120»)",
           "saved": "Decomiso {ref} guardado con el estado «enviado»", "nil button": "Registrar un informe negativo",
           "nil recorded": "Informe negativo del 2026-10-02: registrado.", "check": "Verificar la hoja",
           "bad row": "fila 3: quantity: debe ser un número mayor que 0 (recibido «-3»)",
           "import": "Importar las 2 filas válidas", "imported": "Importado:",
           "counts": "Filas: 3; aceptadas: 2; rechazadas: 1", "invitation": "Usted es punto focal de"},
}
by_language = pytest.mark.parametrize("lang", list(FOCAL_POINTS))


def guide_picture(page: Page, name: str, lang: str, **options: bool) -> None:
    """The user guides show the English pages."""
    if lang == "en":
        picture(page, name, **options)


def counted_seizures(site: Site) -> int:
    """Records in the figures: submitted, validated or queried."""
    return site.run(lambda s: s.scalar(select(func.count()).select_from(Seizure)
                                       .where(Seizure.status.in_(COUNTED_STATUSES))))


@dataclass
class Journey:
    site: Site
    pages: dict[str, Page] = field(default_factory=dict)
    seizure_urls: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def journey(site: Site) -> Journey:
    return Journey(site)


def test_a_coordinator_creates_an_operation_and_invites_focal_points(journey: Journey) -> None:
    page = journey.pages["coordinator"] = journey.site.person()
    log_in(page, COORDINATOR[0], COORDINATOR[2])
    page.click("text=New operation")
    page.fill("#f-code", OPERATION)
    page.fill("#f-name", "Operation Thunder 2026")
    page.fill("#f-objectives", "Disrupt the trafficking of ivory, pangolin scales and live parrots.")
    page.check("#lead-INTERPOL")
    page.check("#lead-WCO")
    page.fill("#f-start", "2026-10-01")
    page.fill("#f-end", "2026-10-31")
    page.fill("#f-grace_days", "14")
    picture(page, "coordinator-new-operation", full_page=True)
    page.click("form[action='/operations/new'] button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Operation Thunder 2026")
    for country in ("KEN", "TZA", "UGA", "COD", "PER"):
        page.select_option("form[action$='/participants'] select[name=country]", country)
        page.click("form[action$='/participants'] button[type=submit]")
        expect(page.locator(".flash-success")).to_contain_text("1 countries added")
    for focal_point in FOCAL_POINTS.values():  # the language left to the default: the country's
        page.select_option("form[action$='/focal-points'] select[name=country]", focal_point.country)
        page.fill("form[action$='/focal-points'] input[name=email]", focal_point.email)
        page.fill("form[action$='/focal-points'] input[name=name]", focal_point.name)
        page.click("form[action$='/focal-points'] button[type=submit]")
        expect(page.locator(".flash-success")).to_contain_text(f"Invitation sent to {focal_point.email}")
    page.select_option("#f-phase", "active")
    page.click("form[action$='/phase'] button[type=submit]")
    expect(page.locator(".phase").first).to_contain_text("Active")
    picture(page, "coordinator-operation", full_page=True)
    page.click("text=Team")  # the operation is a closed group: the press office joins its team
    page.fill("form[action$='/team'] input[name=email]", PRESS_OFFICER[0])
    page.click("form[action$='/team'] button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text(f"{PRESS_OFFICER[0]} is on the team as Press officer")
    assert journey.site.deliver_mail() == len(FOCAL_POINTS)
    for lang, focal_point in FOCAL_POINTS.items():  # each invitation in the focal point's language
        [invitation] = journey.site.mailbox.to(focal_point.email)
        assert invitation["Subject"] == f"{SEES[lang]['invitation']} Operation Thunder 2026"


@by_language
def test_the_focal_point_joins_through_the_e_mailed_link(journey: Journey, lang: str) -> None:
    focal_point, sees = FOCAL_POINTS[lang], SEES[lang]
    page = journey.pages[f"focal_point-{lang}"] = journey.site.person()
    link = journey.site.link_in_mail_to(focal_point.email)
    assert urlparse(link).netloc == urlparse(journey.site.base_url).netloc
    page.goto(link)  # the browser says en-GB: the page follows the invitation's language
    expect(page.locator("h1")).to_contain_text(sees["welcome"])
    page.fill("#f-password", focal_point.password)
    page.fill("#f-password_confirm", focal_point.password)
    page.click("form button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text(sees["password set"])
    log_in(page, focal_point.email, focal_point.password)
    page.click(f"text={OPERATION}")
    expect(page.locator("h1")).to_contain_text("Operation Thunder 2026")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    guide_picture(page, "focal-point-operation", lang)


@by_language
def test_a_seizure_with_a_bad_quantity_is_refused_next_to_the_field_and_nothing_typed_is_lost(journey: Journey,
                                                                                              lang: str) -> None:
    focal_point, sees = FOCAL_POINTS[lang], SEES[lang]
    page = journey.pages[f"focal_point-{lang}"]
    page.click(f"text={sees['log a seizure']}")
    places = focal_point.places
    ref = f"{focal_point.prefix}-{places['iata']}-001"
    typed = {"#f-seizure_ref": ref, "#f-seizure_date": "2026-10-03", "#f-location": places["airport"],
             "#f-latitude": places["lat"], "#f-longitude": places["lon"], "#f-concealment": "sacks of cashew nuts",
             "#f-items-0-taxon": "Loxodonta africana", "#f-items-0-quantity": "-120",
             "#f-suspects_arrested": "2"}
    chosen = {"#f-location_type": "airport", "#f-transport_mode": "air_cargo", "#f-detection_method": "xray",
              "#f-origin_country": focal_point.country, "#f-destination_country": "VNM", "#f-items-0-term": "TUS",
              "#f-items-0-unit": "KGM"}
    for selector, value in typed.items():
        page.fill(selector, value)
    for selector, value in chosen.items():
        page.select_option(selector, value)
    page.click("button[name=action][value=submit]")
    error = page.locator("#e-items-0-quantity")
    expect(error).to_contain_text(sees["bad quantity"])
    expect(page.locator("#f-items-0-quantity")).to_have_attribute("aria-invalid", "true")
    for selector, value in typed.items():
        expect(page.locator(selector)).to_have_value(value)
    for selector, value in chosen.items():
        expect(page.locator(selector)).to_have_value(value)
    error.scroll_into_view_if_needed()
    guide_picture(page, "focal-point-seizure-error", lang)
    page.fill("#f-items-0-quantity", "120.5")
    page.click("button[name=action][value=submit]")
    expect(page.locator(".flash-success")).to_contain_text(sees["saved"].format(ref=ref))
    journey.seizure_urls[lang] = page.url
    stored = journey.site.run(lambda s: s.scalar(select(SeizureItem.quantity).join(Seizure).where(
        Seizure.seizure_ref == ref)))
    assert stored == 120.5


@by_language
def test_the_focal_point_records_a_nil_return(journey: Journey, lang: str) -> None:
    page, sees = journey.pages[f"focal_point-{lang}"], SEES[lang]
    page.goto(f"/operations/{OPERATION}/completeness")
    page.fill("#f-date", "2026-10-02")
    page.click(f"text={sees['nil button']}")
    expect(page.locator(".flash-success")).to_contain_text(sees["nil recorded"])
    expect(page.locator("td.cell-nil")).to_have_count(1)
    expect(page.locator("td.cell-seizures")).to_have_count(1)
    guide_picture(page, "focal-point-daily-returns", lang)


@by_language
def test_a_sheet_with_one_bad_row_imports_the_good_rows_and_reports_the_bad_one(journey: Journey, lang: str) -> None:
    focal_point, sees = FOCAL_POINTS[lang], SEES[lang]
    page = journey.pages[f"focal_point-{lang}"]
    page.goto(f"/operations/{OPERATION}/imports")
    sheet = SHEET.format(p=focal_point.prefix, **focal_point.places)
    page.set_input_files("#f-file", files=[{"name": f"{focal_point.country.lower()}-week-1.csv",
                                            "mimeType": "text/csv", "buffer": sheet.encode()}])
    page.click(f"text={sees['check']}")
    problems = page.locator("ul.problems li")
    # Checked by a task, the page asking every 2 s: as long as the import below may take on a busy machine.
    expect(problems).to_have_count(1, timeout=30_000)
    expect(problems).to_have_text(sees["bad row"])
    guide_picture(page, "focal-point-import-preview", lang)
    page.click(f"text={sees['import']}")
    expect(page.locator("#import-status")).to_contain_text(sees["imported"], timeout=30_000)
    expect(page.locator("#import-status")).to_contain_text(sees["counts"])
    refs = journey.site.run(lambda s: s.scalars(select(Seizure.seizure_ref).where(
        Seizure.reporting_country == focal_point.country).order_by(Seizure.seizure_ref)))
    airport = focal_point.places["iata"]
    assert list(refs) == sorted(f"{focal_point.prefix}-{suffix}" for suffix in (f"{airport}-001", "IMP-1", "IMP-3"))


def test_on_a_phone_the_seizure_form_adds_rows_in_place_keeps_a_draft_and_enter_saves(journey: Journey) -> None:
    page = journey.pages["focal_point-en"]
    page.set_viewport_size(PHONE)
    try:
        fetched: list[str] = []
        page.on("request", lambda request: fetched.append(request.url))
        page.goto(f"/operations/{OPERATION}/seizures/new")
        assert not [url for url in fetched if "leaflet" in url or "/geo/" in url]  # the map waits to be opened
        page.evaluate("window.stillThisPage = true")  # gone if the page reloads
        typed = {"#f-seizure_ref": "KE-PHONE-1", "#f-seizure_date": "2026-10-08", "#f-location": "Namanga border post",
                 "#f-items-0-taxon": "Loxodonta africana", "#f-items-0-quantity": "12"}
        for selector, value in typed.items():
            page.fill(selector, value)
        page.select_option("#f-transport_mode", "road")
        page.select_option("#f-items-0-term", "TUS")
        # Transit countries are found by typing a name (a chip each), not by scrolling a list of 249.
        page.fill("#f-transit_countries", "tanzania")
        page.press("#f-transit_countries", "Enter")
        expect(page.locator(".picker ul.chips li")).to_have_count(1)
        expect(page.locator(".picker ul.chips li")).to_contain_text("Tanzania")
        page.click("button[name=action][value=add_item]")
        expect(page.locator("[data-row=items]")).to_have_count(2)
        assert page.evaluate("window.stillThisPage") is True
        page.click("details.map-picker summary")
        page.locator("#location-picker .leaflet-container, #location-picker.leaflet-container").first.click()
        expect(page.locator("#f-latitude")).not_to_have_value("")
        page.fill("#f-items-1-taxon", "Manis")
        page.select_option("#f-items-1-term", "SCA")
        page.fill("#f-items-1-quantity", "3.5")
        page.select_option("#f-items-1-unit", "KGM")
        # What is typed survives a reload (a closed tab, a lost connection), and the page says so.
        page.reload()
        expect(page.locator(".draft-notice")).to_be_visible()
        for selector, value in {**typed, "#f-items-1-quantity": "3.5"}.items():
            expect(page.locator(selector)).to_have_value(value)
        expect(page.locator("#f-items-1-unit")).to_have_value("KGM")
        expect(page.locator(".picker ul.chips li")).to_contain_text("Tanzania")
        page.press("#f-items-1-quantity", "Enter")  # Enter saves the record: it never removes a row
        expect(page.locator(".flash-success")).to_contain_text("Seizure KE-PHONE-1 saved as submitted")
        assert not page.url.endswith("#saved")  # the draft was let go and the address tidied
        items = journey.site.run(lambda s: s.scalars(select(SeizureItem.quantity).join(Seizure).where(
            Seizure.seizure_ref == "KE-PHONE-1").order_by(SeizureItem.item_no)))
        assert list(items) == [12, 3.5]
        transit = journey.site.run(lambda s: s.scalar(select(Seizure.transit_countries).where(
            Seizure.seizure_ref == "KE-PHONE-1")))
        assert transit == ["TZA"]
        page.goto(f"/operations/{OPERATION}/seizures/new")
        expect(page.locator(".draft-notice")).to_have_count(0)
        expect(page.locator("#f-seizure_ref")).to_have_value("")
    finally:
        page.set_viewport_size(VIEWPORT)


def test_on_a_phone_the_ecomessage_case_file_waits_folded_and_names_never_stay_in_the_browser(journey: Journey) -> None:
    page, email = journey.pages["focal_point-en"], FOCAL_POINTS["en"].email

    def cleared(value: bool) -> None:
        async def clear(session):  # type: ignore[no-untyped-def]
            await session.execute(update(User).where(User.email == email).values(cleared_for_nominal=value))
            await session.commit()
        journey.site.run(clear)

    cleared(True)
    page.set_viewport_size(PHONE)
    try:
        page.goto(f"/operations/{OPERATION}/seizures/new")
        # Folded: nothing of it takes room on the phone until it is opened.
        expect(page.locator("#f-carrier")).to_be_hidden()
        page.click("details.case-file summary")
        expect(page.locator("#f-carrier")).to_be_visible()
        for selector, value in {"#f-seizure_ref": "KE-ECO-PHONE", "#f-seizure_date": "2026-10-09",
                                "#f-items-0-taxon": "Loxodonta africana", "#f-items-0-quantity": "2",
                                "#f-carrier": "Kenya Airways Cargo", "#f-agency_contact": "Inspector Otieno"}.items():
            page.fill(selector, value)
        page.select_option("#f-items-0-term", "TUS")
        page.click("button[name=action][value=add_company]")  # in place, as items are
        expect(page.locator("[data-row=companies]")).to_have_count(1)
        page.fill("#f-companies-0-name", "Mombasa Nut Exporters Ltd")
        page.fill("#f-companies-0-registration_number", "PVT-2019-0042")
        page.reload()
        page.click("details.case-file summary")
        expect(page.locator("#f-carrier")).to_have_value("Kenya Airways Cargo")
        expect(page.locator("#f-companies-0-name")).to_have_value("Mombasa Nut Exporters Ltd")
        # What identifies a person, or a company's registration, was never kept: typed again after the reload.
        expect(page.locator("#f-agency_contact")).to_have_value("")
        expect(page.locator("#f-companies-0-registration_number")).to_have_value("")
        page.fill("#f-companies-0-registration_number", "PVT-2019-0042")
        page.press("#f-carrier", "Enter")
        expect(page.locator(".flash-success")).to_contain_text("Seizure KE-ECO-PHONE saved as submitted")
        carrier = journey.site.run(lambda s: s.scalar(select(Seizure.carrier).where(
            Seizure.seizure_ref == "KE-ECO-PHONE")))
        assert carrier == "Kenya Airways Cargo"
    finally:
        page.set_viewport_size(VIEWPORT)
        cleared(False)


def test_the_coordinator_queries_a_record_and_the_focal_point_sees_the_query(journey: Journey) -> None:
    coordinator = journey.pages["coordinator"]
    coordinator.goto(journey.seizure_urls["en"])
    coordinator.fill("#m-query", "Please confirm the weight: 120.5 kg of tusks for 2 pieces?")
    coordinator.click("form.status-form:has(#m-query) button[type=submit]")
    expect(coordinator.locator(".status").first).to_have_text("queried")
    picture(coordinator, "coordinator-query")
    focal_point = journey.pages["focal_point-en"]
    focal_point.goto(f"/operations/{OPERATION}")
    expect(focal_point.locator("#queries-title")).to_contain_text("1 record has an open query")
    picture(focal_point, "focal-point-open-query")
    focal_point.set_viewport_size(PHONE)  # answered on a phone
    try:
        focal_point.reload()
        focal_point.click("article.gaps >> text=KE-JKIA-001")
        query = focal_point.locator(".open-query")  # the question first on the page, with one box to answer it
        expect(query).to_contain_text("Please confirm the weight")
        focal_point.fill("#m-answer", "Confirmed: 2 tusks, 120.5 kg in all.")
        focal_point.click(".open-query button[type=submit]")
        expect(focal_point.locator(".status").first).to_have_text("submitted")
        expect(focal_point.locator("ol.history")).to_contain_text("Confirmed: 2 tusks")
        assert focal_point.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        focal_point.set_viewport_size(VIEWPORT)


def test_on_a_phone_the_focal_point_attaches_a_photo_to_a_record(journey: Journey) -> None:
    page = journey.pages["focal_point-en"]
    page.set_viewport_size(PHONE)
    try:
        page.goto(journey.seizure_urls["en"])
        picture_bytes = io.BytesIO()
        Image.new("RGB", (800, 600), (180, 140, 90)).save(picture_bytes, "JPEG")
        page.set_input_files("#f-photo", {"name": "tusks.jpg", "mimeType": "image/jpeg",
                                          "buffer": picture_bytes.getvalue()})
        page.click("#attachments button[type=submit]:has-text('Attach')")
        expect(page.locator(".flash-success")).to_contain_text("1 file attached.")
        thumbnail = page.locator("#attachments img[alt='tusks.jpg']")
        expect(thumbnail).to_be_visible()
        assert page.evaluate("(img) => img.naturalWidth", thumbnail.element_handle()) == 320
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        page.set_viewport_size(VIEWPORT)


def test_without_a_connection_the_form_saves_to_the_outbox_and_sends_once_when_back(journey: Journey) -> None:
    page = journey.pages["focal_point-en"]
    form = f"/operations/{OPERATION}/seizures/new"
    page.set_viewport_size(PHONE)
    try:
        page.goto(form)
        page.wait_for_function("navigator.serviceWorker.controller !== null")
        page.reload()  # now through the service worker, which keeps the page for offline use
        page.context.set_offline(True)
        page.reload()  # the form opens without a connection
        # Chromium 150 forgets the emulated offline state in a page its service worker served (navigator.onLine is
        # true again, though nothing goes out): told again, as a browser without a connection would say.
        if page.evaluate("navigator.onLine"):
            page.context.set_offline(False)
            page.context.set_offline(True)
        assert not page.evaluate("navigator.onLine")
        expect(page.locator("h1")).to_contain_text("Log a seizure")
        page.fill("#f-seizure_ref", "KE-OFFLINE-1")
        page.fill("#f-seizure_date", "2026-10-09")
        page.fill("#f-items-0-taxon", "Psittacus erithacus")
        page.select_option("#f-items-0-term", "LIV")
        page.fill("#f-items-0-quantity", "14")
        page.click("button[name=action][value=add_item]")  # a second item, added in place without a connection
        page.fill("#f-items-1-taxon", "Psittacus erithacus")
        page.select_option("#f-items-1-term", "FEA")
        page.fill("#f-items-1-quantity", "30")
        page.press("#f-items-1-quantity", "Enter")  # Enter saves, to the outbox while offline
        waiting = page.locator(".outbox-notice")
        expect(waiting).to_contain_text("waiting for a connection")
        expect(waiting).to_contain_text("KE-OFFLINE-1")
        expect(page.locator("#f-seizure_ref")).to_have_value("")  # a fresh form for the next record

        def saved() -> int:
            return journey.site.run(lambda s: s.scalar(select(func.count()).select_from(Seizure).where(
                Seizure.seizure_ref == "KE-OFFLINE-1")))

        assert saved() == 0
        page.context.set_offline(False)
        expect(waiting).to_have_count(0, timeout=15_000)
        assert saved() == 1
        items = journey.site.run(lambda s: s.scalars(select(SeizureItem.term_code).join(Seizure).where(
            Seizure.seizure_ref == "KE-OFFLINE-1").order_by(SeizureItem.item_no)))
        assert list(items) == ["LIV", "FEA"]
        page.evaluate("document.dispatchEvent(new Event('DOMContentLoaded'))")  # a second attempt sends nothing
        page.reload()
        expect(page.locator(".outbox-notice")).to_have_count(0)
        assert saved() == 1
    finally:
        page.context.set_offline(False)
        page.set_viewport_size(VIEWPORT)


SLOW_LINE = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}


def test_on_a_slow_line_the_seizure_form_first_loads_light_and_quick(journey: Journey) -> None:
    """400 kbit/s and 400 ms round trips, a first visit (nothing cached): the form's page and what it loads. The service
    worker is left out: it would serve the files it kept at login, and the browser measures its answers apart."""
    page = journey.site.person(service_workers="block")
    log_in(page, FOCAL_POINTS["en"].email, FOCAL_POINTS["en"].password)
    page.set_viewport_size(PHONE)
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send("Network.setCacheDisabled", {"cacheDisabled": True})
    network.send("Network.emulateNetworkConditions", SLOW_LINE)
    for name, path in (("seizure form", "/seizures/new"), ("operation page", ""), ("daily returns", "/completeness"),
                       ("seizure list", "/seizures")):
        page.goto(f"/operations/{OPERATION}{path}", wait_until="load")
        journey.site.measured[f"{name}, first load at 400 kbit/s"] = page.evaluate("""() => {
            const [nav] = performance.getEntriesByType("navigation");
            const parts = performance.getEntriesByType("resource").filter((r) => r.initiatorType !== "fetch");
            return {ms: Math.round(nav.loadEventEnd),
                    bytes: nav.transferSize + parts.reduce((n, r) => n + r.transferSize, 0), files: parts.length + 1};
        }""")
    form = journey.site.measured["seizure form, first load at 400 kbit/s"]
    assert form["bytes"] <= 100_000 and form["ms"] <= 3_000, form


PHONE_PICTURES = {f"/operations/{OPERATION}": "phone-operation",
                  f"/operations/{OPERATION}/seizures/new": "phone-seizure-form",
                  f"/operations/{OPERATION}/completeness": "phone-daily-returns"}


def test_no_page_a_focal_point_visits_scrolls_sideways_on_a_phone(journey: Journey) -> None:
    page = journey.pages["focal_point-en"]
    record = journey.seizure_urls["en"]
    visits = ["/", f"/operations/{OPERATION}", f"/operations/{OPERATION}/seizures", record,
              f"/operations/{OPERATION}/seizures/new", f"/operations/{OPERATION}/completeness",
              f"/operations/{OPERATION}/imports", f"/operations/{OPERATION}/messages",
              f"/operations/{OPERATION}/dashboard", "/notifications", "/account", "/records?q=KE",
              f"/compare?operations={OPERATION}", "/help/focal-point"]
    page.set_viewport_size(PHONE)
    try:
        wide = {}
        for path in visits:
            page.goto(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                wide[path] = width
            if path in PHONE_PICTURES:
                picture(page, PHONE_PICTURES[path], full_page=True)
        assert wide == {}, wide
    finally:
        page.set_viewport_size(VIEWPORT)


def test_the_coordinators_documents_page_fits_a_phone(journey: Journey) -> None:
    """Its generate form's choices are long ("Restricted: with the focal-point directory"): they wrap within the
    page rather than push it sideways."""
    page = journey.pages["coordinator"]
    page.set_viewport_size(PHONE)
    try:
        page.goto(f"/operations/{OPERATION}/documents")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        page.set_viewport_size(VIEWPORT)


def test_revoking_asks_first_and_cancelling_keeps_what_was_there(journey: Journey) -> None:
    page = journey.pages["coordinator"]
    page.goto("/account")
    page.fill("form[action='/account/tokens'] input[name=name]", "Nightly export script")
    page.click("form[action='/account/tokens'] button[type=submit]")
    row = page.locator("tr", has_text="Nightly export script")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    row.locator("button", has_text="Revoke").click()
    expect(row).to_contain_text("active")
    assert asked == ["Revoke this token? Scripts using it stop working."]
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("button", has_text="Revoke").click()
    expect(page.locator(".flash-success")).to_contain_text("Token revoked.")
    expect(page.locator("tr", has_text="Nightly export script")).to_contain_text("revoked")


def test_the_coordinator_reads_the_dashboard_and_the_map_loads_nothing_from_outside(journey: Journey) -> None:
    page = journey.pages["coordinator"]
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"/operations/{OPERATION}/dashboard")
    counted = counted_seizures(journey.site)
    expect(page.locator("#figures")).to_contain_text(str(counted))
    frame_element = page.locator("iframe.map")
    frame_element.scroll_into_view_if_needed()
    frame = page.frame_locator("iframe.map")
    expect(frame.locator(".leaflet-container")).to_be_visible()
    expect(frame.locator("path.leaflet-interactive").first).to_be_attached()
    page.click("text=Seizure locations")
    expect(frame.locator(".marker-cluster, .leaflet-marker-icon").first).to_be_attached()
    picture(page, "coordinator-dashboard", full_page=True)
    # The filter takes a country by its name; the figures narrow to it and the choice shows as a chip.
    page.click("details.filters summary")
    page.fill("#f-countries", "Kenya")
    page.press("#f-countries", "Enter")
    page.click("details.filters button[type=submit]")
    expect(page).to_have_url(re.compile(r"/dashboard\?.*countries=KEN(&|$)"))
    expect(page.locator(".filters ul.chips li")).to_contain_text("Kenya")
    page.goto(f"/operations/{OPERATION}/dashboard")
    assert any("/map/countries" in url for url in requested) and any("/map/points" in url for url in requested)
    assert any("leaflet" in url for url in requested)
    outside = [url for url in requested if urlparse(url).hostname not in ("127.0.0.1", None) and
               not url.startswith("data:")]
    assert outside == [], outside


def test_the_press_officer_drafts_and_exports_the_release_that_the_coordinator_approves(journey: Journey) -> None:
    press = journey.pages["press"] = journey.site.person()
    log_in(press, PRESS_OFFICER[0], PRESS_OFFICER[2])
    press.goto(f"/operations/{OPERATION}/release")
    expect(press.locator("h1")).to_contain_text("Public results release")
    press.fill("#f-narrative_en", "Customs and wildlife officers worked together across East Africa.")
    press.click("form[action$='/release'] button[type=submit]")
    expect(press.locator(".flash-success")).to_contain_text("Release draft saved.")
    coordinator = journey.pages["coordinator"]
    coordinator.goto(f"/operations/{OPERATION}/release")
    coordinator.click("text=Approve: freeze the figures")
    expect(coordinator.locator(".flash-success")).to_contain_text("Release approved.")
    press.reload()
    picture(press, "press-officer-release", full_page=True)
    with press.expect_download() as download:
        press.click(f"a[href='/operations/{OPERATION}/release/export.pdf?lang=en']")
    text = " ".join(pdf_text(download.value.path().read_bytes()).split())
    counted = counted_seizures(journey.site)
    # The banner prints in capitals.
    assert f"Operation Thunder 2026: {counted} seizures" in text and "DRAFT: NOT FOR PUBLICATION" in text
    assert not any(fp.name in text for fp in FOCAL_POINTS.values()) and "Customs and wildlife officers" in text
    visitor = journey.site.person()
    assert visitor.goto(f"/releases/{OPERATION}").status == 404  # not public before publication
    coordinator.click("text=Publish now")
    expect(coordinator.locator(".flash-success")).to_contain_text("Release published.")
    visitor.goto(f"/releases/{OPERATION}")
    expect(visitor.locator("h1")).to_contain_text(f"Operation Thunder 2026: {counted} seizures")
    picture(visitor, "public-release", full_page=True)
