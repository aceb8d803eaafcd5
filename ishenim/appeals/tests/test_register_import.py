"""Importing a paper register: the preview checks every row as appeal_submit would and writes
nothing; the commit takes the valid rows in, registered, received when the register says;
importing the same register again creates nothing; Excel's Windows-1251 and semicolons; the
page's two steps, the rejected rows' download, the command; who may import."""

import csv
import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from ishenim.appeals.enums import AppealKind, AppealStatus, Channel, EventKind
from ishenim.appeals.models import Appeal, AppealEvent, AppealReporter
from ishenim.appeals.services.register_import import (
    register_import_commit,
    register_import_preview,
)
from ishenim.core import clock
from ishenim.core.models import AuditEntry
from ishenim.geo.enums import SettlementKind
from ishenim.geo.services.settlements import settlement_create

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).parent / "data" / "register_example.csv"
BISHKEK = ZoneInfo("Asia/Bishkek")
# The day the tests stand on: after every date of the example register.
TODAY = datetime(2025, 3, 10, 15, 0, tzinfo=BISHKEK)
HEADER = ["number", "received", "category", "kind", "text", "district", "village", "name"]


@pytest.fixture(autouse=True)
def standing_on_a_known_day():
    with clock.clock_at(TODAY):
        yield


def _register(rows: list[list[str]], *, header=HEADER, delimiter=",") -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8")


def _row(number="1", **cells) -> list[str]:
    values = {
        "number": number,
        "received": "03.03.2025 10:15",
        "category": "public-order",
        "kind": "complaint",
        "text": "Loud parties every night in the courtyard of Frunze street 12.",
        "district": "Balykchy",
        "village": "",
        "name": "Gulmira Asanova",
        **cells,
    }
    return [values[column] for column in HEADER]


def _problems(preview) -> dict[int, list[tuple[str, str]]]:
    found: dict[int, list[tuple[str, str]]] = {}
    for problem in preview.problems:
        found.setdefault(problem.line, []).append((problem.column, problem.message))
    return found


def test_the_example_register_previews_clean_and_imports_registered_appeals(erlan, cast):
    content = EXAMPLE.read_bytes()
    preview = register_import_preview(content=content, actor=erlan)
    assert preview.counts == {"rows": 4, "ok": 4, "rejected": 0, "imported": 0}
    assert preview.table.delimiter == ";"
    assert {row.organisation for row in preview.rows} == {cast.balykchy_police}

    result = register_import_commit(content=content, actor=erlan)

    assert len(result.created) == 4 and not result.rejected
    appeals = {a.client_key: a for a in Appeal.objects.all()}
    first = appeals[f"register:{cast.balykchy_police.pk}:2025:1"]
    assert first.channel == Channel.PAPER_REGISTER
    assert first.status == AppealStatus.REGISTERED
    assert first.kind == AppealKind.COMPLAINT
    assert first.category.code == "public-order"
    assert first.received_at == datetime(2025, 3, 3, 10, 15, tzinfo=BISHKEK)
    assert first.unit == cast.balykchy
    assert first.address == "ул. Фрунзе, 12"
    assert first.entered_by == erlan
    assert first.language == "ru"
    assert first.reporter.phone == "+996555123456"
    assert AppealEvent.objects.filter(appeal=first, kind=EventKind.REGISTERED).exists()
    # A date without a time: received at the start of that working day.
    second = appeals[f"register:{cast.balykchy_police.pk}:2025:2"]
    assert second.received_at == datetime(2025, 3, 3, 9, 0, tzinfo=BISHKEK)
    assert second.kind == AppealKind.REQUEST
    # Decimal commas in the point; an anonymous row without a name.
    third = appeals[f"register:{cast.balykchy_police.pk}:2025:3"]
    assert (third.latitude, third.longitude) == (42.4606, 76.187)
    assert third.anonymous
    fourth = appeals[f"register:{cast.balykchy_police.pk}:2025:4"]
    assert fourth.language == "ky"
    assert fourth.kind == AppealKind.INCIDENT_REPORT
    assert fourth.category.code == "youth"


def test_preview_writes_nothing(erlan):
    before = (Appeal.objects.count(), AppealEvent.objects.count(), AuditEntry.objects.count())
    content = _register([_row("1"), _row("2", text="")])
    preview = register_import_preview(content=content, actor=erlan)
    assert preview.counts["ok"] == 1
    after = (Appeal.objects.count(), AppealEvent.objects.count(), AuditEntry.objects.count())
    assert after == before


def test_preview_lists_each_rows_problems_by_line_and_column(erlan):
    content = _register(
        [
            _row("1"),
            _row("2", received="31.02.2025"),
            _row("3", category="lost cattle"),
            _row("4", district="Atlantis"),
            _row("5", text="   "),
            _row("6", received="11.03.2025 09:00"),
            _row("7", name="", kind="grumble"),
            _row("1"),
            _row("", village="Nowhere-Sai"),
        ]
    )
    preview = register_import_preview(content=content, actor=erlan)
    problems = _problems(preview)
    # Line 1 is the header: row "1" is on line 2.
    assert 2 not in problems
    assert [column for column, _m in problems[3]] == ["received"]
    assert "is not a date" in problems[3][0][1]
    assert problems[4] == [
        (
            "category",
            "There is no category “lost cattle”: write one of public-order, domestic-conflict,"
            " border-crossing, police-conduct, youth, drugs-alcohol, road-safety, stray-animals,"
            " land-water-dispute, other, or its name.",
        )
    ]
    assert problems[5] == [
        ("district", "There is no district or city “Atlantis”: write its name or its code.")
    ]
    assert problems[6] == [("text", "Write what happened or what you ask for.")]
    assert problems[7] == [("received", "The date of receipt cannot be in the future.")]
    assert sorted(problems[8]) == [
        (
            "kind",
            "There is no kind of appeal “grumble”: write one of complaint, request,"
            " incident_report, tip, proposal, gratitude.",
        ),
        ("name", "Write the name of who made the appeal, or mark it anonymous."),
    ]
    assert problems[9] == [("number", "Number 1 of 2025 is on line 2 already.")]
    assert sorted(column for column, _m in problems[10]) == ["number", "village"]
    assert preview.counts == {"rows": 9, "ok": 1, "rejected": 8, "imported": 0}


def test_problems_are_told_in_the_readers_language(erlan):
    content = _register([_row("1", text="")])
    with translation.override("ru"):
        preview = register_import_preview(content=content, actor=erlan)
    with translation.override("ru"):
        expected = translation.gettext("Write what happened or what you ask for.")
    assert preview.problems[0].message == expected


def test_commit_imports_the_valid_rows_and_returns_the_rejected(erlan):
    content = _register([_row("1"), _row("2", category="nonsense"), _row("3")])
    result = register_import_commit(content=content, actor=erlan)
    assert len(result.created) == 2
    assert [row.line for row in result.rejected] == [3]
    assert Appeal.objects.count() == 2


def test_importing_the_same_register_again_creates_nothing_new(erlan):
    content = _register([_row("1"), _row("2")])
    register_import_commit(content=content, actor=erlan)
    longer = _register([_row("1"), _row("2"), _row("3")])

    preview = register_import_preview(content=longer, actor=erlan)
    assert preview.counts == {"rows": 3, "ok": 1, "rejected": 0, "imported": 2}
    result = register_import_commit(content=longer, actor=erlan)

    assert len(result.created) == 1 and result.already == 2
    assert Appeal.objects.count() == 3
    again = register_import_commit(content=longer, actor=erlan)
    assert not again.created and again.already == 3
    assert Appeal.objects.count() == 3


def test_the_same_number_next_year_is_another_appeal(erlan):
    register_import_commit(content=_register([_row("15")]), actor=erlan)
    with clock.clock_at(datetime(2026, 2, 1, 12, tzinfo=BISHKEK)):
        result = register_import_commit(
            content=_register([_row("15", received="20.01.2026")]), actor=erlan
        )
    assert len(result.created) == 1
    assert Appeal.objects.count() == 2


def test_excel_files_in_windows_1251_with_semicolons_are_read(erlan):
    # The Kyrgyz row of the example has letters Windows-1251 lacks (ө, ү): the three others.
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()[:4]
    content = "\r\n".join(lines).encode("cp1251")
    preview = register_import_preview(content=content, actor=erlan)
    assert preview.table.encoding == "cp1251"
    assert preview.counts["ok"] == 3
    assert preview.rows[0].text.startswith("Во дворе дома")


def test_utf8_with_a_byte_order_mark_and_commas(erlan):
    content = "\ufeff".encode() + _register([_row("1", text="Шумят по ночам.")])
    preview = register_import_preview(content=content, actor=erlan)
    assert preview.table.encoding == "utf-8-sig"
    assert preview.table.delimiter == ","
    assert preview.counts["ok"] == 1


def test_a_village_is_found_by_its_name_within_its_district(erlan, cast):
    settlement_create(
        name_ky="Ак-Өлөң",
        name_ru="Ак-Олон",
        name_en="Ak-Olon",
        kind=SettlementKind.NEIGHBOURHOOD,
        latitude=42.4606,
        longitude=76.1870,
        actor=None,
    )
    content = _register([_row("1", village="ак-олон"), _row("2", district="", village="AK-OLON")])
    preview = register_import_preview(content=content, actor=erlan)
    assert preview.counts["ok"] == 2
    assert preview.rows[0].place.settlement.name_en == "Ak-Olon"


def test_a_file_without_the_needed_columns_is_refused_whole(erlan):
    content = _register([["1", "x"]], header=["number", "text"])
    with pytest.raises(ValidationError) as refused:
        register_import_preview(content=content, actor=erlan)
    assert "received, category" in refused.value.messages[0]


def test_more_rows_than_the_limit_are_refused(erlan, monkeypatch):
    from ishenim.appeals.services import register_format

    monkeypatch.setattr(register_format, "REGISTER_MAX_ROWS", 2)
    content = _register([_row("1"), _row("2"), _row("3")])
    with pytest.raises(ValidationError) as refused:
        register_import_preview(content=content, actor=erlan)
    assert refused.value.code == "too_many_rows"


def test_rows_of_another_jurisdiction_cannot_be_registered_by_chynara(chynara, cast):
    content = _register([_row("1"), _row("2", district="Batken District")])
    preview = register_import_preview(content=content, actor=chynara)
    assert [row.line for row in preview.rejected_rows] == [2]
    assert preview.rows[0].problems[0].column == "district"
    assert "Balykchy City Police Department" in preview.rows[0].problems[0].message
    result = register_import_commit(content=content, actor=chynara)
    assert [appeal.unit for appeal in result.created] == [cast.batken_district]
    assert result.created[0].client_key == f"register:{cast.batken_district_police.pk}:2025:2"


def test_a_resident_may_not_import(aida):
    with pytest.raises(PermissionDenied):
        register_import_preview(content=_register([_row("1")]), actor=aida)


# --- the page ---------------------------------------------------------------------------------


def _url(language: str = "en") -> str:
    with translation.override(language):
        return reverse("appeals:register_import")


def _upload(client, content: bytes, name: str = "register.csv"):
    return client.post(
        _url(),
        {"step": "upload", "file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def test_the_page_previews_then_imports_the_valid_rows(client_for, erlan):
    client = client_for(erlan)
    assert client.get(_url()).status_code == 200
    content = _register([_row("1"), _row("2", received="31.02.2025"), _row("3")])

    response = _upload(client, content)
    assert response.status_code == 302
    page = client.get(_url())
    body = page.content.decode()
    assert "“31.02.2025” is not a date" in body
    assert Appeal.objects.count() == 0

    digest = page.context["upload"]["sha256"]
    response = client.post(_url(), {"step": "commit", "sha256": digest})
    assert response.status_code == 302
    assert Appeal.objects.count() == 2
    body = client.get(_url()).content.decode()
    assert "2 appeals were imported" in body

    rejected = client.get(_url() + "?table=rejected&format=csv")
    rows = list(csv.reader(io.StringIO(rejected.getvalue().decode("utf-8-sig"))))
    # The file's own columns between the line and the problems: corrected, it imports again.
    assert rows[0] == ["Line", *HEADER, "Problems"]
    assert [(row[0], row[1]) for row in rows[1:]] == [("3", "2")]
    assert "is not a date" in rows[1][-1]


def test_a_second_confirmation_imports_nothing_twice(client_for, erlan):
    client = client_for(erlan)
    _upload(client, _register([_row("1")]))
    digest = client.get(_url()).context["upload"]["sha256"]
    client.post(_url(), {"step": "commit", "sha256": digest})
    client.post(_url(), {"step": "commit", "sha256": digest})
    assert Appeal.objects.count() == 1


def test_a_confirmation_for_another_file_than_the_one_previewed_is_refused(client_for, erlan):
    client = client_for(erlan)
    _upload(client, _register([_row("1")]))
    response = client.post(_url(), {"step": "commit", "sha256": "0" * 64})
    assert response.status_code == 302
    assert Appeal.objects.count() == 0


def test_an_unreadable_file_is_told_on_the_upload_form(client_for, erlan):
    client = client_for(erlan)
    response = _upload(client, b"\xff\xd8\xff\xe0" + bytes(range(256)), name="photo.jpg")
    assert response.status_code == 400
    assert "The file cannot be read as text" in response.content.decode()
    response = _upload(client, b"when,what\n1,2\n")
    assert "these are missing: number, received, category, text" in response.content.decode()
    assert "appeals_register_upload" not in client.session


def test_the_import_page_is_for_staff_who_may_enter_appeals(client, client_for, aida, dilnoza):
    assert client.get(_url()).status_code == 302
    assert client_for(aida).get(_url()).status_code == 403
    # Analysts count appeals; they do not take them in.
    assert client_for(dilnoza).get(_url()).status_code == 403


def test_the_command_imports_a_register_and_says_what_it_did(erlan, tmp_path, capsys):
    path = tmp_path / "register.csv"
    path.write_bytes(_register([_row("1"), _row("2", category="nonsense")]))
    call_command("import_appeal_register", str(path), "--as", erlan.email)
    out = capsys.readouterr()
    assert "1 appeal imported" in out.out
    assert "line 3" in out.err
    assert Appeal.objects.count() == 1
    assert AppealReporter.objects.count() == 1
