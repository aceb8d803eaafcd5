"""The resident's pages: the appeal form (success, idempotency, every bad input of the issue,
each leaving nothing behind), the confirmation, finding an appeal by its code, and the
tracking page with its reply, reopening and rating, which never shows who wrote the appeal
or who handled it."""

import io
import re
from datetime import date, datetime, time, timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from ishenim.appeals import config
from ishenim.appeals.enums import AppealKind, AppealStatus, Channel, PlaceKind, RejectionGround
from ishenim.appeals.models import Appeal, AppealAttachment, AppealReporter
from ishenim.appeals.services import handling
from ishenim.appeals.tests.factories import BALYKCHY_POINT, appeal_make, category
from ishenim.core.clock import clock_at
from ishenim.geo.services import settlement_create
from ishenim.orgs.testing import BALYKCHY

pytestmark = pytest.mark.django_db

LANGUAGES = ("ky", "ru", "en")
REPORTER_NAME = "Gulnara Abdyldaeva"
REPORTER_PHONE = "+996555200300"
# Almaty, across the border in Kazakhstan.
ALMATY = ("43.2389", "76.8897")
MB = 1024 * 1024


def _url(name: str, language: str = "en", **kwargs) -> str:
    with translation.override(language):
        return reverse(f"appeals:{name}", kwargs=kwargs or None)


def _in(language: str, message: str) -> str:
    """A message as the page in `language` says it, HTML-escaped as the page prints it."""
    from django.utils.html import escape
    from django.utils.translation import gettext

    with translation.override(language):
        return escape(gettext(message))


def _form(**overrides) -> dict:
    data = {
        "kind": AppealKind.COMPLAINT,
        "category": str(category("public-order").pk),
        "text": "Young men drink and fight by the bus station every evening.",
        "unit": BALYKCHY,
        "village": "",
        "address": "The bus station",
        "full_name": REPORTER_NAME,
        "phone": "0555 200 300",
        "email": "",
        "consent_to_contact": "on",
        "client_key": f"test-{overrides.pop('key', 'one')}",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def _counts() -> tuple[int, int, int]:
    return Appeal.objects.count(), AppealAttachment.objects.count(), AppealReporter.objects.count()


def _jpeg(size=(64, 48), *, exif: Image.Exif | None = None, pad_to: int = 0) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "orange").save(out, format="JPEG", **({"exif": exif} if exif else {}))
    content = out.getvalue()
    # Bytes after the end-of-image marker are ignored by every reader: a photo of any size
    # without encoding megapixels in a test.
    return content + b"\0" * max(0, pad_to - len(content))


def _file(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def _submitted(client: Client, language: str = "en", **overrides) -> Appeal:
    response = client.post(_url("submit", language), _form(**overrides))
    assert response.status_code == 302, _errors(response)
    code = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    return Appeal.objects.get(code=code.replace("-", ""))


def _errors(response) -> str:
    text = response.content.decode()
    return " | ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', text, re.S))


# --- pages in every language --------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_of_the_residents_side_renders_in_each_language(cast, client, language):
    for name in ("submit", "track_find"):
        response = client.get(_url(name, language))
        assert response.status_code == 200
        assert f'<html lang="{language}">' in response.content.decode()
    appeal = _submitted(client, language, key=language)
    for name in ("submitted", "track"):
        response = client.get(_url(name, language, code=appeal.code_display))
        assert response.status_code == 200
        page = response.content.decode()
        assert f'<html lang="{language}">' in page
        assert appeal.code_display in page


def test_the_form_offers_the_categories_districts_and_a_fresh_submission_key(cast, client):
    first = client.get(_url("submit")).content.decode()
    second = client.get(_url("submit")).content.decode()

    keys = [
        re.search(r'name="client_key" value="([^"]+)"', page).group(1) for page in (first, second)
    ]
    assert keys[0] != keys[1] and len(keys[0]) >= 20
    assert category("stray-animals").name_en in first
    assert '<optgroup label="Ysyk-Kul oblast">' in first
    assert f'<option value="{BALYKCHY}">Balykchy</option>' in first
    assert re.search(r'<input[^>]*value="request"[^>]*checked', first)
    assert 'accept="image/jpeg,image/png,image/webp,application/pdf"' in first
    assert "multiple" in re.search(r'<input type="file"[^>]*>', first).group(0)
    # The map is an extra for browsers with script; without it the box stays hidden.
    assert re.search(r'<div class="pin" data-pin-map hidden', first)
    assert "<script>" not in first and "style=" not in first


# --- submitting ---------------------------------------------------------------------------


def test_a_named_appeal_is_taken_in_in_the_pages_language_and_confirmed(cast, client):
    response = client.post(_url("submit", "ru"), _form())

    appeal = Appeal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("submitted", "ru", code=appeal.code_display)
    assert appeal.channel == Channel.WEB
    assert appeal.kind == AppealKind.COMPLAINT
    assert appeal.language == "ru"
    assert appeal.place_kind == PlaceKind.UNIT
    assert appeal.unit.code == BALYKCHY
    assert appeal.address == "The bus station"
    assert appeal.organisation == cast.balykchy_police
    assert appeal.client_key == "test-one"
    assert appeal.submitted_by is None
    assert not appeal.anonymous
    reporter = appeal.reporter
    assert (reporter.full_name, reporter.phone) == (REPORTER_NAME, REPORTER_PHONE)
    assert reporter.consent_to_contact and reporter.language == "ru"

    page = client.get(response["Location"]).content.decode()
    assert f"data-tracking-code>{appeal.code_display}<" in page
    assert _url("track", "ru", code=appeal.code_display) in page
    with translation.override("ru"):
        from django.utils.formats import date_format

        assert date_format(appeal.answer_due, "DATE_FORMAT") in page
        assert date_format(appeal.register_due, "DATE_FORMAT") in page
    assert cast.balykchy_police.name_ru in page


def test_an_anonymous_appeal_needs_no_name_and_says_the_code_is_the_only_key(cast, client):
    appeal = _submitted(client, anonymous="on", full_name="", phone="", consent_to_contact=None)

    assert appeal.anonymous
    assert not AppealReporter.objects.filter(appeal=appeal).exists()
    page = client.get(_url("submitted", code=appeal.code_display)).content.decode()
    assert "it is the only way to follow your anonymous appeal" in page


def test_an_anonymous_reporters_contacts_are_kept_for_the_handling_organisation_only(cast, client):
    appeal = _submitted(client, anonymous="on")

    assert appeal.anonymous
    assert appeal.reporter.phone == REPORTER_PHONE
    assert appeal.reporter.sensitivity == "confidential"


def test_a_signed_in_resident_is_recorded_as_the_one_who_sent_it(cast, client_for):
    appeal = _submitted(client_for(cast.aida))

    assert appeal.submitted_by == cast.aida
    assert appeal.entered_by is None


def test_a_pin_on_the_map_gives_the_point_and_its_unit(cast, client):
    appeal = _submitted(
        client, latitude=str(BALYKCHY_POINT[0]), longitude=str(BALYKCHY_POINT[1]), unit=""
    )

    assert appeal.place_kind == PlaceKind.POINT
    assert (appeal.latitude, appeal.longitude) == BALYKCHY_POINT
    assert appeal.unit.path.startswith(cast.balykchy.path)
    assert appeal.h3_r9


@pytest.fixture
def villages(db):
    """Two villages sharing a name in the Issyk-Kul oblast, and one alone."""

    def village(name_en: str, name_ru: str, point: tuple[float, float]):
        return settlement_create(
            name_ky=name_ru,
            name_ru=name_ru,
            name_en=name_en,
            kind="village",
            latitude=point[0],
            longitude=point[1],
            actor=None,
        )

    return {
        "balykchy": village("Kara-Oi", "Кара-Ой", (42.455, 76.18)),
        "cholpon": village("Kara-Oi ", "Кара-Ой ", (42.65, 77.10)),
        "tamga": village("Tamga", "Тамга", (42.15, 77.55)),
    }


def test_a_village_typed_by_name_is_found_in_any_language_and_case(cast, client, villages):
    appeal = _submitted(client, unit="", village="тамга", address="")

    assert appeal.place_kind == PlaceKind.SETTLEMENT
    assert appeal.settlement == villages["tamga"]


def test_a_village_name_shared_by_two_is_offered_to_choose_from(cast, client, villages):
    before = _counts()
    response = client.post(_url("submit"), _form(unit="", village="Kara-Oi"))

    page = response.content.decode()
    assert response.status_code == 200
    assert _counts() == before
    assert "Several villages and towns are called “Kara-Oi”: choose the one you mean." in page
    assert f'value="{villages["balykchy"].pk}"' in page
    assert f'value="{villages["cholpon"].pk}"' in page

    chosen = _submitted(client, unit="", village="Kara-Oi", settlement=villages["cholpon"].pk)
    assert chosen.settlement == villages["cholpon"]
    # In the chosen district the name is unambiguous.
    in_balykchy = _submitted(client, unit=BALYKCHY, village="Kara-Oi", key="two")
    assert in_balykchy.settlement == villages["balykchy"]


def test_a_village_not_in_the_list_becomes_part_of_the_address_in_its_district(cast, client):
    appeal = _submitted(client, village="Bokonbaevo", address="Near the mosque")

    assert appeal.place_kind == PlaceKind.UNIT
    assert appeal.unit.code == BALYKCHY
    assert appeal.address == "Bokonbaevo, Near the mosque"


def test_a_village_not_in_the_list_without_a_district_is_refused(cast, client):
    before = _counts()
    response = client.post(_url("submit"), _form(unit="", village="Bokonbaevo"))

    assert response.status_code == 200
    assert "is not in our list of villages and towns: choose its district as well." in (
        response.content.decode()
    )
    assert _counts() == before


def test_a_photo_is_stored_without_the_place_and_device_it_was_taken_with(cast, client):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    exif[0x8825] = {1: "N", 2: (42.0, 27.0, 38.0), 3: "E", 4: (76.0, 11.0, 13.0)}  # GPSInfo
    original = _jpeg(exif=exif)
    with Image.open(io.BytesIO(original)) as check:
        assert check.getexif().get_ifd(0x8825)

    appeal = _submitted(client, files=[_file("IMG_0001.jpg", original)])

    attachment = appeal.attachments.get()
    assert attachment.original_name == "IMG_0001.jpg"
    assert attachment.content_type == "image/jpeg"
    with default_storage.open(attachment.file.name) as stored, Image.open(stored) as image:
        exif_after = image.getexif()
        assert image.size == (64, 48)
        assert not exif_after.get_ifd(0x8825)
        assert 0x010F not in exif_after and 0x0110 not in exif_after


def test_a_twenty_megabyte_photo_and_five_of_them_are_accepted(cast, client):
    photo = _jpeg(pad_to=config.ATTACHMENT_MAX_BYTES)
    assert len(photo) == 20 * MB

    one = _submitted(client, files=[_file("big.jpg", photo)])
    five = _submitted(client, key="five", files=[_file(f"big-{n}.jpg", photo) for n in range(5)])

    assert one.attachments.count() == 1
    assert five.attachments.count() == 5


def test_the_replayed_form_lands_on_the_same_confirmation_without_a_second_appeal(cast, client):
    first = client.post(_url("submit"), _form())
    before = _counts()
    second = client.post(_url("submit"), _form(text="Sent twice by a double tap."))

    assert _counts() == before == (1, 0, 1)
    assert second.status_code == 302
    assert second["Location"] == first["Location"]
    page = client.get(second["Location"]).content.decode()
    assert "This appeal was already received." in page


def test_the_idempotency_key_header_gives_one_appeal_whatever_the_form_says(cast, client):
    headers = {"Idempotency-Key": "mobile-unit-7-0042"}
    first = client.post(_url("submit"), _form(key="a"), headers=headers)
    second = client.post(_url("submit"), _form(key="b"), headers=headers)

    appeal = Appeal.objects.get()
    assert appeal.client_key == "mobile-unit-7-0042"
    assert first["Location"] == second["Location"]
    assert "This appeal was already received." in client.get(second["Location"]).content.decode()


def test_a_replayed_form_from_another_browser_is_not_a_second_appeal_either(cast, client):
    appeal = _submitted(client)
    other = Client()

    response = other.post(_url("submit"), _form())

    assert Appeal.objects.count() == 1
    assert response["Location"] == _url("submitted", code=appeal.code_display)


# --- bad input: a clear message, the text kept, nothing stored ------------------------------

BAD_INPUT = {
    "empty text": ({"text": ""}, "Write what happened or what you ask for."),
    "whitespace text": ({"text": " \n\t  "}, "Write what happened or what you ask for."),
    "text over the limit": (
        {"text": "a" * (config.TEXT_MAX_CHARACTERS + 1)},
        "The text is 10,001 characters long; at most 10,000 are accepted.",
    ),
    "invalid point": (
        {"latitude": "forty-two", "longitude": "76.18"},
        "Latitude must be a number between -90 and 90.",
    ),
    "out-of-country point": (
        {"latitude": ALMATY[0], "longitude": ALMATY[1]},
        "This point is outside Kyrgyzstan.",
    ),
    "no place at all": (
        {"unit": "", "address": ""},
        "Say where: put a pin on the map, choose a village or choose a district.",
    ),
    "unknown category": ({"category": "999999"}, "Choose a category from the list."),
    "unknown district": ({"unit": "41799999999999"}, "Choose a district or city from the list."),
    "no contacts and not anonymous": (
        {"full_name": "", "phone": ""},
        "Give your name and a way to reach you, or choose to stay anonymous.",
    ),
    "a malformed phone number": ({"phone": "call me"}, "“call me” is not a phone number."),
}


@pytest.mark.parametrize("case", BAD_INPUT, ids=list(BAD_INPUT))
def test_bad_input_gets_its_message_and_keeps_what_was_typed(cast, client, case):
    changes, message = BAD_INPUT[case]
    before = _counts()
    data = _form(text="My neighbour's dog bites children on the way to school.")
    data.update(changes)

    response = client.post(_url("submit"), data)

    page = response.content.decode()
    assert response.status_code == 200
    assert _in("en", message) in page
    assert 'class="error-summary"' in page
    assert _counts() == before
    if "text" not in changes:
        assert "My neighbour&#x27;s dog bites children on the way to school.</textarea>" in page


def test_the_messages_are_in_the_pages_language(cast, client):
    response = client.post(_url("submit", "ru"), _form(text="", category=""))

    page = response.content.decode()
    assert _in("ru", "Write what happened or what you ask for.") in page
    assert _in("ru", "Choose a category from the list.") in page


def _with_files(client, files, **changes):
    before = _counts()
    response = client.post(_url("submit"), _form(files=files, **changes))
    assert response.status_code == 200
    assert _counts() == before
    return response.content.decode()


def test_a_file_that_is_not_a_photo_or_pdf_by_its_content_is_refused(cast, client):
    page = _with_files(client, [_file("holiday.jpg", b"MZ\x90\x00 not a photo" * 50)])

    assert "“holiday.jpg” is not a photo (JPEG, PNG or WebP) or a PDF document." in page
    # A browser sends files only when chosen again: the page says so.
    assert "Choose your files again before sending" in page


def test_a_file_over_twenty_megabytes_is_refused_with_the_limit(cast, client):
    page = _with_files(client, [_file("huge.jpg", _jpeg(pad_to=config.ATTACHMENT_MAX_BYTES + 1))])

    assert "“huge.jpg” is larger than 20 MB." in page


def test_more_than_five_files_are_refused(cast, client):
    page = _with_files(client, [_file(f"p{n}.jpg", _jpeg()) for n in range(6)])

    assert "At most 5 files may be attached; you chose 6." in page


def test_good_files_are_not_kept_when_another_field_is_wrong(cast, client):
    page = _with_files(client, [_file("ok.jpg", _jpeg())], text="")

    assert "Write what happened or what you ask for." in page
    assert "Choose your files again before sending" in page


def test_a_malformed_submission_key_is_refused(cast, client):
    before = _counts()
    response = client.post(_url("submit"), {**_form(), "client_key": "x" * 101})

    assert "The submission key must be at most 100 printable characters." in (
        response.content.decode()
    )
    assert _counts() == before


# --- the confirmation page ------------------------------------------------------------------


def test_the_confirmation_is_only_for_the_browser_that_sent_the_appeal(cast, client):
    appeal = _submitted(client)
    url = _url("submitted", code=appeal.code_display)

    assert client.get(url).status_code == 200
    stranger = Client().get(url)
    assert stranger.status_code == 302
    assert stranger["Location"] == _url("track", code=appeal.code_display)


def test_the_confirmation_of_an_unknown_code_is_not_found(cast, client):
    assert client.get(_url("submitted", code="7KQ3-M9XP-M")).status_code == 404


# --- finding an appeal ----------------------------------------------------------------------


def test_a_code_typed_any_way_leads_to_its_tracking_page(cast, client):
    appeal = appeal_make()
    typed = appeal.code_display.lower().replace("-", " ")

    response = client.get(_url("track_find"), {"code": typed})

    assert response.status_code == 302
    assert response["Location"] == _url("track", code=appeal.code_display)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Write the tracking code."),
        ("7KQ3-M9XP", "A tracking code has 9 characters, like 7KQ3-M9XP-M; this one has 8"),
        ("7KQ3-M9XP-N", "This tracking code has a typing error"),
        ("7KQ3-M9X0-M", "“0” never appears in a tracking code."),
        ("7KQ3-M9XP-M", "There is no appeal with this code."),
    ],
)
def test_a_mistyped_or_unknown_code_is_explained(cast, client, typed, message):
    response = client.get(_url("track_find"), {"code": typed})

    assert response.status_code == 200
    assert _in("en", message) in response.content.decode()


def test_the_tracking_page_of_a_code_in_another_spelling_redirects_to_the_printed_one(cast, client):
    appeal = appeal_make()

    response = client.get(_url("track", code=appeal.code.lower()))

    assert response["Location"] == _url("track", code=appeal.code_display)


@pytest.mark.parametrize("code", ["7KQ3-M9XP-M", "not-a-code"])
def test_the_tracking_page_of_an_unknown_or_malformed_code_is_not_found(cast, client, code):
    assert client.get(_url("track", code=code)).status_code == 404


# --- the tracking page ----------------------------------------------------------------------


def _track(client, appeal: Appeal, language: str = "en") -> str:
    response = client.get(_url("track", language, code=appeal.code_display))
    assert response.status_code == 200
    return response.content.decode()


def _answered(cast, **kwargs) -> Appeal:
    appeal = appeal_make(**kwargs)
    handling.appeal_assign(appeal=appeal, assignee=cast.bakyt, actor=cast.erlan)
    handling.appeal_start(appeal=appeal, actor=cast.bakyt)
    handling.appeal_answer(
        appeal=appeal, answer="The officer spoke with the young men's families.", actor=cast.bakyt
    )
    return appeal


def test_the_tracking_page_shows_the_public_history_and_never_who_wrote_or_handled_it(cast, client):
    appeal = _answered(cast)
    handling.appeal_note(
        appeal=appeal, comment="Internal: the reporter drinks too.", actor=cast.bakyt
    )

    page = _track(client, appeal)

    assert appeal.get_status_display() in page
    assert "The officer spoke with the young men&#x27;s families." in page
    assert cast.balykchy_police.name_en in page
    assert appeal.text in page
    for step in ("submitted", "registered", "started", "answered"):
        assert f'data-step="{step}"' in page
    # The reporter (factories' Gulnara Abdyldaeva, +996 555 200 300), the staff and the note.
    for hidden in (
        "Gulnara",
        "Abdyldaeva",
        "555 200 300",
        "555200300",
        "Bakyt",
        "Asanov",
        "Erlan",
        "Sadykov",
        "Internal: the reporter",
        'data-step="assigned"',
        'data-step="note"',
    ):
        assert hidden not in page


def test_the_tracking_page_shows_a_redirection_as_sent_to_whom_and_why(cast, client):
    appeal = appeal_make()
    handling.appeal_redirect(
        appeal=appeal,
        organisation=cast.batken_district_police,
        reason="The fights are in Batken, not Balykchy.",
        actor=cast.erlan,
    )

    page = _track(client, appeal)

    assert (
        f"Sent to {cast.batken_district_police.name_en} because: The fights are in Batken, not"
        " Balykchy." in page
    )


def test_an_extension_shows_the_new_date_and_its_reason(cast, client):
    appeal = appeal_make()
    handling.appeal_assign(appeal=appeal, assignee=cast.bakyt, actor=cast.erlan)
    handling.appeal_extend(
        appeal=appeal, days=5, reason="Witnesses are away until next week.", actor=cast.bakyt
    )

    page = _track(client, appeal)

    assert "Witnesses are away until next week." in page
    assert 'class="deadline-extended"' in page


def _noon(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))


def test_an_overdue_appeal_is_marked_late_then_very_late(cast, client):
    appeal = appeal_make()

    assert "data-timeliness" not in _track(client, appeal)
    with clock_at(_noon(appeal.answer_due + timedelta(days=1))):
        assert 'data-timeliness="late"' in _track(client, appeal)
    with clock_at(_noon(appeal.very_late_on + timedelta(days=1))):
        assert 'data-timeliness="very_late"' in _track(client, appeal)


def test_a_merged_appeal_points_to_the_one_it_was_joined_to(cast, client):
    kept = appeal_make()
    duplicate = appeal_make(text="Fights near the bus station again, every night.")
    handling.appeal_merge(appeal=duplicate, into=kept, actor=cast.erlan)

    page = _track(client, duplicate)

    assert "data-merged-into" in page
    assert _url("track", code=kept.code_display) in page


def test_a_rejection_shows_its_legal_ground_and_explanation(cast, client):
    appeal = appeal_make()
    handling.appeal_reject(
        appeal=appeal,
        ground=RejectionGround.COURT,
        explanation="The dispute is before the Balykchy city court.",
        actor=cast.erlan,
    )

    page = _track(client, appeal)

    assert str(RejectionGround.COURT.label) in page
    assert "The dispute is before the Balykchy city court." in page
    assert 'id="rate"' not in page and 'id="reopen"' not in page


# --- replying to a question -----------------------------------------------------------------


def _waiting(cast) -> Appeal:
    appeal = appeal_make()
    handling.appeal_assign(appeal=appeal, assignee=cast.bakyt, actor=cast.erlan)
    handling.appeal_request_clarification(
        appeal=appeal, question="Which evenings, and at what time?", actor=cast.bakyt
    )
    return appeal


def test_the_resident_answers_a_question_and_the_clock_runs_again(cast, client):
    appeal = _waiting(cast)
    page = _track(client, appeal)
    assert "Paused: waiting for your reply." in page
    assert "Which evenings, and at what time?" in page

    response = client.post(
        _url("track_reply", code=appeal.code_display), {"reply": "Fridays, after 22:00."}
    )

    assert response.status_code == 302
    assert response["Location"] == _url("track", code=appeal.code_display)
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.ASSIGNED or appeal.status == AppealStatus.IN_PROGRESS
    assert appeal.paused_since is None
    page = client.get(response["Location"]).content.decode()
    assert "Fridays, after 22:00." in page
    assert "your reply was sent" in page
    assert 'id="reply"' not in page


def test_an_empty_reply_is_refused_beside_the_form(cast, client):
    appeal = _waiting(cast)

    response = client.post(_url("track_reply", code=appeal.code_display), {"reply": "  "})

    assert response.status_code == 200
    assert "Write your reply." in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.AWAITING_CLARIFICATION


def test_a_reply_when_nobody_asked_is_refused(cast, client):
    appeal = appeal_make()

    response = client.post(_url("track_reply", code=appeal.code_display), {"reply": "Hello"})

    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "This cannot be done to an appeal that is “Submitted”." in page


# --- reopening and rating ------------------------------------------------------------------


def test_an_answered_appeal_is_reopened_with_a_comment_within_the_period(cast, client):
    appeal = _answered(cast)
    page = _track(client, appeal)
    assert 'id="reopen"' in page
    from django.utils.formats import date_format

    until = handling.reopen_until(appeal)
    assert date_format(timezone.localtime(until), "DATE_FORMAT") in page

    response = client.post(
        _url("track_reopen", code=appeal.code_display), {"comment": "They still fight."}
    )

    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.IN_PROGRESS
    assert appeal.reopened_count == 1
    page = client.get(response["Location"]).content.decode()
    assert "They still fight." in page
    assert "Earlier answer" in page


def test_reopening_after_the_period_is_refused(cast, client):
    appeal = _answered(cast)

    with clock_at(timezone.now() + timedelta(days=31)):
        page = _track(client, appeal)
        assert 'id="reopen"' not in page
        response = client.post(
            _url("track_reopen", code=appeal.code_display), {"comment": "Still not resolved."}
        )
        page = client.get(response["Location"]).content.decode()

    assert "An appeal can be reopened within 30 days of its answer; this time has passed." in page
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.ANSWERED and appeal.reopened_count == 0


def test_reopening_needs_a_comment(cast, client):
    appeal = _answered(cast)

    response = client.post(_url("track_reopen", code=appeal.code_display), {"comment": ""})

    assert "Say what is still not resolved." in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.ANSWERED


def test_the_answer_is_rated_once_with_stars_and_a_comment(cast, client):
    appeal = _answered(cast)
    assert 'name="rating" value="5"' in _track(client, appeal)

    response = client.post(
        _url("track_rate", code=appeal.code_display), {"rating": "4", "comment": "Quick."}
    )

    appeal.refresh_from_db()
    assert (appeal.rating, appeal.rating_comment) == (4, "Quick.")
    page = client.get(response["Location"]).content.decode()
    assert "You rated the answer 4 of 5." in page
    assert 'name="rating"' not in page

    again = client.post(_url("track_rate", code=appeal.code_display), {"rating": "1"})
    page = client.get(again["Location"]).content.decode()
    assert "This answer has been rated already." in page
    appeal.refresh_from_db()
    assert appeal.rating == 4


def test_rating_before_an_answer_is_refused(cast, client):
    appeal = appeal_make()

    response = client.post(_url("track_rate", code=appeal.code_display), {"rating": "5"})

    page = client.get(response["Location"]).content.decode()
    assert "This cannot be done to an appeal that is “Submitted”." in page
    appeal.refresh_from_db()
    assert appeal.rating is None


@pytest.mark.parametrize("rating", ["", "0", "6", "five"])
def test_a_rating_outside_one_to_five_is_refused_beside_the_stars(cast, client, rating):
    appeal = _answered(cast)

    response = client.post(_url("track_rate", code=appeal.code_display), {"rating": rating})

    assert response.status_code == 200
    assert "Choose from 1 to 5 stars." in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.rating is None


def test_the_residents_actions_need_the_csrf_token(cast):
    appeal = _answered(cast)
    guarded = Client(enforce_csrf_checks=True)

    for url, data in (
        (_url("track_rate", code=appeal.code_display), {"rating": "5"}),
        (_url("track_reopen", code=appeal.code_display), {"comment": "No."}),
        (_url("submit"), _form()),
    ):
        assert guarded.post(url, data).status_code == 403
    appeal.refresh_from_db()
    assert appeal.rating is None and appeal.reopened_count == 0


def test_the_residents_actions_take_posts_only(cast, client):
    appeal = _answered(cast)

    for name in ("track_reply", "track_reopen", "track_rate"):
        assert client.get(_url(name, code=appeal.code_display)).status_code == 405
