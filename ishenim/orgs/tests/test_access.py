import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from ishenim.orgs.access import access_membership, access_organisation, access_user
from ishenim.orgs.enums import Action
from ishenim.orgs.models import Membership


def _message(call) -> str:
    with pytest.raises(Http404) as caught:
        call()
    return str(caught.value)


def test_anyone_reaches_an_organisation_of_the_public_directory(cast):
    assert access_organisation(AnonymousUser(), cast.balykchy_police.pk) == cast.balykchy_police


def test_chynara_cannot_manage_balykchys_organisation_and_cannot_tell_it_exists(cast):
    forbidden = _message(
        lambda: access_organisation(cast.chynara, cast.balykchy_police.pk, action=Action.CHANGE)
    )
    missing = _message(lambda: access_organisation(cast.chynara, 10**9, action=Action.CHANGE))
    assert forbidden == missing


def test_an_administrator_reaches_an_organisation_to_manage_it(cast):
    found = access_organisation(
        cast.administrator, cast.balykchy_police.pk, action=Action.CHANGE, for_update=True
    )
    assert found == cast.balykchy_police


def test_a_malformed_id_is_not_found(cast):
    with pytest.raises(Http404):
        access_organisation(cast.bakyt, "1 OR 1=1")


def test_chynara_cannot_open_bakyts_account_and_cannot_tell_it_exists(cast):
    forbidden = _message(lambda: access_user(cast.chynara, cast.bakyt.pk))
    missing = _message(lambda: access_user(cast.chynara, 10**9))
    assert forbidden == missing


def test_everyone_opens_their_own_account_and_administrators_open_others(cast):
    assert access_user(cast.bakyt, cast.bakyt.pk) == cast.bakyt
    assert access_user(cast.administrator, cast.bakyt.pk) == cast.bakyt
    with pytest.raises(Http404):
        access_user(AnonymousUser(), cast.bakyt.pk)


def test_chynara_cannot_open_a_balykchy_membership(cast):
    membership = Membership.objects.get(user=cast.bakyt)
    assert access_membership(cast.erlan, membership.pk) == membership
    with pytest.raises(Http404):
        access_membership(cast.chynara, membership.pk)
