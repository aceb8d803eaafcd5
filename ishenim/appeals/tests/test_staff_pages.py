"""The staff's pages: the queue (tabs, filters, export, map layer, bulk assignment), the
appeal page with its actions, attachments, and the My work panel — each with who may and who
may not (Chynara, in Batken, must never reach a Balykchy appeal)."""

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image

from ishenim.appeals.enums import AppealStatus, Channel
from ishenim.appeals.models import Appeal, AppealEvent, RoutingRule
from ishenim.appeals.services import handling
from ishenim.appeals.services.submission import ReporterDetails, Upload
from ishenim.appeals.tests.factories import BATKEN_POINT, appeal_make, category
from ishenim.appeals.views import staff
from ishenim.core import clock
from ishenim.core.enums import Sensitivity
from ishenim.orgs import services as org_services
from ishenim.orgs.enums import Role
from ishenim.orgs.testing import CAST_PASSWORD

pytestmark = pytest.mark.django_db

QUEUE = "/en/appeals/"


def detail_url(appeal: Appeal) -> str:
    return reverse("appeals:detail", kwargs={"code": appeal.code_display})


def act_url(appeal: Appeal, action: str) -> str:
    return reverse("appeals:act", kwargs={"code": appeal.code_display, "action": action})


def queue_codes(client, query: str = "") -> list[str]:
    """The codes the queue lists, over every page."""
    codes, page = [], 1
    while True:
        response = client.get(f"{QUEUE}?{query}&page={page}")
        assert response.status_code == 200
        codes += [appeal.code_display for appeal in response.context["page"].object_list]
        if not response.context["page"].has_next():
            return codes
        page += 1


def person(name: str, email: str, phone: str, organisation, role: Role):
    user = org_services.user_create(
        full_name=name, email=email, phone=phone, password=CAST_PASSWORD, actor=None
    )
    org_services.membership_grant(user=user, organisation=organisation, role=role, actor=None)
    return user


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


# --- who may -------------------------------------------------------------------------------


def test_the_queue_shows_balykchy_appeals_to_erlan_and_bakyt(cast, client_for):
    appeal = appeal_make()
    assert appeal.organisation == cast.balykchy_police

    erlan = client_for(cast.erlan)
    # His department handles it: it is on his default tab.
    assert appeal.code_display in queue_codes(erlan)
    response = erlan.get(QUEUE)
    assert appeal.code_display in response.content.decode()

    bakyt = client_for(cast.bakyt)
    # The station sees it among everything in its area, not as its own until assigned.
    assert appeal.code_display in queue_codes(bakyt, "scope=all")
    assert appeal.code_display not in queue_codes(bakyt, "scope=mine")
    handling.appeal_assign(appeal=appeal, assignee=cast.bakyt, actor=cast.erlan)
    assert appeal.code_display in queue_codes(bakyt, "scope=mine")


def test_chynara_cannot_list_open_export_act_on_or_map_a_balykchy_appeal(cast, client_for):
    appeal = appeal_make(uploads=[Upload("photo.png", png_bytes())])
    batken = appeal_make(point=BATKEN_POINT)
    attachment = appeal.attachments.get()
    chynara = client_for(cast.chynara)

    for scope in ("mine", "organisation", "all"):
        assert appeal.code_display not in queue_codes(chynara, f"scope={scope}")
    # Her own district's appeal is there: the page works, the Balykchy one is not in it.
    assert batken.code_display in queue_codes(chynara, "scope=all")
    assert chynara.get(detail_url(appeal)).status_code == 404

    export = chynara.get(f"{QUEUE}?scope=all&format=csv")
    assert export.status_code == 200
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert batken.code_display in text
    assert appeal.code_display not in text

    for action, data in (
        ("register", {}),
        ("assign", {"assignee": cast.chynara.pk}),
        ("note", {"comment": "Seen"}),
    ):
        response = chynara.post(act_url(appeal, action), {"version": appeal.version, **data})
        assert response.status_code == 404
    response = chynara.post(
        reverse("appeals:bulk_assign"),
        {"codes": [appeal.code_display], "assignee": cast.chynara.pk},
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.SUBMITTED
    assert appeal.assignee is None
    assert not AppealEvent.objects.filter(appeal=appeal, kind="note").exists()

    file_url = reverse(
        "appeals:attachment", kwargs={"code": appeal.code_display, "attachment_id": attachment.pk}
    )
    assert chynara.get(file_url).status_code == 404
    layer = chynara.get(reverse("appeals:queue_geojson") + "?scope=all").json()
    codes = [feature["properties"]["code"] for feature in layer["features"]]
    assert batken.code_display in codes
    assert appeal.code_display not in codes


def test_a_visitor_is_sent_to_sign_in_and_a_resident_gets_not_found(cast, client, client_for):
    appeal = appeal_make()
    for url in (QUEUE, detail_url(appeal), reverse("appeals:queue_geojson")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("orgs:login"))
    response = client.post(act_url(appeal, "register"), {"version": appeal.version})
    assert response.status_code == 302
    # A form posted after the session ended comes back to the appeal's page, not to the form.
    assert response["Location"].endswith("?next=" + detail_url(appeal))

    aida = client_for(cast.aida)
    assert aida.get(QUEUE).status_code == 404
    assert aida.get(detail_url(appeal)).status_code == 404


def test_a_confidential_appeal_is_hidden_from_the_duty_officer_and_the_analyst(cast, client_for):
    appeal = appeal_make(
        category_code="domestic-conflict", text="My neighbour beats his wife every night."
    )
    assert appeal.sensitivity == Sensitivity.CONFIDENTIAL
    duty = person(
        "Nurlan Duty",
        "nurlan@example.org",
        "+996 555 100 010",
        cast.balykchy_police,
        Role.DUTY_OFFICER,
    )
    for user in (duty, cast.dilnoza):
        viewer = client_for(user)
        assert appeal.code_display not in queue_codes(viewer, "scope=all")
        assert viewer.get(detail_url(appeal)).status_code == 404
    # The supervisor of the handling department does see it.
    assert client_for(cast.erlan).get(detail_url(appeal)).status_code == 200


def test_an_anonymous_reporter_is_shown_only_inside_the_handling_organisation(cast, client_for):
    RoutingRule.objects.create(
        category=category("public-order"), unit=cast.balykchy, organisation=cast.ombudsman
    )
    appeal = appeal_make(
        anonymous=True,
        reporter=ReporterDetails(phone="+996 555 777 888", consent_to_contact=True),
    )
    assert appeal.organisation == cast.ombudsman
    ombudsman_officer = person(
        "Ainura Ombudsman",
        "ainura@example.org",
        "+996 555 100 011",
        cast.ombudsman,
        Role.OMBUDSMAN_OFFICER,
    )

    page = client_for(cast.erlan).get(detail_url(appeal))
    assert page.status_code == 200
    assert "555 777 888" not in page.content.decode()
    assert "777888" not in page.content.decode()
    assert "Anonymous" in page.content.decode()

    page = client_for(ombudsman_officer).get(detail_url(appeal))
    assert page.status_code == 200
    assert "+996555777888" in page.content.decode()


def test_a_named_reporter_is_seen_by_the_officers_of_the_area(cast, client_for):
    appeal = appeal_make()
    page = client_for(cast.bakyt).get(detail_url(appeal)).content.decode()
    assert "Gulnara Abdyldaeva" in page
    assert "+996555200300" in page


# --- the queue ----------------------------------------------------------------------------


def test_the_queue_filters_by_status_category_channel_lateness_period_and_text(cast, client_for):
    with clock.clock_at(clock.now() - timedelta(days=60)):
        old = appeal_make(
            text="Stray dogs by the school every morning.", category_code="stray-animals"
        )
    new = appeal_make(channel=Channel.PHONE, actor=cast.erlan)
    handling.appeal_assign(appeal=new, assignee=cast.bakyt, actor=cast.erlan)
    erlan = client_for(cast.erlan)

    assert queue_codes(erlan, "status=assigned") == [new.code_display]
    assert queue_codes(erlan, "status=open") == [old.code_display, new.code_display]
    assert queue_codes(erlan, "status=unregistered") == [old.code_display]
    assert queue_codes(erlan, "category=stray-animals") == [old.code_display]
    assert queue_codes(erlan, "channel=phone") == [new.code_display]
    assert queue_codes(erlan, "timeliness=late") == [old.code_display]
    assert queue_codes(erlan, "timeliness=very_late") == [old.code_display]
    today = clock.today().isoformat()
    assert queue_codes(erlan, f"received_from={today}") == [new.code_display]
    assert queue_codes(erlan, "q=school dogs") == [old.code_display]
    assert queue_codes(erlan, f"q={new.code_display}") == [new.code_display]
    assert queue_codes(erlan, f"area={cast.balykchy.code}") == [old.code_display, new.code_display]
    assert queue_codes(erlan, "scope=mine") == []

    page = erlan.get(f"{QUEUE}?timeliness=late").content.decode()
    assert "Very late" in page


def test_the_queue_refuses_a_period_that_ends_before_it_starts(cast, client_for):
    response = client_for(cast.erlan).get(
        f"{QUEUE}?received_from=2025-03-02&received_to=2025-03-01"
    )
    assert response.status_code == 400
    assert "The end of the period comes before its start." in response.content.decode()


def test_the_area_list_offers_only_the_viewers_jurisdiction(cast, client_for):
    form = client_for(cast.chynara).get(QUEUE).context["form"]
    codes = {code for code, _label in form.fields["area"].choices if code}
    assert cast.batken_district.code in codes
    assert cast.balykchy.code not in codes
    response = client_for(cast.chynara).get(f"{QUEUE}?area={cast.balykchy.code}")
    assert response.status_code == 400


def test_the_queue_reads_a_bounded_number_of_queries_whatever_its_length(
    cast, client_for, django_assert_max_num_queries
):
    erlan = client_for(cast.erlan)
    for _ in range(2):
        appeal_make()
    erlan.get(QUEUE)  # sessions, caches

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = erlan.get(QUEUE)
        assert response.status_code == 200
        return len(captured), response.context["page"].paginator.count

    few, listed = count()
    assert listed == 2
    for index in range(8):
        appeal = appeal_make(text=f"Noise from the cafe, night {index}.")
        if index % 2:
            handling.appeal_assign(appeal=appeal, assignee=cast.bakyt, actor=cast.erlan)
    many, listed = count()
    assert listed == 10
    assert many == few
    with django_assert_max_num_queries(25):
        erlan.get(QUEUE)


def test_the_export_holds_exactly_what_the_filter_shows_on_every_page(
    cast, client_for, monkeypatch
):
    monkeypatch.setattr(staff, "APPEALS_PER_PAGE", 2)
    shown = [appeal_make(text=f"Fights by the market, evening {i}.") for i in range(3)]
    appeal_make(category_code="stray-animals", text="Dogs bite the children.")
    erlan = client_for(cast.erlan)
    query = "category=public-order&status=open"
    on_pages = queue_codes(erlan, query)
    assert sorted(on_pages) == sorted(appeal.code_display for appeal in shown)

    response = erlan.get(f"{QUEUE}?{query}&page=2&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][0] == "Tracking code"
    assert [row[0] for row in rows[1:]] == on_pages

    response = erlan.get(f"{QUEUE}?{query}&format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == on_pages


def test_the_export_link_and_address_are_closed_to_a_role_without_the_export_right(
    cast, client_for
):
    appeal_make()
    border = person(
        "Timur Border",
        "timur@example.org",
        "+996 555 100 012",
        cast.balykchy_police,
        Role.BORDER_OFFICER,
    )
    viewer = client_for(border)
    page = viewer.get(f"{QUEUE}?scope=all")
    assert page.status_code == 200
    assert page.context["page"].paginator.count == 1
    assert "format=csv" not in page.content.decode()
    assert viewer.get(f"{QUEUE}?scope=all&format=csv").status_code == 404
    assert "format=csv" in client_for(cast.erlan).get(QUEUE).content.decode()


def test_the_map_layer_holds_the_filtered_appeals_with_a_point(cast, client_for):
    appeal = appeal_make()
    other = appeal_make(category_code="stray-animals", text="Dogs at the bus stop.")
    erlan = client_for(cast.erlan)
    response = erlan.get(reverse("appeals:queue_geojson") + "?category=public-order")
    assert response["Content-Type"] == "application/geo+json"
    layer = response.json()
    assert [feature["properties"]["code"] for feature in layer["features"]] == [appeal.code_display]
    properties = layer["features"][0]["properties"]
    assert properties["category"] == "Public order"
    assert properties["due"] == appeal.answer_due.isoformat()
    assert properties["url"] == detail_url(appeal)
    assert layer["features"][0]["geometry"]["coordinates"] == [appeal.longitude, appeal.latitude]
    assert other.code_display not in json.dumps(layer)
    page = erlan.get(QUEUE + "?category=public-order").content.decode()
    assert "appeals/map.geojson?category=public-order" in page


# --- bulk assignment -------------------------------------------------------------------------


def test_bulk_assign_gives_every_chosen_appeal_to_the_officer(cast, client_for):
    first, second = appeal_make(), appeal_make(text="Broken street lights on Lenin street.")
    erlan = client_for(cast.erlan)
    page = erlan.get(QUEUE)
    choices = dict(page.context["assign_form"].fields["assignee"].choices)
    assert cast.bakyt.pk in choices
    response = erlan.post(
        reverse("appeals:bulk_assign"),
        {
            "codes": [first.code_display, second.code_display],
            "assignee": cast.bakyt.pk,
            "next": f"{QUEUE}?status=open",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"{QUEUE}?status=open"
    assert "2 appeals are now with Bakyt Asanov." in response.content.decode()
    for appeal in (first, second):
        appeal.refresh_from_db()
        assert appeal.assignee == cast.bakyt
        assert appeal.status == AppealStatus.ASSIGNED


def test_bulk_assign_assigns_nothing_when_one_appeal_cannot_be_assigned(cast, client_for):
    open_, answered = appeal_make(), appeal_make(text="Broken street lights on Lenin street.")
    handling.appeal_assign(appeal=answered, assignee=cast.erlan, actor=cast.erlan)
    handling.appeal_answer(appeal=answered, answer="Repaired.", actor=cast.erlan)
    response = client_for(cast.erlan).post(
        reverse("appeals:bulk_assign"),
        {"codes": [open_.code_display, answered.code_display], "assignee": cast.bakyt.pk},
        follow=True,
    )
    text = response.content.decode()
    assert "Nothing was assigned." in text
    assert answered.code_display in text
    open_.refresh_from_db()
    assert open_.assignee is None

    response = client_for(cast.erlan).post(
        reverse("appeals:bulk_assign"), {"assignee": cast.bakyt.pk}, follow=True
    )
    assert "Choose at least one appeal." in response.content.decode()


def test_a_district_officer_may_bulk_take_appeals_only_for_himself(cast, client_for):
    appeal = appeal_make()
    bakyt = client_for(cast.bakyt)
    choices = dict(
        bakyt.get(f"{QUEUE}?scope=all").context["assign_form"].fields["assignee"].choices
    )
    assert [k for k in choices if k] == [cast.bakyt.pk]
    response = bakyt.post(
        reverse("appeals:bulk_assign"),
        {"codes": [appeal.code_display], "assignee": cast.erlan.pk},
        follow=True,
    )
    assert "Select a valid choice" in response.content.decode()
    bakyt.post(
        reverse("appeals:bulk_assign"), {"codes": [appeal.code_display], "assignee": cast.bakyt.pk}
    )
    appeal.refresh_from_db()
    assert appeal.assignee == cast.bakyt


# --- the appeal page ----------------------------------------------------------------------


def test_the_appeal_page_shows_the_record_history_files_and_allowed_actions(cast, client_for):
    appeal = appeal_make(uploads=[Upload("photo.png", png_bytes()), Upload("statement.pdf", PDF)])
    erlan = client_for(cast.erlan)
    response = erlan.get(detail_url(appeal))
    assert response.status_code == 200
    page = response.content.decode()
    assert appeal.code_display in page
    assert "Young men drink and fight by the bus station every evening." in page
    assert "Gulnara Abdyldaeva" in page
    assert "Balykchy City Police Department" in page
    assert "seen by the resident" in page
    offered = [panel.name for panel in response.context["panels"]]
    assert offered[:2] == ["register", "assign"]
    assert "answer" not in offered  # not before it is registered
    assert "redirect" in offered
    photo, pdf = appeal.attachments.order_by("id")
    photo_url = reverse(
        "appeals:attachment", kwargs={"code": appeal.code_display, "attachment_id": photo.pk}
    )
    assert f'src="{photo_url}"' in page

    response = erlan.get(photo_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert not response["Content-Disposition"].startswith("attachment")
    response = erlan.get(
        reverse("appeals:attachment", kwargs={"code": appeal.code_display, "attachment_id": pdf.pk})
    )
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF
    # An attachment of another appeal is not reached through this one's address.
    other = appeal_make(uploads=[Upload("x.png", png_bytes())])
    response = erlan.get(
        reverse(
            "appeals:attachment",
            kwargs={"code": appeal.code_display, "attachment_id": other.attachments.get().pk},
        )
    )
    assert response.status_code == 404

    # Bakyt neither assigns to others nor redirects.
    offered = [
        panel.name for panel in client_for(cast.bakyt).get(detail_url(appeal)).context["panels"]
    ]
    assert "redirect" not in offered
    assert "assign" in offered


def test_the_answer_form_starts_from_the_categorys_template_in_the_appeals_language(
    cast, client_for
):
    appeal = appeal_make(category_code="stray-animals", text="Собаки у школы.")
    handling.appeal_assign(appeal=appeal, assignee=cast.bakyt, actor=cast.erlan)
    page = client_for(cast.bakyt).get(detail_url(appeal))
    form = next(panel.form for panel in page.context["panels"] if panel.name == "answer")
    assert form["answer"].value() == appeal.category.answer_template("ru")
    assert "ветеринарной службе" in form["answer"].value()


def test_possible_duplicates_are_offered_with_a_merge_button(cast, client_for):
    first = appeal_make(
        text="A pack of stray dogs near school No. 3 every morning.", category_code="stray-animals"
    )
    second = appeal_make(text="Stray dogs near school No. 3", category_code="stray-animals")
    erlan = client_for(cast.erlan)
    response = erlan.get(detail_url(second))
    assert [found.appeal for found in response.context["duplicates"]] == [first]
    assert f"Merge this appeal into {first.code_display}" in response.content.decode()
    response = erlan.post(
        act_url(second, "merge"), {"version": second.version, "into": first.code_display}
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == AppealStatus.MERGED
    assert second.merged_into == first


# --- the actions, each through the page -----------------------------------------------------


def _submitted(cast):
    return appeal_make()


def _assigned(cast):
    appeal = appeal_make()
    handling.appeal_assign(appeal=appeal, assignee=cast.bakyt, actor=cast.erlan)
    return appeal


def _in_progress(cast):
    appeal = _assigned(cast)
    handling.appeal_start(appeal=appeal, actor=cast.bakyt)
    return appeal


def _answered(cast):
    appeal = _in_progress(cast)
    handling.appeal_answer(appeal=appeal, answer="Patrols were sent.", actor=cast.bakyt)
    return appeal


@dataclass
class Case:
    action: str
    actor: str
    setup: object
    good: object  # cast → data
    check: object  # (appeal, cast) → bool
    bad: object  # cast → data
    bad_says: str
    extra: dict = field(default_factory=dict)


CASES = [
    Case(
        "register",
        "erlan",
        _submitted,
        lambda c: {},
        lambda a, c: a.status == AppealStatus.REGISTERED,
        lambda c: {"version": ""},
        "This field is required.",
    ),
    Case(
        "assign",
        "erlan",
        _submitted,
        lambda c: {"assignee": c.bakyt.pk},
        lambda a, c: a.assignee == c.bakyt and a.status == AppealStatus.ASSIGNED,
        lambda c: {"assignee": c.chynara.pk},
        "Select a valid choice.",
    ),
    Case(
        "start",
        "bakyt",
        _assigned,
        lambda c: {},
        lambda a, c: a.status == AppealStatus.IN_PROGRESS,
        lambda c: {"version": "x"},
        "Enter a whole number.",
    ),
    Case(
        "clarify",
        "bakyt",
        _assigned,
        lambda c: {"question": "Which house is it?"},
        lambda a, c: a.status == AppealStatus.AWAITING_CLARIFICATION and a.paused_since,
        lambda c: {"question": "   "},
        "This field is required.",
    ),
    Case(
        "answer",
        "bakyt",
        _in_progress,
        lambda c: {"answer": "Patrols were sent twice."},
        lambda a, c: a.status == AppealStatus.ANSWERED and a.answer == "Patrols were sent twice.",
        lambda c: {"answer": ""},
        "This field is required.",
    ),
    Case(
        "extend",
        "erlan",
        _assigned,
        lambda c: {"days": 5, "reason": "An expert is needed."},
        lambda a, c: a.deadline_days == 19 and a.extension_reason == "An expert is needed.",
        lambda c: {"days": 100, "reason": "Much to do."},
        "An extension is 1 to 16 working days",
    ),
    Case(
        "redirect",
        "erlan",
        _submitted,
        lambda c: {"organisation": c.ombudsman.pk, "reason": "A complaint against officers."},
        lambda a, c: a.organisation == c.ombudsman and a.status == AppealStatus.REDIRECTED,
        lambda c: {"organisation": c.balykchy_police.pk, "reason": "Here."},
        "Select a valid choice.",
    ),
    Case(
        "merge",
        "erlan",
        _submitted,
        lambda c: {
            "into": Appeal.objects.exclude(status="merged").order_by("id").first().code_display
        },
        lambda a, c: a.status == AppealStatus.MERGED,
        lambda c: {"into": "ABCD-EFGH-J"},
        "There is no appeal with this code that you may merge",
        extra={"other": True},
    ),
    Case(
        "reject",
        "erlan",
        _submitted,
        lambda c: {"ground": "obscene", "explanation": "The appeal only insults the officers."},
        lambda a, c: a.status == AppealStatus.REJECTED and a.rejection_ground == "obscene",
        lambda c: {"ground": "", "explanation": "No."},
        "This field is required.",
    ),
    Case(
        "close",
        "erlan",
        _answered,
        lambda c: {"comment": "Resolved."},
        lambda a, c: a.status == AppealStatus.CLOSED,
        lambda c: {"version": "0"},
        "greater than or equal to 1",
    ),
    Case(
        "note",
        "bakyt",
        _submitted,
        lambda c: {"comment": "Called the resident: no answer."},
        lambda a, c: a.events.filter(
            kind="note", comment="Called the resident: no answer."
        ).exists(),
        lambda c: {"comment": ""},
        "This field is required.",
    ),
    Case(
        "classify",
        "erlan",
        _submitted,
        lambda c: {"sensitivity": "confidential", "reason": "A child is named."},
        lambda a, c: a.sensitivity == Sensitivity.CONFIDENTIAL,
        lambda c: {"sensitivity": "public", "reason": "Harmless."},
        "Select a valid choice.",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.action for case in CASES])
def test_each_action_through_the_page(case, cast, client_for):
    if case.extra.get("other"):
        appeal_make(text="The same fight, told by a neighbour.")
    appeal = case.setup(cast)
    assert case.action in staff.ACTIONS
    viewer = client_for(getattr(cast, case.actor))
    page = viewer.get(detail_url(appeal))
    assert case.action in [panel.name for panel in page.context["panels"]]

    before = appeal.version
    response = viewer.post(act_url(appeal, case.action), {"version": before, **case.bad(cast)})
    assert response.status_code == 400
    assert case.bad_says in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.version == before

    response = viewer.post(
        act_url(appeal, case.action), {"version": appeal.version, **case.good(cast)}, follow=True
    )
    assert response.redirect_chain[-1][0] == detail_url(appeal)
    assert str(staff.ACTIONS[case.action].done) in response.content.decode()
    appeal.refresh_from_db()
    assert case.check(appeal, cast)


def test_an_unknown_action_is_not_found(cast, client_for):
    appeal = appeal_make()
    response = client_for(cast.erlan).post(act_url(appeal, "delete"), {"version": 1})
    assert response.status_code == 404


def test_a_form_from_an_out_of_date_page_is_refused(cast, client_for):
    appeal = appeal_make()
    seen = appeal.version
    handling.appeal_register(appeal=appeal, actor=cast.erlan)
    response = client_for(cast.erlan).post(
        act_url(appeal, "assign"), {"version": seen, "assignee": cast.bakyt.pk}
    )
    assert response.status_code == 400
    assert "Someone changed this appeal after you opened it." in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.assignee is None
    # The form shown again carries the version now shown, for an informed second try.
    assert response.context["failed"].form["version"].value() == appeal.version


def test_taking_over_an_appeal_someone_handles_needs_a_confirmation(cast, client_for):
    appeal = _assigned(cast)
    erlan = client_for(cast.erlan)
    response = erlan.post(
        act_url(appeal, "assign"), {"version": appeal.version, "assignee": cast.erlan.pk}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Bakyt Asanov has been handling this appeal since" in page
    assert 'type="checkbox" name="take_over"' in page
    appeal.refresh_from_db()
    assert appeal.assignee == cast.bakyt

    response = erlan.post(
        act_url(appeal, "assign"),
        {"version": appeal.version, "assignee": cast.erlan.pk, "take_over": "on"},
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.assignee == cast.erlan


def test_the_my_work_panel_counts_link_to_the_queue_filtered_alike(cast, client_for):
    waiting = appeal_make()
    mine = appeal_make(text="Loud music at night on Frunze street.")
    handling.appeal_assign(appeal=mine, assignee=cast.erlan, actor=cast.erlan)
    erlan = client_for(cast.erlan)
    page = erlan.get(reverse("core:my_work")).content.decode()
    assert "1 open appeal assigned to you" in page
    assert "1 appeal to your organisation waits to be registered" in page
    assert f"{QUEUE}?scope=mine&amp;status=open" in page
    assert queue_codes(erlan, "scope=mine&status=open") == [mine.code_display]
    assert queue_codes(erlan, "scope=organisation&status=unregistered") == [waiting.code_display]
