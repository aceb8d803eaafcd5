"""The staff's entry form: a call, a walk-in, a mobile reception unit or a Prevention Centre
taken in and registered in one step; one appeal however often the form is sent; bad input
told beside its field; who may enter, and who may register what they entered."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from ishenim.appeals.enums import AppealStatus, Channel, EventKind
from ishenim.appeals.models import Appeal, AppealEvent
from ishenim.appeals.tests.factories import BATKEN_POINT
from ishenim.core import clock
from ishenim.core.codes import tracking_code_format
from ishenim.geo.enums import SettlementKind
from ishenim.geo.services.settlements import settlement_create
from ishenim.orgs.testing import BALYKCHY, BATKEN_DISTRICT

pytestmark = pytest.mark.django_db


def _url(language: str = "en") -> str:
    with translation.override(language):
        return reverse("appeals:entry")


def _form(**values) -> dict:
    return {
        "channel": Channel.PHONE,
        "received_at": timezone.localtime(clock.now()).strftime("%Y-%m-%dT%H:%M"),
        "category": "public-order",
        "kind": "complaint",
        "text": "Young men drink and fight by the bus station every evening.",
        "district": BALYKCHY,
        "village": "",
        "address": "Bus station",
        "point": "",
        "full_name": "Gulnara Abdyldaeva",
        "phone": "0555 200 300",
        "email": "",
        "consent_to_contact": "on",
        "register": "on",
        "client_key": "entry:test-1",
        **values,
    }


def _saved_code(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"].rsplit("saved=", 1)[1]


@pytest.mark.parametrize(
    "channel",
    [Channel.PHONE, Channel.WALK_IN, Channel.MOBILE_UNIT, Channel.PREVENTION_CENTRE],
)
def test_an_officer_takes_an_appeal_in_and_registers_it(client_for, bakyt, cast, channel):
    client = client_for(bakyt)
    response = client.post(_url(), _form(channel=channel))

    code = _saved_code(response)
    appeal = Appeal.objects.get()
    assert tracking_code_format(appeal.code) == code
    assert appeal.channel == channel
    assert appeal.status == AppealStatus.REGISTERED
    assert appeal.registered_at is not None
    assert AppealEvent.objects.filter(appeal=appeal, kind=EventKind.REGISTERED).exists()
    assert appeal.entered_by == bakyt and appeal.submitted_by is None
    assert appeal.unit == cast.balykchy and appeal.address == "Bus station"
    assert appeal.reporter.phone == "+996555200300" and appeal.reporter.consent_to_contact
    assert appeal.client_key == "entry:test-1"

    page = client.get(response["Location"])
    body = page.content.decode()
    assert code in body
    assert "Read the tracking code out to the caller" in body
    # The code stays in view: no field takes the cursor (and the page's scroll) below it.
    assert "autofocus" not in body
    assert reverse("appeals:detail", kwargs={"code": code}) in body
    # The next caller: the form again, with the channel just used and a new key.
    form = page.context["form"]
    assert form.initial["channel"] == channel
    assert form.initial["client_key"] != "entry:test-1"


def test_the_channel_is_remembered_for_the_next_form(client_for, bakyt):
    client = client_for(bakyt)
    client.post(_url(), _form(channel=Channel.WALK_IN))
    assert client.get(_url()).context["form"].initial["channel"] == Channel.WALK_IN


def test_without_register_now_the_appeal_waits_to_be_registered(client_for, bakyt):
    form = _form()
    del form["register"]
    _saved_code(client_for(bakyt).post(_url(), form))
    appeal = Appeal.objects.get()
    assert appeal.status == AppealStatus.SUBMITTED
    assert not AppealEvent.objects.filter(kind=EventKind.REGISTERED).exists()


def test_a_form_sent_twice_makes_one_appeal(client_for, bakyt):
    client = client_for(bakyt)
    first = _saved_code(client.post(_url(), _form()))
    second = client.post(_url(), _form())
    assert _saved_code(second) == first
    assert Appeal.objects.count() == 1
    body = client.get(second["Location"]).content.decode()
    assert "This appeal was saved already" in body


def test_a_walk_in_entered_later_keeps_its_time_of_receipt(client_for, bakyt):
    earlier = timezone.localtime(clock.now() - timedelta(days=2)).replace(
        hour=10, minute=30, second=0, microsecond=0
    )
    client = client_for(bakyt)
    _saved_code(
        client.post(
            _url(),
            _form(channel=Channel.WALK_IN, received_at=earlier.strftime("%Y-%m-%dT%H:%M")),
        )
    )
    assert Appeal.objects.get().received_at == earlier


def test_a_point_and_a_village_give_the_place(client_for, bakyt, cast):
    settlement_create(
        name_ky="Ак-Өлөң",
        name_ru="Ак-Олон",
        name_en="Ak-Olon",
        kind=SettlementKind.NEIGHBOURHOOD,
        latitude=42.4606,
        longitude=76.1870,
        actor=None,
    )
    client = client_for(bakyt)
    _saved_code(client.post(_url(), _form(point="42,4606; 76,1870", client_key="k1")))
    _saved_code(client.post(_url(), _form(village="ак-олон", client_key="k2")))
    by_point = Appeal.objects.get(client_key="k1")
    by_village = Appeal.objects.get(client_key="k2")
    assert (by_point.latitude, by_point.longitude) == (42.4606, 76.187)
    assert by_village.settlement.name_en == "Ak-Olon"
    # The village is suggested by the browser from the officer's area.
    assert '<option value="Ак-Олон">' in client.get(_url("ru")).content.decode()


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"text": "   "}, "text", "Write what happened or what you ask for."),
        ({"text": "x" * 10_001}, "text", "The text is 10,001 characters long"),
        ({"category": "lost-cattle"}, "category", "Select a valid choice."),
        ({"kind": ""}, "kind", "This field is required."),
        ({"district": "", "address": ""}, "district", "Say where"),
        ({"point": "north of the bazaar"}, "point", "Write the point as latitude and longitude"),
        ({"point": "51.5, -0.12"}, "point", "This point is outside Kyrgyzstan."),
        ({"village": "Nowhere-Sai"}, "village", "There is no village or town “Nowhere-Sai”"),
        ({"phone": "12"}, "phone", "“12” is not a phone number."),
        ({"full_name": "", "phone": ""}, "full_name", "Give your name and a way to reach you"),
        (
            {"received_at": "2999-01-01T10:00"},
            "received_at",
            "The date of receipt cannot be in the future.",
        ),
    ],
)
def test_bad_input_is_told_beside_its_field_and_nothing_is_kept(
    client_for, bakyt, values, field, message
):
    posted = _form(**values)
    response = client_for(bakyt).post(_url(), posted)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert Appeal.objects.count() == 0
    # What was typed stays in the form.
    body = response.content.decode()
    assert posted["client_key"] in body
    if posted["text"].strip():
        assert posted["text"] in body


def test_messages_are_in_the_pages_language(client_for, bakyt):
    response = client_for(bakyt).post(_url("ru"), _form(text=""))
    with translation.override("ru"):
        expected = translation.gettext("This field is required.")
    assert expected in response.context["form"].errors["text"]


def test_chynara_enters_and_registers_an_appeal_in_batken(client_for, chynara, cast):
    client = client_for(chynara)
    _saved_code(
        client.post(
            _url(),
            _form(district=BATKEN_DISTRICT, point=f"{BATKEN_POINT[0]}, {BATKEN_POINT[1]}"),
        )
    )
    appeal = Appeal.objects.get()
    assert appeal.organisation == cast.batken_district_police
    assert appeal.status == AppealStatus.REGISTERED


def test_a_call_about_balykchy_taken_in_batken_goes_there_unregistered(client_for, chynara, cast):
    client = client_for(chynara)
    response = client.post(_url(), _form())
    page = client.get(response["Location"]).content.decode()

    appeal = Appeal.objects.get()
    assert appeal.organisation == cast.balykchy_police
    assert appeal.status == AppealStatus.SUBMITTED
    assert "Not registered by you" in page
    # She took it in and reads out its code, but cannot open a Balykchy appeal.
    assert appeal.code_display in page
    assert reverse("appeals:detail", kwargs={"code": appeal.code_display}) not in page


def test_a_confidential_case_of_the_department_above_is_left_for_it_to_register(
    client_for, bakyt, erlan
):
    # Family violence goes to Balykchy's city department, need to know: not to the station.
    form = _form(category="domestic-conflict", client_key="bakyt")
    _saved_code(client_for(bakyt).post(_url(), form))
    assert Appeal.objects.get(client_key="bakyt").status == AppealStatus.SUBMITTED
    _saved_code(client_for(erlan).post(_url(), {**form, "client_key": "erlan"}))
    assert Appeal.objects.get(client_key="erlan").status == AppealStatus.REGISTERED


def test_the_page_shows_only_appeals_this_session_saved(client_for, bakyt, erlan):
    code = _saved_code(client_for(bakyt).post(_url(), _form()))
    page = client_for(erlan).get(_url() + f"?saved={code}")
    assert page.context["saved"] is None
    assert "Read the tracking code out" not in page.content.decode()


@pytest.mark.parametrize("language", ["ky", "ru", "en"])
def test_the_form_is_in_every_language(client_for, bakyt, language):
    response = client_for(bakyt).get(_url(language))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'lang="{language}"' in body
    # Typing starts at the category.
    assert re.search(r'<select name="category"[^>]* autofocus', body)
    # The officer's own city is chosen already.
    assert response.context["form"].initial["district"] == BALYKCHY


def test_who_may_not_enter_appeals(client, client_for, aida, dilnoza):
    assert client.get(_url()).status_code == 302
    assert client_for(aida).get(_url()).status_code == 403
    assert client_for(aida).post(_url(), _form()).status_code == 403
    # An analyst counts appeals and does not take them in.
    assert client_for(dilnoza).get(_url()).status_code == 403
    assert Appeal.objects.count() == 0
