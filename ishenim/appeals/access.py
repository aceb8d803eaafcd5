"""The gates for appeals named in a URL or a form: a missing and a forbidden appeal give the
same 404, so tracking codes cannot be probed through the staff pages."""

from django.http import Http404
from django.utils.translation import gettext as _

from ishenim.appeals import selectors
from ishenim.appeals.models import Appeal
from ishenim.core.codes import InvalidTrackingCode, tracking_code_parse
from ishenim.orgs import policy
from ishenim.orgs.enums import Action


def _not_found() -> Http404:
    return Http404(_("There is no such appeal."))


def access_appeal(
    actor, code: str, *, action: Action = Action.VIEW, for_update: bool = False
) -> Appeal:
    """The appeal with this tracking code, if `actor` may `action` it (locked for a write)."""
    try:
        canonical = tracking_code_parse(str(code))
    except InvalidTrackingCode:
        raise _not_found() from None
    appeal = selectors.appeal_get(canonical, for_update=for_update)
    if appeal is None or not policy.can(actor, action, appeal):
        raise _not_found()
    return appeal


def access_appeal_by_id(
    actor, appeal_id, *, action: Action = Action.VIEW, for_update: bool = False
) -> Appeal:
    try:
        appeal = selectors.appeal_get_by_id(int(appeal_id), for_update=for_update)
    except (TypeError, ValueError):
        raise _not_found() from None
    if appeal is None or not policy.can(actor, action, appeal):
        raise _not_found()
    return appeal


def access_public_appeal(code: str) -> Appeal:
    """The resident's tracking page: whoever holds the code sees the public part of it (the
    code is 40 random bits: it is the resident's key). A merged appeal shows itself; its
    page points to the one it was merged into."""
    try:
        canonical = tracking_code_parse(str(code))
    except InvalidTrackingCode:
        raise _not_found() from None
    appeal = selectors.appeal_get(canonical)
    if appeal is None:
        raise _not_found()
    return appeal


def access_reporter(actor, appeal: Appeal):
    """The appeal's reporter, or None when there is none or the actor may not see them (an
    anonymous reporter outside the handling organisation)."""
    try:
        reporter = appeal.reporter
    except Appeal.reporter.RelatedObjectDoesNotExist:
        return None
    return reporter if policy.can(actor, Action.VIEW, reporter) else None
