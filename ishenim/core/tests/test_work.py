import re
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ishenim.core import work
from ishenim.core.audit import audit_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("isolated_panels")]


@pytest.fixture
def isolated_panels(monkeypatch):
    monkeypatch.setattr(work._work, "parts", dict(work._work.parts))


def make_user(email, name):
    return get_user_model().objects.create_user(email=email, password="pw-12345-x", full_name=name)


@pytest.fixture
def bakyt():
    return make_user("bakyt@example.kg", "Bakyt Sadykov")


@pytest.fixture
def chynara():
    return make_user("chynara@example.kg", "Chynara Toktogulova")


def record_action(actor, action, object_id):
    with transaction.atomic():
        audit_record(action=action, actor=actor, object_type="casefile", object_id=object_id)


def test_my_work_sends_an_anonymous_visitor_to_sign_in_and_back(client):
    response = client.get("/en/work/")

    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:login") + "?next=/en/work/"


def test_my_work_with_nothing_waiting_says_so_and_shows_the_account(client, bakyt):
    client.force_login(bakyt)

    page = client.get("/en/work/").text

    assert "Nothing waits for you." in page
    assert "Your account" in page
    assert "bakyt@example.kg" in page


def test_recent_activity_shows_the_readers_own_actions_only(client, bakyt, chynara):
    record_action(bakyt, "casefile.assign", 101)
    record_action(chynara, "casefile.close", 202)
    client.force_login(bakyt)

    page = client.get("/en/work/").text

    assert "Recent activity" in page
    assert "casefile.assign" in page and "#101" in page
    assert "casefile.close" not in page and "#202" not in page


def test_recent_activity_is_left_out_for_someone_who_has_done_nothing(client, chynara, bakyt):
    record_action(bakyt, "casefile.assign", 101)
    client.force_login(chynara)

    page = client.get("/en/work/").text

    assert "Recent activity" not in page
    assert "casefile.assign" not in page


def test_a_panel_with_work_replaces_the_empty_state(client, bakyt):
    work.work_panel(
        key="queue",
        title=_("Appeals to answer"),
        template="core/panels/account.html",
        order=10,
        context=lambda request: {"account": SimpleNamespace(email="queue@example.kg")},
    )
    client.force_login(bakyt)

    page = client.get("/en/work/").text

    assert "Appeals to answer" in page
    assert "queue@example.kg" in page
    assert "Nothing waits for you." not in page


def test_a_panel_whose_context_is_none_is_hidden(client, bakyt):
    work.work_panel(
        key="queue",
        title=_("Appeals to answer"),
        template="core/panels/account.html",
        order=10,
        context=lambda request: None,
    )
    client.force_login(bakyt)

    page = client.get("/en/work/").text

    assert "Appeals to answer" not in page
    assert "Nothing waits for you." in page


def test_panels_appear_in_their_registered_order(client, bakyt):
    for key, title, order in (("late", _("Second panel"), 20), ("early", _("First panel"), 10)):
        work.work_panel(
            key=key,
            title=title,
            template="core/panels/account.html",
            order=order,
            context=lambda request: {"account": request.user},
        )
    client.force_login(bakyt)

    page = client.get("/en/work/").text

    titles = re.findall(r'<h2 id="panel-[\w-]+-title">([^<]+)</h2>', page)
    assert titles.index("First panel") < titles.index("Second panel") < titles.index("Your account")


def test_my_work_reads_a_bounded_number_of_queries(client, bakyt, django_assert_max_num_queries):
    for number in range(30):
        record_action(bakyt, "casefile.assign", number)
    client.force_login(bakyt)

    # Session, user, the audit entries; the staff predicate may read memberships.
    with django_assert_max_num_queries(6):
        response = client.get("/en/work/")

    assert response.status_code == 200
    assert response.text.count("casefile.assign") == 10


def test_recent_activity_names_actions_and_records_in_words_when_an_app_has_named_them(
    client, bakyt, monkeypatch
):
    monkeypatch.setattr(work, "_activity_labels", {})
    work.activity_label(action="user.update", label=_("Changed an account"))
    with transaction.atomic():
        audit_record(action="user.update", actor=bakyt, record=bakyt, changes={"full_name": "B"})
    client.force_login(bakyt)

    page = client.get("/en/work/").text

    assert f"Changed an account\n      · user #{bakyt.pk}" in page
    assert "<code>user.update</code>" not in page
