"""An operation from end to end, as its people click through it in a real browser.

The steps run in order and share one world: a coordinator sets up Operation Thunder and invites Kenya's focal point,
who joins through the e-mailed link and reports; the coordinator queries a record and reads the dashboard and map.
Last, the press officer drafts the public release, the coordinator approves it, the press officer exports it and
the coordinator publishes it for everyone. A further person's part is one more `test_…` function using `journey`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from opsplatform.seizures.models import Seizure, SeizureItem
from tests.browser.conftest import COORDINATOR, PRESS_OFFICER, Site, log_in, picture
from tests.documents_support import pdf_text

pytestmark = pytest.mark.browser

OPERATION = "THUNDER-2026"
FOCAL_POINT = ("wanjiru@kws.test", "Wanjiru Kamau", "my own long password")
SHEET = ("seizure_ref,seizure_date,location,transport_mode,taxon,term,quantity,unit\n"
         "KE-IMP-1,2026-10-05,Mombasa port,sea_cargo,Manis,SCA,120,kg\n"
         "KE-IMP-2,2026-10-06,Busia border post,road,Psittacus erithacus,LIV,-3,\n"
         "KE-IMP-3,2026-10-07,JKIA,air_cargo,Loxodonta africana,TUS,14,\n")


@dataclass
class Journey:
    site: Site
    pages: dict[str, Page] = field(default_factory=dict)
    seizure_url: str = ""


@pytest.fixture(scope="module")
def journey(site: Site) -> Journey:
    return Journey(site)


def test_a_coordinator_creates_an_operation_and_invites_a_focal_point(journey: Journey) -> None:
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
    for country in ("KEN", "TZA", "UGA"):
        page.select_option("form[action$='/participants'] select[name=country]", country)
        page.click("form[action$='/participants'] button[type=submit]")
        expect(page.locator(".flash-success")).to_contain_text("1 countries added")
    page.select_option("form[action$='/focal-points'] select[name=country]", "KEN")
    page.fill("form[action$='/focal-points'] input[name=email]", FOCAL_POINT[0])
    page.fill("form[action$='/focal-points'] input[name=name]", FOCAL_POINT[1])
    page.click("form[action$='/focal-points'] button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text(f"Invitation sent to {FOCAL_POINT[0]}")
    page.select_option("#f-phase", "active")
    page.click("form[action$='/phase'] button[type=submit]")
    expect(page.locator(".phase").first).to_contain_text("Active")
    picture(page, "coordinator-operation", full_page=True)
    assert journey.site.deliver_mail() == 1
    [invitation] = journey.site.mailbox.to(FOCAL_POINT[0])
    assert "Operation Thunder 2026" in invitation["Subject"]


def test_the_focal_point_joins_through_the_e_mailed_link(journey: Journey) -> None:
    page = journey.pages["focal_point"] = journey.site.person()
    link = journey.site.link_in_mail_to(FOCAL_POINT[0])
    assert urlparse(link).netloc == urlparse(journey.site.base_url).netloc
    page.goto(link)
    expect(page.locator("h1")).to_contain_text("Welcome")
    page.fill("#f-password", FOCAL_POINT[2])
    page.fill("#f-password_confirm", FOCAL_POINT[2])
    page.click("form button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("Your password is set")
    log_in(page, FOCAL_POINT[0], FOCAL_POINT[2])
    page.click(f"text={OPERATION}")
    expect(page.locator("h1")).to_contain_text("Operation Thunder 2026")
    picture(page, "focal-point-operation")


def test_a_seizure_with_a_bad_quantity_is_refused_next_to_the_field_and_nothing_typed_is_lost(journey: Journey) -> None:
    page = journey.pages["focal_point"]
    page.click("text=Log a seizure")
    typed = {"#f-seizure_ref": "KE-JKIA-001", "#f-seizure_date": "2026-10-03", "#f-location": "JKIA cargo terminal",
             "#f-latitude": "-1.3192", "#f-longitude": "36.9278", "#f-concealment": "sacks of cashew nuts",
             "#f-items-0-taxon": "Loxodonta africana", "#f-items-0-quantity": "-120",
             "#f-suspects_arrested": "2"}
    chosen = {"#f-location_type": "airport", "#f-transport_mode": "air_cargo", "#f-detection_method": "xray",
              "#f-origin_country": "KEN", "#f-destination_country": "VNM", "#f-items-0-term": "TUS",
              "#f-items-0-unit": "KIL"}
    for selector, value in typed.items():
        page.fill(selector, value)
    for selector, value in chosen.items():
        page.select_option(selector, value)
    page.click("button[name=action][value=submit]")
    error = page.locator("#e-items-0-quantity")
    expect(error).to_contain_text('must be a number greater than 0 (got "-120")')
    expect(page.locator("#f-items-0-quantity")).to_have_attribute("aria-invalid", "true")
    for selector, value in typed.items():
        expect(page.locator(selector)).to_have_value(value)
    for selector, value in chosen.items():
        expect(page.locator(selector)).to_have_value(value)
    error.scroll_into_view_if_needed()
    picture(page, "focal-point-seizure-error")
    page.fill("#f-items-0-quantity", "120.5")
    page.click("button[name=action][value=submit]")
    expect(page.locator(".flash-success")).to_contain_text("Seizure KE-JKIA-001 saved as submitted")
    journey.seizure_url = page.url
    stored = journey.site.run(lambda s: s.scalar(select(SeizureItem.quantity).join(Seizure).where(
        Seizure.seizure_ref == "KE-JKIA-001")))
    assert stored == 120.5


def test_the_focal_point_records_a_nil_return(journey: Journey) -> None:
    page = journey.pages["focal_point"]
    page.goto(f"/operations/{OPERATION}/completeness")
    page.fill("#f-date", "2026-10-02")
    page.click("text=Record a nil return")
    expect(page.locator(".flash-success")).to_contain_text("Nothing to report on 2026-10-02: recorded.")
    expect(page.locator("td.cell-nil")).to_have_count(1)
    expect(page.locator("td.cell-seizures")).to_have_count(1)
    picture(page, "focal-point-daily-returns")


def test_a_sheet_with_one_bad_row_imports_the_good_rows_and_reports_the_bad_one(journey: Journey) -> None:
    page = journey.pages["focal_point"]
    page.goto(f"/operations/{OPERATION}/imports")
    page.set_input_files("#f-file", files=[{"name": "kenya-week-1.csv", "mimeType": "text/csv",
                                            "buffer": SHEET.encode()}])
    page.click("text=Check the sheet")
    problems = page.locator("ul.problems li")
    expect(problems).to_have_count(1)
    expect(problems).to_have_text('row 3: quantity: must be a number greater than 0 (got "-3")')
    picture(page, "focal-point-import-preview")
    page.click("text=Import the 2 good rows")
    expect(page.locator("#import-status")).to_contain_text("Imported:", timeout=30_000)
    expect(page.locator("#import-status")).to_contain_text("3 rows, 2 accepted, 1 rejected")
    refs = journey.site.run(lambda s: s.scalars(select(Seizure.seizure_ref).order_by(Seizure.seizure_ref)))
    assert list(refs) == ["KE-IMP-1", "KE-IMP-3", "KE-JKIA-001"]


def test_the_coordinator_queries_a_record_and_the_focal_point_sees_the_query(journey: Journey) -> None:
    coordinator = journey.pages["coordinator"]
    coordinator.goto(journey.seizure_url)
    coordinator.fill("#m-query", "Please confirm the weight: 120.5 kg of tusks for 2 pieces?")
    coordinator.click("form.status-form:has(#m-query) button[type=submit]")
    expect(coordinator.locator(".status").first).to_have_text("queried")
    picture(coordinator, "coordinator-query")
    focal_point = journey.pages["focal_point"]
    focal_point.goto(f"/operations/{OPERATION}")
    queries = focal_point.locator("#queries-title")
    expect(queries).to_contain_text("1 record has an open query")
    picture(focal_point, "focal-point-open-query")
    focal_point.click("article.gaps >> text=KE-JKIA-001")
    expect(focal_point.locator("ol.history")).to_contain_text("Please confirm the weight")


def test_the_coordinator_reads_the_dashboard_and_the_map_loads_nothing_from_outside(journey: Journey) -> None:
    page = journey.pages["coordinator"]
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"/operations/{OPERATION}/dashboard")
    counted = journey.site.run(lambda s: s.scalar(select(func.count()).select_from(Seizure).where(
        Seizure.status.in_(("submitted", "validated", "queried")))))
    expect(page.locator("#figures")).to_contain_text(str(counted))
    frame_element = page.locator("iframe.map")
    frame_element.scroll_into_view_if_needed()
    frame = page.frame_locator("iframe.map")
    expect(frame.locator(".leaflet-container")).to_be_visible()
    expect(frame.locator("path.leaflet-interactive").first).to_be_attached()
    page.click("text=Seizure locations")
    expect(frame.locator(".marker-cluster, .leaflet-marker-icon").first).to_be_attached()
    picture(page, "coordinator-dashboard", full_page=True)
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
    counted = journey.site.run(lambda s: s.scalar(select(func.count()).select_from(Seizure).where(
        Seizure.status.in_(("submitted", "validated", "queried")))))
    assert f"Operation Thunder 2026: {counted} seizures" in text and "DRAFT: NOT FOR PUBLICATION" in text  # the banner prints in capitals
    assert FOCAL_POINT[1] not in text and "Customs and wildlife officers" in text
    visitor = journey.site.person()
    assert visitor.goto(f"/releases/{OPERATION}").status == 404  # not public before publication
    coordinator.click("text=Publish now")
    expect(coordinator.locator(".flash-success")).to_contain_text("Release published.")
    visitor.goto(f"/releases/{OPERATION}")
    expect(visitor.locator("h1")).to_contain_text(f"Operation Thunder 2026: {counted} seizures")
    picture(visitor, "public-release", full_page=True)
