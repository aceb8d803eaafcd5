from collections.abc import Iterable

from django.db import transaction

from ishenim.core.audit import model_changes, model_snapshot
from ishenim.geo.models import AdminUnit
from ishenim.orgs import timeline
from ishenim.orgs.enums import Action, OrganisationKind, Role
from ishenim.orgs.models import Membership, Organisation
from ishenim.orgs.services.authorisation import authorise
from ishenim.orgs.services.memberships import admin_site_access_refresh
from ishenim.orgs.services.users import UNCHANGED

_FIELDS = (
    "kind",
    "name_ky",
    "name_ru",
    "name_en",
    "parent",
    "phone",
    "email",
    "address",
    "website",
    "latitude",
    "longitude",
    "is_active",
    "is_demo",
)


def _jurisdiction_ids(organisation: Organisation) -> list[int]:
    return sorted(organisation.jurisdiction.values_list("id", flat=True))


@transaction.atomic
def organisation_create(
    *,
    kind: OrganisationKind | str,
    name_ky: str,
    name_ru: str,
    name_en: str,
    parent: Organisation | None = None,
    jurisdiction: Iterable[AdminUnit] = (),
    phone: str = "",
    email: str = "",
    address: str = "",
    website: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    is_demo: bool = False,
    actor,
) -> Organisation:
    organisation = Organisation(
        kind=kind,
        name_ky=name_ky.strip(),
        name_ru=name_ru.strip(),
        name_en=name_en.strip(),
        parent=parent,
        phone=phone.strip(),
        email=email.strip(),
        address=address.strip(),
        website=website.strip(),
        latitude=latitude,
        longitude=longitude,
        is_demo=is_demo,
    )
    organisation.full_clean()
    organisation.save()
    organisation.jurisdiction.set(list(jurisdiction))
    # Checked on the organisation as it now stands: the jurisdiction decides whose it is, and
    # a refusal rolls the whole creation back.
    authorise(actor, Action.CREATE, organisation)
    timeline.organisation_created(
        organisation=organisation,
        changes={
            **model_snapshot(organisation, _FIELDS),
            "jurisdiction": _jurisdiction_ids(organisation),
        },
        actor=actor,
    )
    return organisation


@transaction.atomic
def organisation_update(
    *,
    organisation: Organisation,
    kind=UNCHANGED,
    name_ky=UNCHANGED,
    name_ru=UNCHANGED,
    name_en=UNCHANGED,
    parent=UNCHANGED,
    jurisdiction=UNCHANGED,
    phone=UNCHANGED,
    email=UNCHANGED,
    address=UNCHANGED,
    website=UNCHANGED,
    latitude=UNCHANGED,
    longitude=UNCHANGED,
    is_active=UNCHANGED,
    actor,
) -> Organisation:
    """Change what is given; leave the rest. The organisation must be the actor's to manage
    both before and after: nobody moves one out of another's reach, or into their own."""
    authorise(actor, Action.CHANGE, organisation)
    before = model_snapshot(organisation, _FIELDS)
    jurisdiction_before = _jurisdiction_ids(organisation)
    values = {
        "kind": kind,
        "name_ky": name_ky,
        "name_ru": name_ru,
        "name_en": name_en,
        "parent": parent,
        "phone": phone,
        "email": email,
        "address": address,
        "website": website,
        "latitude": latitude,
        "longitude": longitude,
        "is_active": is_active,
    }
    for name, value in values.items():
        if value is not UNCHANGED:
            setattr(organisation, name, value.strip() if isinstance(value, str) else value)
    organisation.full_clean()
    organisation.save()
    changes = model_changes(before, organisation, _FIELDS)
    if jurisdiction is not UNCHANGED:
        organisation.jurisdiction.set(list(jurisdiction))
        jurisdiction_after = _jurisdiction_ids(organisation)
        if jurisdiction_after != jurisdiction_before:
            changes["jurisdiction"] = [jurisdiction_before, jurisdiction_after]
    if changes:
        authorise(actor, Action.CHANGE, organisation)
        timeline.organisation_updated(organisation=organisation, changes=changes, actor=actor)
    if "is_active" in changes:
        # Administrators of a closed organisation lose the admin site with it.
        administrators = Membership.objects.filter(
            organisation=organisation, role=Role.ADMINISTRATOR
        ).select_related("user")
        for membership in administrators:
            admin_site_access_refresh(membership.user, actor=actor)
    return organisation
