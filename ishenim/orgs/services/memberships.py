from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ishenim.orgs import policy, timeline
from ishenim.orgs.enums import Action, Role
from ishenim.orgs.models import Membership, Organisation, User
from ishenim.orgs.services.authorisation import authorise, is_superuser


def admin_site_access_refresh(user: User, *, actor) -> None:
    """Django's is_staff flag opens the admin site: administrators and superusers only. Kept
    in step with the memberships by the services that change them."""
    allowed = user.is_active and (
        user.is_superuser
        or Membership.objects.filter(
            user=user, role=Role.ADMINISTRATOR, is_active=True, organisation__is_active=True
        ).exists()
    )
    if user.is_staff != allowed:
        user.is_staff = allowed
        user.save(update_fields=["is_staff"])
        timeline.user_updated(user=user, changes={"is_staff": [not allowed, allowed]}, actor=actor)
    policy.forget(user)


@transaction.atomic
def membership_grant(
    *, user: User, organisation: Organisation, role: Role | str, title: str = "", actor
) -> Membership:
    """Give `user` a role in `organisation` (or restore one revoked earlier)."""
    role = Role(role)
    if actor is not None and actor.pk == user.pk and not is_superuser(actor):
        # Otherwise an administrator, whose clearance stops short of confidential files,
        # could make themselves a supervisor and read them.
        raise PermissionDenied(_("You cannot grant a role to yourself; ask another administrator."))
    if not user.is_active:
        raise ValidationError(_("A deactivated account cannot be given a role."))
    membership = Membership.objects.filter(user=user, organisation=organisation, role=role).first()
    if membership is not None and membership.is_active:
        raise ValidationError(
            _("%(user)s already has this role in %(organisation)s.")
            % {"user": user, "organisation": organisation}
        )
    if membership is None:
        membership = Membership(
            user=user, organisation=organisation, role=role, since=timezone.localdate()
        )
    membership.title = title.strip()
    authorise(actor, Action.CREATE, membership)
    membership.is_active = True
    membership.full_clean()
    membership.save()
    timeline.membership_granted(membership=membership, actor=actor)
    admin_site_access_refresh(user, actor=actor)
    policy.forget(actor)
    return membership


@transaction.atomic
def membership_update(*, membership: Membership, title: str, actor) -> Membership:
    authorise(actor, Action.CHANGE, membership)
    title = title.strip()
    if title != membership.title:
        before = membership.title
        membership.title = title
        membership.full_clean()
        membership.save(update_fields=["title"])
        timeline.membership_updated(
            membership=membership, changes={"title": [before, title]}, actor=actor
        )
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership, actor) -> Membership:
    """The role stops granting anything; the row stays, for the history of who worked where."""
    authorise(actor, Action.DELETE, membership)
    if not membership.is_active:
        return membership
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    timeline.membership_revoked(membership=membership, actor=actor)
    admin_site_access_refresh(membership.user, actor=actor)
    policy.forget(actor)
    return membership
