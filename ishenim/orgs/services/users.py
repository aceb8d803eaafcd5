from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ishenim.core.audit import model_changes, model_snapshot
from ishenim.orgs import policy, timeline
from ishenim.orgs.enums import Action
from ishenim.orgs.models import Membership, User
from ishenim.orgs.services.authorisation import authorise, is_superuser

# A keyword left at UNCHANGED keeps the current value (None is a value: "no email").
UNCHANGED = object()

_ACCOUNT_FIELDS = ("full_name", "email", "phone", "language", "is_active", "is_demo")
_FLAG_FIELDS = ("is_staff", "is_superuser")


def _language_check(language: str) -> None:
    if language and language not in {code for code, _name in settings.LANGUAGES}:
        message = _("“%(language)s” is not a language of this site.") % {"language": language}
        raise ValidationError({"language": message})


def _account_change_authorise(actor, user: User) -> None:
    """Changing an account needs MANAGE over it and over every role it holds: otherwise a
    regional administrator could take over a national account by first granting it a local
    membership. Superusers' accounts are changed only by superusers."""
    if actor is None:
        return
    if user.is_superuser and not is_superuser(actor):
        raise PermissionDenied(_("Only a superuser may change a superuser's account."))
    authorise(actor, Action.CHANGE, user)
    for membership in Membership.objects.filter(user=user, is_active=True):
        authorise(actor, Action.CHANGE, membership)


@transaction.atomic
def user_create(
    *,
    full_name: str,
    email: str | None = None,
    phone: str | None = None,
    password: str | None = None,
    language: str = "",
    is_demo: bool = False,
    actor,
) -> User:
    """A new account without roles; membership_grant gives it its work. Without a password
    the account cannot sign in until one is set."""
    # Model-level: a new account has no memberships yet, so no jurisdiction to check it
    # against; the roles granted next are checked one by one.
    authorise(actor, Action.CREATE, User)
    _language_check(language)
    user = User(
        full_name=full_name.strip(),
        email=email,
        phone=phone,
        language=language,
        is_demo=is_demo,
    )
    user.full_clean(exclude=["password"])
    if password:
        validate_password(password, user)
    user.set_password(password)
    user.save()
    timeline.user_created(
        user=user, changes=model_snapshot(user, _ACCOUNT_FIELDS + _FLAG_FIELDS), actor=actor
    )
    return user


@transaction.atomic
def superuser_create(
    *,
    full_name: str,
    email: str | None = None,
    phone: str | None = None,
    password: str,
    actor=None,
) -> User:
    """An account that may do anything: made from the command line (`ishenim createadmin`)
    or by another superuser, never by a role."""
    if actor is not None and not is_superuser(actor):
        raise PermissionDenied(_("Only a superuser may create another superuser."))
    user = User(
        full_name=full_name.strip(), email=email, phone=phone, is_staff=True, is_superuser=True
    )
    user.full_clean(exclude=["password"])
    validate_password(password, user)
    user.set_password(password)
    user.save()
    timeline.user_created(
        user=user, changes=model_snapshot(user, _ACCOUNT_FIELDS + _FLAG_FIELDS), actor=actor
    )
    return user


@transaction.atomic
def user_update(
    *,
    user: User,
    full_name=UNCHANGED,
    email=UNCHANGED,
    phone=UNCHANGED,
    language=UNCHANGED,
    actor,
) -> User:
    _account_change_authorise(actor, user)
    before = model_snapshot(user, _ACCOUNT_FIELDS)
    values = {"full_name": full_name, "email": email, "phone": phone, "language": language}
    for name, value in values.items():
        if value is not UNCHANGED:
            setattr(user, name, value.strip() if name == "full_name" else value)
    _language_check(user.language)
    user.full_clean(exclude=["password"])
    user.save()
    changes = model_changes(before, user, _ACCOUNT_FIELDS)
    if changes:
        timeline.user_updated(user=user, changes=changes, actor=actor)
    return user


@transaction.atomic
def user_deactivate(*, user: User, actor) -> User:
    """The account can no longer sign in (its sessions end at the next request) and its roles
    stop granting anything; its history stays."""
    if actor is not None and actor.pk == user.pk:
        raise PermissionDenied(_("You cannot deactivate your own account."))
    _account_change_authorise(actor, user)
    if not user.is_active:
        return user
    user.is_active = False
    user.is_staff = False
    user.save(update_fields=["is_active", "is_staff"])
    policy.forget(user)
    timeline.user_deactivated(user=user, actor=actor)
    return user


@transaction.atomic
def user_password_set(*, user: User, password: str, actor) -> User:
    """A new password, checked against the password rules. Everyone may change their own;
    changing somebody else's is administering their account."""
    if actor is None or actor.pk != user.pk:
        _account_change_authorise(actor, user)
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    timeline.password_set(user=user, actor=actor)
    return user
