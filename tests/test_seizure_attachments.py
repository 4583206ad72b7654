"""Photos and documents on a seizure record: typed by their bytes, limited in size, kept once, shown only to the
record's readers with safe headers, removed after confirmation with an audit trail, and a photo approved by its
country illustrating the public release without any metadata. Hostile files get a clear 400 naming them."""

from __future__ import annotations

import base64
import io
import re
import struct
import zipfile
import zlib
from urllib.parse import unquote

import pytest
from PIL import ExifTags, Image
from pypdf import PdfReader
from sqlalchemy import func, select

from opsplatform.models.audit import AuditEvent
from opsplatform.models.notifications import Notification
from opsplatform.models.operations import FocalPoint, Operation
from opsplatform.models.releases import Release
from opsplatform.models.seizures import SeizureAttachment
from opsplatform.seizures import attachments, services
from opsplatform.settings import replace
from tests.conftest import csrf_of, form_post, login
from tests.results_support import IVORY, active_operation, bearer, member
from tests.test_safe_files import disposition

OPERATION = "/operations/THUNDER-2026"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NOMINAL_IN_PHOTO = b"Officer Jane Doe"


def photo(color: tuple[int, int, int] = (180, 40, 40), size: tuple[int, int] = (640, 480), *,
          orientation: int | None = None) -> bytes:
    """A JPEG as a phone writes it: EXIF with the photographer, GPS position and orientation, and a comment."""
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = NOMINAL_IN_PHOTO.decode()
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLatitude] = "S", (1.0, 19.0, 12.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"Suspect Tran Van A")
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims `width` × `height` pixels: a decompression bomb."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
            + chunk(b"IEND", b""))


def zip_bomb() -> bytes:
    """Kilobytes that unpack to 50 MB of zeros, named like a Word document."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as packed:
        packed.writestr("[Content_Types].xml", "<Types/>")
        packed.writestr("word/document.xml", b"\x00" * 50_000_000)
    return out.getvalue()


@pytest.fixture
async def record(db, settings, cast):
    """Kenya's record in Thunder (Kenya named in the release, Tanzania counted only, Uganda not at all); returns
    the record's page address and the record."""
    thunder = await active_operation(db)
    db.add(FocalPoint(operation_id=thunder.id, country_code="KEN", user_id=cast.kenya.id))
    kenya = await member(db, cast.kenya, thunder)
    seizure = await services.create_seizure(db, settings, kenya, {**IVORY, "suspects": []})
    await db.commit()
    return f"{OPERATION}/seizures/{seizure.id}", seizure


async def send(client, page: str, *files: tuple[str, bytes, str]):  # type: ignore[no-untyped-def]
    """Post files to a record as its page's form does: multipart, with the CSRF token."""
    return await client.post(f"{page}/attachments", data={"_csrf_token": await csrf_of(client)},
                             files=[("files", file) for file in files])


async def stored(db) -> list[SeizureAttachment]:
    await db.commit()  # end the test's read transaction: see what the app committed
    return list((await db.scalars(select(SeizureAttachment).order_by(SeizureAttachment.id)
                                  .execution_options(populate_existing=True))).all())


async def test_the_country_attaches_a_photo_from_its_phone_and_readers_see_it(client, db, cast, record):
    page, _seizure = record
    await login(client, cast.kenya)
    original = photo(orientation=6)  # taken holding the phone upright
    sent = await send(client, page, ("IMG_0042.jpg", original, "image/jpeg"), ("statement.pdf", PDF, "application/pdf"))
    assert sent.status_code in (302, 303) and sent.headers["location"].endswith("#attachments")
    shown = (await client.get(page)).text
    assert "2 files attached." in shown and "IMG_0042.jpg" in shown and "statement.pdf" in shown
    assert 'capture="environment"' in shown and 'enctype="multipart/form-data"' in shown
    kept = await stored(db)
    assert [(a.filename, a.content_type, a.size) for a in kept] == [
        ("IMG_0042.jpg", "image/jpeg", len(original)), ("statement.pdf", "application/pdf", len(PDF))]
    photo_url, pdf_url = (f"{page}/attachments/{a.id}" for a in kept)
    assert f'src="{photo_url}/thumbnail"' in shown
    # The original as sent (evidence), shown in the browser; the PDF saved, never shown inline.
    served = await client.get(photo_url)
    assert served.status_code == 200 and served.content == original
    assert served.headers["content-type"] == "image/jpeg" and served.headers["x-content-type-options"] == "nosniff"
    assert disposition(served.headers["content-disposition"])[0] == "inline"
    assert "no-store" in served.headers["cache-control"]
    document = await client.get(pdf_url)
    assert document.content == PDF and disposition(document.headers["content-disposition"])[0] == "attachment"
    # The thumbnail is upright, small, and carries nothing but pixels.
    thumbnail = await client.get(f"{photo_url}/thumbnail")
    small = Image.open(io.BytesIO(thumbnail.content))
    assert thumbnail.headers["content-type"] == "image/jpeg" and small.size == (240, 320)
    assert not small.getexif() and NOMINAL_IN_PHOTO not in thumbnail.content and b"Tran Van A" not in thumbnail.content
    assert (await client.get(f"{pdf_url}/thumbnail")).status_code == 404
    # Written to the audit log, the bytes withheld.
    events = (await db.scalars(select(AuditEvent).where(AuditEvent.entity == "seizure_attachments"))).all()
    assert [e.action for e in events] == ["create", "create"]
    assert events[0].after["content"] == "[redacted]" and events[0].after["filename"] == "IMG_0042.jpg"


def encoded(kind: str, mode: str) -> bytes:
    out = io.BytesIO()
    Image.new(mode, (900, 300), (20, 90, 160, 128)[:len(mode)]).save(out, kind)
    return out.getvalue()


@pytest.mark.parametrize(("name", "content", "kind", "thumbnail_kind"), [
    ("scales.webp", encoded("WEBP", "RGB"), "image/webp", "image/jpeg"),
    ("map.png", encoded("PNG", "RGBA"), "image/png", "image/png"),  # transparency kept
    ("container.png", encoded("PNG", "RGB"), "image/png", "image/jpeg"),
])
async def test_webp_and_png_photos_are_taken_with_their_thumbnails(client, db, cast, record, name, content, kind,
                                                                    thumbnail_kind):
    page, _seizure = record
    await login(client, cast.kenya)
    assert (await send(client, page, (name, content, "application/octet-stream"))).status_code in (302, 303)
    kept = (await stored(db))[0]
    assert (kept.filename, kept.content_type) == (name, kind)
    thumbnail = await client.get(f"{page}/attachments/{kept.id}/thumbnail")
    assert thumbnail.headers["content-type"] == thumbnail_kind
    assert Image.open(io.BytesIO(thumbnail.content)).size == (320, 107)


async def test_only_the_records_readers_get_its_files(client, db, cast, record):
    page, _seizure = record
    await login(client, cast.kenya)
    await send(client, page, ("tusks.jpg", photo(), "image/jpeg"))
    url = f"{page}/attachments/{(await stored(db))[0].id}"
    for reader, answer in ((cast.coordinator, 200), (cast.analyst, 200), (cast.tanzania, 404), (cast.press, 404)):
        client.cookies.clear()
        await login(client, reader)
        assert (await client.get(url)).status_code == answer, reader.email
        assert (await client.get(f"{url}/thumbnail")).status_code == answer, reader.email
    # The API answers the same: another country's focal point does not learn the record has files.
    listing = f"/api/v1{page}/attachments"
    files = (await client.get(listing, headers=await bearer(db, cast.kenya))).json()
    assert [(f["filename"], f["photo"], f["publicity_approved"]) for f in files] == [("tusks.jpg", True, False)]
    assert (await client.get(files[0]["url"], headers=await bearer(db, cast.analyst))).status_code == 200
    for outsider in (cast.tanzania, cast.press):
        assert (await client.get(listing, headers=await bearer(db, outsider))).status_code == 404
        assert (await client.get(files[0]["url"], headers=await bearer(db, outsider))).status_code == 404


async def test_who_may_attach_and_remove(client, db, cast, record):
    page, _seizure = record
    for outsider, answer in ((cast.tanzania, 404), (cast.analyst, 403), (cast.press, 403)):
        client.cookies.clear()
        await login(client, outsider)
        assert (await send(client, page, ("x.jpg", photo(), "image/jpeg"))).status_code == answer, outsider.email
    assert await stored(db) == []
    client.cookies.clear()
    await login(client, cast.coordinator)  # a coordinator reaching Kenya may add to its record
    assert (await send(client, page, ("scan.pdf", PDF, "application/pdf"))).status_code in (302, 303)
    assert len(await stored(db)) == 1


@pytest.mark.parametrize(("name", "content", "sent_as", "said"), [
    ("invoice.jpg", b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>", "image/jpeg",
     "is not an allowed file type (JPEG, PNG, WebP, PDF, checked by its content)"),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "image/svg+xml",
     "is not an allowed file type"),
    ("report.docx", zip_bomb(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     "is not an allowed file type"),
    ("empty.jpg", b"", "image/jpeg", "is empty"),
    ("bomb.png", png_claiming(60_000, 60_000), "image/png", "has more than 50 megapixels"),
    ("panorama.png", png_claiming(10_000, 6_000), "image/png", "has more than 50 megapixels"),
    ("broken.jpg", b"\xff\xd8\xff\xe0" + b"not really a photo" * 50, "image/jpeg", "cannot be read as an image"),
])
async def test_a_hostile_or_broken_file_is_refused_by_name_and_nothing_is_kept(client, db, cast, record, name,
                                                                                content, sent_as, said):
    page, _seizure = record
    await login(client, cast.kenya)
    refused = await send(client, page, ("good.jpg", photo(), "image/jpeg"), (name, content, sent_as))
    assert refused.status_code == 400
    assert f"&#34;{name}&#34; {said}" in refused.text and 'id="attach-problems"' in refused.text
    assert await stored(db) == []  # all or none: the good photo sent with it is not kept either


async def test_a_name_with_a_path_and_300_characters_is_kept_as_a_plain_name(client, db, cast, record):
    page, _seizure = record
    await login(client, cast.kenya)
    long_name = "../../etc/" + "é" * 300 + ".php"
    assert (await send(client, page, (long_name, photo(), "image/jpeg"))).status_code in (302, 303)
    kept = (await stored(db))[0]
    assert kept.filename == "é" * 200 + ".jpg"  # the path dropped, cut to 200 characters, named by its type
    served = await client.get(f"{page}/attachments/{kept.id}")
    kind, parameters = disposition(served.headers["content-disposition"])
    assert kind == "inline" and unquote(parameters["filename*"].removeprefix("UTF-8''")).endswith(".jpg")
    assert "/" not in unquote(parameters["filename*"]) and len(unquote(parameters["filename*"]).encode()) < 255


async def test_the_same_bytes_are_kept_once_and_said(client, db, cast, record):
    page, _seizure = record
    await login(client, cast.kenya)
    same = photo()
    twice = await send(client, page, ("a.jpg", same, "image/jpeg"), ("b.jpg", same, "image/jpeg"))
    assert twice.status_code in (302, 303)
    shown = (await client.get(page)).text
    assert "1 file attached." in shown
    assert "&#34;b.jpg&#34; is already attached to this record as &#34;a.jpg&#34;: it is kept once" in shown
    again = await send(client, page, ("again.jpg", same, "image/jpeg"))
    assert again.status_code in (302, 303)
    shown = (await client.get(page)).text
    assert "&#34;again.jpg&#34; is already attached to this record as &#34;a.jpg&#34;: it is kept once" in shown
    assert "file attached" not in shown
    assert [a.filename for a in await stored(db)] == ["a.jpg"]


async def test_a_file_over_the_limit_is_refused_before_it_is_read(client, db, cast, record, settings):
    page, _seizure = record
    await login(client, cast.kenya)
    token = await csrf_of(client)
    # 1 GB announced: refused on its length, before a byte is read (and before the CSRF check would read it).
    announced = await client.post(f"{page}/attachments", content=b"x" * 1000, headers={
        "content-type": "multipart/form-data; boundary=x", "content-length": str(1024**3)})
    assert announced.status_code == 413
    assert "This upload is larger than 50 MB, the most this form takes: nothing was stored." in announced.text
    # More arriving than it announced is cut off as soon as it passes the limit.
    lying = await client.post(f"{page}/attachments", content=b"x" * (51 * 1024 * 1024), headers={
        "content-type": "multipart/form-data; boundary=x", "content-length": "100"})
    assert lying.status_code == 413 and "This upload is larger than 50 MB" in lying.text
    # Within what a form may send, a file over the per-file limit is named.
    big = b"\xff\xd8\xff\xe0" + b"\x00" * (settings.attachment_max_mb * 1024 * 1024)
    refused = await client.post(f"{page}/attachments", data={"_csrf_token": token},
                                files=[("files", ("huge.jpg", big, "image/jpeg"))])
    assert refused.status_code == 400 and "&#34;huge.jpg&#34; is larger than 10 MB" in refused.text
    assert await stored(db) == []


async def test_the_size_limit_is_a_setting(client, db, settings):
    assert attachments.upload_limit(replace(settings, attachment_max_mb=2)) < attachments.upload_limit(settings)
    with pytest.raises(Exception, match="OPSPLATFORM_ATTACHMENT_MAX_MB"):
        replace(settings, attachment_max_mb=500).check()


async def test_removal_is_confirmed_and_audited_and_a_coordinator_says_why(client, db, cast, record):
    page, _seizure = record
    await login(client, cast.kenya)
    await send(client, page, ("one.jpg", photo(), "image/jpeg"), ("two.pdf", PDF, "application/pdf"))
    first, second = await stored(db)
    shown = (await client.get(page)).text
    assert 'data-confirm="Remove one.jpg from this record? The audit log keeps that it was there."' in shown
    assert (await form_post(client, f"{page}/attachments/{first.id}/remove")).status_code in (302, 303)
    assert [a.filename for a in await stored(db)] == ["two.pdf"]
    assert (await client.get(f"{page}/attachments/{first.id}")).status_code == 404
    client.cookies.clear()
    await login(client, cast.coordinator)
    assert 'name="correction_reason" required' in (await client.get(page)).text
    unsaid = await form_post(client, f"{page}/attachments/{second.id}/remove")
    assert unsaid.status_code == 400 and "give the reason for changing KEN&#39;s record" in unsaid.text
    said = await form_post(client, f"{page}/attachments/{second.id}/remove", {"correction_reason": "Wrong record"})
    assert said.status_code in (302, 303) and await stored(db) == []
    removed = (await db.scalars(select(AuditEvent).where(AuditEvent.entity == "seizure_attachments",
                                                         AuditEvent.action == "delete"))).all()
    assert [(e.before["filename"], e.actor) for e in removed] == [("one.jpg", cast.kenya.email),
                                                                   ("two.pdf", cast.coordinator.email)]
    told = (await db.scalars(select(Notification).where(Notification.user_id == cast.kenya.id))).all()
    assert [n.params["reason"] for n in told if "removed an attachment" in n.text] == ["Wrong record"]


async def test_only_the_country_approves_a_photo_for_the_release(client, db, cast, record):
    page, _seizure = record
    await login(client, cast.kenya)
    await send(client, page, ("tusks.jpg", photo(), "image/jpeg"), ("scan.pdf", PDF, "application/pdf"))
    tusks, scan = await stored(db)
    assert "Approve for the public release" in (await client.get(page)).text
    assert (await form_post(client, f"{page}/attachments/{tusks.id}/publicity", {"approved": "yes"})).status_code \
        in (302, 303)
    refused = await form_post(client, f"{page}/attachments/{scan.id}/publicity", {"approved": "yes"})
    assert refused.status_code == 400 and "only a photo can illustrate the public release" in refused.text
    assert (await form_post(client, f"{page}/attachments/{tusks.id}/publicity", {"approved": "maybe"})).status_code \
        == 400
    client.cookies.clear()
    await login(client, cast.coordinator)
    page_text = (await client.get(page)).text
    assert "approved by the country" in page_text and "Approve for the public release" not in page_text
    assert (await form_post(client, f"{page}/attachments/{tusks.id}/publicity", {"approved": "no"})).status_code \
        == 403
    assert [(a.filename, a.publicity_approved) for a in await stored(db)] == [("tusks.jpg", True), ("scan.pdf", False)]
    changed = await db.scalar(select(AuditEvent).where(AuditEvent.entity == "seizure_attachments",
                                                       AuditEvent.action == "update"))
    assert (changed.before, changed.after) == ({"publicity_approved": False}, {"publicity_approved": True})


async def release_images(client, url: str) -> list[bytes]:
    """The photos a release page carries, decoded from its data: URIs."""
    text = (await client.get(url)).text
    return [base64.b64decode(found) for found in re.findall(r'src="data:image/(?:jpeg|png);base64,([^"]+)"', text)]


async def test_an_approved_photo_of_a_named_country_illustrates_the_release_without_metadata(client, db, settings,
                                                                                            cast, record):
    page, kenya_record = record
    thunder_id = kenya_record.operation_id
    tanzania_record = await services.create_seizure(db, settings, await _member_of(db, cast.tanzania, thunder_id),
                                                    {**IVORY, "seizure_ref": "TZ-9", "suspects": []})
    await db.commit()
    await login(client, cast.kenya)
    await send(client, page, ("approved.jpg", photo((10, 120, 10)), "image/jpeg"),
               ("kept-private.jpg", photo((10, 10, 120)), "image/jpeg"))
    approved, private = await stored(db)
    await form_post(client, f"{page}/attachments/{approved.id}/publicity", {"approved": "yes"})
    # Tanzania consented only to be counted: its approved photo stays out of the release.
    client.cookies.clear()
    await login(client, cast.tanzania)
    tz_page = f"{OPERATION}/seizures/{tanzania_record.id}"
    await send(client, tz_page, ("tz.jpg", photo((120, 120, 10)), "image/jpeg"))
    tz_photo = (await stored(db))[-1]
    await form_post(client, f"{tz_page}/attachments/{tz_photo.id}/publicity", {"approved": "yes"})
    # The press officer sees the one photo in the preview, never the record's files themselves.
    client.cookies.clear()
    await login(client, cast.press)
    assert (await client.get(f"{page}/attachments/{approved.id}")).status_code == 404
    shown = await release_images(client, f"{OPERATION}/release/preview")
    assert len(shown) == 1 and Image.open(io.BytesIO(shown[0])).getpixel((5, 5))[1] > 100  # the green one
    copy = Image.open(io.BytesIO(shown[0]))
    assert not copy.getexif() and NOMINAL_IN_PHOTO not in shown[0] and b"Tran Van A" not in shown[0]
    assert private.id != approved.id
    # Approved and published: on the public page for everyone, until the country withdraws its approval.
    client.cookies.clear()
    await login(client, cast.coordinator)
    for action in ("approve", "publish"):
        await db.commit()
        version = await db.scalar(select(Release.version))
        assert (await form_post(client, f"{OPERATION}/release/{action}", {"version": str(version)})).status_code \
            in (302, 303)
    client.cookies.clear()
    assert len(await release_images(client, "/releases/THUNDER-2026")) == 1
    assert "Photo: Kenya" in (await client.get("/releases/THUNDER-2026")).text
    with_photo = (await client.get("/releases/THUNDER-2026.pdf")).content
    assert NOMINAL_IN_PHOTO not in with_photo and pdf_images(with_photo) >= 1
    await login(client, cast.kenya)
    await form_post(client, f"{page}/attachments/{approved.id}/publicity", {"approved": "no"})
    client.cookies.clear()
    assert await release_images(client, "/releases/THUNDER-2026") == []
    assert pdf_images((await client.get("/releases/THUNDER-2026.pdf")).content) < pdf_images(with_photo)  # made again


def pdf_images(content: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(content)).pages)


async def _member_of(db, user, operation_id):  # type: ignore[no-untyped-def]
    return await member(db, user, await db.get(Operation, operation_id))


async def test_the_photo_count_of_a_record_is_bounded(db, settings, cast, record):
    _page, seizure = record
    kenya = await _member_of(db, cast.kenya, seizure.operation_id)
    for n in range(attachments.MAX_PER_RECORD // attachments.MAX_FILES):
        await attachments.attach(db, settings, kenya, seizure,
                                 [(f"{n}-{k}.pdf", PDF + f"{n}-{k}".encode()) for k in range(attachments.MAX_FILES)])
    await db.commit()
    with pytest.raises(Exception, match="a record holds at most 30 attachments"):
        await attachments.attach(db, settings, kenya, seizure, [("one-more.pdf", PDF + b"more")])
    await db.rollback()
    assert await db.scalar(select(func.count()).select_from(SeizureAttachment)) == attachments.MAX_PER_RECORD
