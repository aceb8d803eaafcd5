"""The issue's end-to-end check, through the pages as people use them: a resident sends the
public form → the duty side registers it → it is routed to the right organisation → assigned →
answered → rated; received on the Friday before the New Year holidays, so the due date has to
step over them."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from ishenim.appeals.enums import AppealStatus
from ishenim.appeals.models import Appeal, RoutingRule
from ishenim.appeals.tests.factories import BALYKCHY_POINT, category
from ishenim.core.clock import clock_at
from ishenim.notifications.models import Notification

pytestmark = pytest.mark.django_db
BISHKEK = ZoneInfo("Asia/Bishkek")
FRIDAY_BEFORE_NEW_YEAR = datetime(2026, 12, 25, 16, 30, tzinfo=BISHKEK)


def _act(client: Client, appeal: Appeal, action: str, **fields):
    appeal.refresh_from_db()
    return client.post(
        f"/en/appeals/{appeal.code_display}/act/{action}/", {"version": appeal.version, **fields}
    )


def test_public_form_to_a_rated_answer(cast, client_for):
    # Public order in Balykchy goes to the station whose officers walk the streets.
    RoutingRule.objects.create(
        category=category("public-order"), unit=cast.balykchy, organisation=cast.balykchy_station
    )
    resident = Client()

    with clock_at(FRIDAY_BEFORE_NEW_YEAR):
        form = resident.get("/ru/appeal/")
        assert form.status_code == 200
        key = form.context["form"].initial["client_key"]
        sent = resident.post(
            "/ru/appeal/",
            {
                "kind": "complaint",
                "category": category("public-order").pk,
                "text": "Каждый вечер у автостанции пьяные драки, жители боятся выходить.",
                "latitude": BALYKCHY_POINT[0],
                "longitude": BALYKCHY_POINT[1],
                "full_name": "Гульнара Абдылдаева",
                "phone": "0555 200 300",
                "consent_to_contact": "on",
                "client_key": key,
            },
        )
    assert sent.status_code == 302, sent.content.decode()[:3000]
    appeal = Appeal.objects.get()
    confirmation = resident.get(sent["Location"]).content.decode()
    assert appeal.code_display in confirmation

    # Routed by the rule, with the statutory dates over the New Year holidays (1–7 January
    # 2027): registration by Monday 28 December, the answer by Thursday 21 January.
    assert appeal.organisation == cast.balykchy_station
    assert (appeal.register_due, appeal.answer_due) == (date(2026, 12, 28), date(2027, 1, 21))
    assert appeal.language == "ru" and appeal.channel == "web"

    officer, supervisor = client_for(cast.bakyt), client_for(cast.erlan)
    with clock_at(FRIDAY_BEFORE_NEW_YEAR + timedelta(days=3)):
        assert _act(officer, appeal, "register").status_code == 302
        assert _act(supervisor, appeal, "assign", assignee=cast.bakyt.pk).status_code == 302
    with clock_at(FRIDAY_BEFORE_NEW_YEAR + timedelta(days=20)):
        assert _act(officer, appeal, "start").status_code == 302
        answered = _act(
            officer, appeal, "answer", answer="С 15 января у автостанции дежурит патруль."
        )
        assert answered.status_code == 302

    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.ANSWERED
    assert appeal.assignee == cast.bakyt and appeal.answered_on_time

    track = f"/ru/track/{appeal.code_display}/"
    page = resident.get(track).content.decode()
    assert "С 15 января у автостанции дежурит патруль." in page
    # The resident's own details are never on the public page.
    assert "Гульнара" not in page and "200 300" not in page and "Bakyt" not in page
    rated = resident.post(f"{track}rate/", {"rating": "5", "comment": "Спасибо, стало тише."})
    assert rated.status_code == 302
    appeal.refresh_from_db()
    assert (appeal.rating, appeal.rating_comment) == (5, "Спасибо, стало тише.")

    # The resident was told of the registration and the answer, in Russian, by SMS.
    messages = Notification.objects.filter(object_id=str(appeal.pk)).order_by("id")
    assert [(m.channel, m.template) for m in messages] == [
        ("sms", "appeals/appeal_registered"),
        ("sms", "appeals/appeal_answered"),
    ]
    assert "21.01.2027" in messages[0].body
