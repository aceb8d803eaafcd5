"""Taking an appeal in: routing, sensitivity, idempotency, and bad input that leaves nothing
behind."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from ishenim.appeals.enums import AppealKind, AppealStatus, Channel, EventKind
from ishenim.appeals.models import Appeal, AppealAttachment, AppealEvent, RoutingRule
from ishenim.appeals.services.submission import (
    ReporterDetails,
    Upload,
    appeal_place_resolve,
    appeal_submit,
)
from ishenim.appeals.tests.factories import BALYKCHY_POINT, BATKEN_POINT, appeal_make, category
from ishenim.core.enums import Sensitivity
from ishenim.core.models import AuditEntry
from ishenim.orgs import services as org_services
from ishenim.orgs.enums import OrganisationKind

pytestmark = pytest.mark.django_db


def _organisation(name: str, kind=OrganisationKind.POLICE_DEPARTMENT, units=()):
    return org_services.organisation_create(
        kind=kind, name_ky="", name_ru="", name_en=name, jurisdiction=list(units), actor=None
    )


def _photo(size=(40, 30), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "orange").save(out, format="JPEG", **save)
    return out.getvalue()


def _submit(**overrides):
    arguments = {
        "channel": Channel.WEB,
        "kind": AppealKind.COMPLAINT,
        "category": category("public-order"),
        "text": "Loud fights at night behind the school.",
        "language": "ky",
        "place": appeal_place_resolve(latitude=BALYKCHY_POINT[0], longitude=BALYKCHY_POINT[1]),
        "reporter": ReporterDetails(full_name="Aigul", phone="0555 123 456"),
        "actor": None,
    }
    arguments.update(overrides)
    return appeal_submit(**arguments)


# --- routing -----------------------------------------------------------------------------


def test_without_a_rule_an_appeal_goes_to_the_police_department_closest_to_the_place(cast):
    assert appeal_make(point=BALYKCHY_POINT).organisation == cast.balykchy_police
    assert appeal_make(point=BATKEN_POINT).organisation == cast.batken_district_police


def test_the_most_specific_routing_rule_wins(cast):
    city_hall = _organisation(
        "Balykchy city hall", OrganisationKind.LOCAL_GOVERNMENT, [cast.balykchy]
    )
    oblast_vets = _organisation(
        "Issyk-Kul vets", OrganisationKind.LOCAL_GOVERNMENT, [cast.issyk_kul]
    )
    animals = category("stray-animals")
    RoutingRule.objects.create(
        category=None, unit=cast.balykchy, organisation=cast.balykchy_station
    )
    RoutingRule.objects.create(category=animals, unit=cast.issyk_kul, organisation=oblast_vets)
    RoutingRule.objects.create(category=animals, unit=cast.balykchy, organisation=city_hall)

    assert appeal_make(category_code="stray-animals").organisation == city_hall
    # Any category in Balykchy: the catch-all rule for the city.
    assert appeal_make(category_code="youth").organisation == cast.balykchy_station
    # Elsewhere in the oblast the category's oblast rule; in Batken no rule at all.
    assert appeal_make(point=BATKEN_POINT, category_code="stray-animals").organisation == (
        cast.batken_district_police
    )


def test_a_rule_naming_the_category_beats_a_local_rule_for_any_category(cast):
    inspection = _organisation("MIA inspection", units=[cast.country])
    RoutingRule.objects.create(
        category=category("police-conduct"),
        unit=None,
        organisation=cast.ombudsman,
        co_organisation=inspection,
    )
    RoutingRule.objects.create(
        category=None, unit=cast.balykchy, organisation=cast.balykchy_station
    )

    appeal = appeal_make(category_code="police-conduct", text="An officer took money from me.")

    assert (appeal.organisation, appeal.co_organisation) == (cast.ombudsman, inspection)
    assert appeal.sensitivity == Sensitivity.CONFIDENTIAL


# --- sensitivity ---------------------------------------------------------------------------


def test_family_violence_in_any_category_makes_the_appeal_confidential(cast):
    by_category = appeal_make(category_code="domestic-conflict", text="Noise from neighbours.")
    by_text = appeal_make(text="Сосед избил жену, она боится выйти из дома.")
    by_kyrgyz_text = appeal_make(text="Үй-бүлөлүк зомбулук: күйөөсү аялын урат.")
    ordinary = appeal_make(text="Grapes are stolen from the garden every night.")

    assert by_category.sensitivity == Sensitivity.CONFIDENTIAL
    assert by_text.sensitivity == Sensitivity.CONFIDENTIAL
    assert by_kyrgyz_text.sensitivity == Sensitivity.CONFIDENTIAL
    # "grapes" holds "rape": the stems match at the start of words only.
    assert ordinary.sensitivity == Sensitivity.RESTRICTED


def test_an_anonymous_reporters_contact_is_confidential_whatever_the_appeal(cast):
    appeal = appeal_make(
        anonymous=True, reporter=ReporterDetails(phone="+996 555 300 400"), kind=AppealKind.TIP
    )

    assert appeal.sensitivity == Sensitivity.RESTRICTED
    assert appeal.reporter.sensitivity == Sensitivity.CONFIDENTIAL
    assert appeal.reporter.phone == "+996555300400"


# --- the record ----------------------------------------------------------------------------


def test_a_submission_is_routed_timed_recorded_and_audited(cast):
    submission = _submit(uploads=[Upload("IMG_1.jpg", _photo())])
    appeal = submission.appeal

    assert submission.created
    assert appeal.status == AppealStatus.SUBMITTED
    assert len(appeal.code) == 9 and appeal.code_display.count("-") == 2
    assert appeal.language == "ky"
    assert appeal.h3_r9
    assert [event.kind for event in appeal.events.all()] == [EventKind.SUBMITTED]
    entry = AuditEntry.objects.filter(action="appeal_submitted", object_id=str(appeal.pk)).get()
    assert entry.changes["code"] == appeal.code
    # The text is personal data: the log keeps a digest, never the words.
    assert "school" not in str(entry.changes["text"])
    attachment = appeal.attachments.get()
    assert (attachment.content_type, attachment.original_name) == ("image/jpeg", "IMG_1.jpg")


def test_photos_are_stored_without_their_metadata(cast):
    exif = Image.Exif()
    exif[0x0110] = "Secret Phone X"  # camera model
    photo = _photo(exif=exif.tobytes())
    assert b"Secret Phone X" in photo

    attachment = _submit(uploads=[Upload("a.jpg", photo)]).attachments[0]

    stored = attachment.file.read()
    assert b"Secret Phone X" not in stored
    assert Image.open(io.BytesIO(stored)).size == (40, 30)


def test_staff_taking_a_call_register_it_at_once(cast):
    appeal = _submit(channel=Channel.PHONE, register=True, actor=cast.bakyt).appeal

    assert appeal.status == AppealStatus.REGISTERED
    assert appeal.entered_by == cast.bakyt and appeal.submitted_by is None
    assert appeal.events.filter(kind=EventKind.REGISTERED).exists()


def test_a_signed_in_resident_owns_what_they_file(cast):
    appeal = _submit(actor=cast.aida).appeal

    assert appeal.submitted_by == cast.aida and appeal.entered_by is None


# --- idempotency ----------------------------------------------------------------------------


def test_the_same_client_key_gives_back_the_same_appeal_and_never_a_second(cast):
    first = _submit(client_key="mobile-unit-7:0042")
    again = _submit(client_key="mobile-unit-7:0042", text="Sent again on a bad connection.")

    assert first.created and not again.created
    assert again.appeal.pk == first.appeal.pk
    assert Appeal.objects.count() == 1


# --- bad input leaves nothing behind ----------------------------------------------------------


def _nothing_stored(check):
    before = (
        Appeal.objects.count(),
        AppealEvent.objects.count(),
        AppealAttachment.objects.count(),
        AuditEntry.objects.count(),
    )
    with pytest.raises(ValidationError) as raised:
        check()
    after = (
        Appeal.objects.count(),
        AppealEvent.objects.count(),
        AppealAttachment.objects.count(),
        AuditEntry.objects.count(),
    )
    assert after == before
    return raised.value.message_dict


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"text": "   \n\t "}, "text", "Write what happened"),
        ({"text": "x" * 10_001}, "text", "10,001 characters"),
        ({"category": None}, "category", "Choose a category"),
        ({"kind": "rumour"}, "kind", "what kind"),
        ({"uploads": [Upload("virus.jpg", b"MZ\x90\x00 not a photo")]}, "files", "not a photo"),
        (
            {"uploads": [Upload("huge.pdf", b"%PDF-1.4" + b"0" * (20 * 1024 * 1024))]},
            "files",
            "larger than 20 MB",
        ),
        ({"uploads": [Upload(f"{i}.jpg", _photo()) for i in range(6)]}, "files", "At most 5"),
        ({"reporter": ReporterDetails(phone="12")}, "phone", "not a phone number"),
        ({"reporter": ReporterDetails()}, "full_name", "stay anonymous"),
    ],
)
def test_bad_input_gets_a_clear_message_and_stores_nothing(cast, overrides, field, words):
    messages = _nothing_stored(lambda: _submit(**overrides))

    assert words in " ".join(messages[field])


def test_a_point_outside_the_country_or_not_a_point_is_refused(cast):
    with pytest.raises(ValidationError, match="outside"):
        appeal_place_resolve(latitude=51.5, longitude=-0.12)
    with pytest.raises(ValidationError) as not_a_number:
        appeal_place_resolve(latitude="north", longitude=76)
    with pytest.raises(ValidationError) as nowhere:
        appeal_place_resolve()

    assert "latitude" in not_a_number.value.message_dict
    assert "place" in nowhere.value.message_dict


def test_an_inactive_category_is_refused(cast):
    animals = category("stray-animals")
    animals.is_active = False
    animals.save()

    messages = _nothing_stored(lambda: _submit(category=animals))

    assert "category" in messages


def test_files_saved_before_a_failure_are_deleted(cast, monkeypatch):
    from django.core.files.storage import default_storage

    from ishenim.appeals import timeline

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(timeline, "appeal_submitted", broken)
    # The test storage lives as long as the process: compare with what was there.
    before = set(_stored_files(default_storage, "appeals"))
    with pytest.raises(RuntimeError):
        _submit(uploads=[Upload("a.jpg", _photo())])

    assert Appeal.objects.count() == 0
    assert set(_stored_files(default_storage, "appeals")) == before


def _stored_files(storage, folder: str) -> list[str]:
    if not storage.exists(folder):
        return []
    folders, files = storage.listdir(folder)
    found = [f"{folder}/{name}" for name in files]
    for name in folders:
        found += _stored_files(storage, f"{folder}/{name}")
    return found


def test_a_new_routing_rule_applies_to_the_next_appeal_at_once(cast):
    assert appeal_make().organisation == cast.balykchy_police

    RoutingRule.objects.create(
        category=category("public-order"), unit=cast.balykchy, organisation=cast.balykchy_station
    )

    assert appeal_make().organisation == cast.balykchy_station
