from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ishenim.orgs import timeline
from ishenim.orgs.models import User

DEVICE_NAME = "Ishenim"
BACKUP_DEVICE_NAME = "Backup codes"
# Ten single-use codes: enough for the weeks between losing a phone and a new one.
BACKUP_CODE_COUNT = 10


def _own_account_only(user: User, actor) -> None:
    # The secret is shown on the screen of whoever enrols: only ever the account's owner.
    if actor is None or actor.pk != user.pk:
        raise PermissionDenied(_("Only the account's owner can set up its two-factor sign-in."))


@transaction.atomic
def two_factor_enrol_begin(*, user: User, actor) -> TOTPDevice:
    """The unconfirmed device whose secret the enrolment page shows (the same one until it is
    confirmed, so reloading the page does not invalidate a scanned code). Not audited: an
    unconfirmed device changes nothing about how the account signs in."""
    _own_account_only(user, actor)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def two_factor_enrol_confirm(*, device: TOTPDevice, token: str, actor) -> TOTPDevice:
    """Confirm the device with a code from the app: proof the secret reached it."""
    _own_account_only(device.user, actor)
    # Verified outside the transaction below: a wrong code must still count against the
    # device's own throttle, which a rollback would undo.
    if not device.verify_token((token or "").strip()):
        raise ValidationError(
            _("That code is not right. Check the clock of your phone and try the newest code.")
        )
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
        timeline.two_factor_enrolled(user=device.user, device_name=device.name, actor=actor)
    return device


@transaction.atomic
def two_factor_backup_codes_renew(
    *, user: User, actor, codes: list[str] | None = None
) -> list[str]:
    """New single-use backup codes, replacing any left, for the day the phone is lost or
    broken. They are shown once to their owner. `codes` is for the demo data set only."""
    _own_account_only(user, actor)
    codes = codes or [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    timeline.backup_codes_renewed(user=user, count=len(codes), actor=actor)
    return codes
