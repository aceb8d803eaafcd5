"""Background tasks of orgs, thin and named like the service they call."""

from datetime import timedelta

from django_tasks import task

from ishenim.core.schedule import periodic
from ishenim.orgs import services
from ishenim.orgs.config import LOGIN_ATTEMPTS_KEPT_DAYS


# Sign-in records hold client addresses: keep them only as long as they serve security.
@periodic("login_attempts_prune", every=timedelta(weeks=1))
@task()
def login_attempts_prune() -> dict:
    deleted = services.login_attempts_prune(older_than=timedelta(days=LOGIN_ATTEMPTS_KEPT_DAYS))
    return {"deleted": deleted}
