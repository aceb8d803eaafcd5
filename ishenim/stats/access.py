"""The gate for datasets named in a URL or on a page: missing and forbidden give the same 404,
so names cannot be probed."""

from django.http import Http404
from django.utils.translation import gettext as _

from ishenim.core.enums import Sensitivity
from ishenim.orgs import policy
from ishenim.orgs.enums import Action
from ishenim.stats import selectors
from ishenim.stats.models import Dataset, ImportRun


def access_dataset(actor, name: str, *, action: Action = Action.VIEW) -> Dataset:
    try:
        dataset = selectors.dataset_get(str(name))
    except Dataset.DoesNotExist:
        raise Http404(_("There is no such dataset.")) from None
    if not policy.can(actor, action, dataset):
        raise Http404(_("There is no such dataset."))
    return dataset


def access_import_run(actor, import_run_id) -> ImportRun:
    """An import, for whoever may see both the run (internal, where its dataset belongs) and
    its dataset: its rejected rows quote the file, which is as sensitive as the dataset."""
    try:
        run = selectors.import_run_get(int(import_run_id))
    except (ImportRun.DoesNotExist, TypeError, ValueError):
        raise Http404(_("There is no such import.")) from None
    if not (policy.can(actor, Action.VIEW, run) and policy.can(actor, Action.VIEW, run.dataset)):
        raise Http404(_("There is no such import."))
    return run


def access_open_dataset(name: str) -> Dataset:
    """A dataset published as open data: public, whoever asks. An internal dataset is not
    found here even for someone who may see it: open data never holds it."""
    try:
        dataset = selectors.dataset_get(str(name))
    except Dataset.DoesNotExist:
        raise Http404(_("There is no such dataset.")) from None
    if dataset.sensitivity != Sensitivity.PUBLIC:
        raise Http404(_("There is no such dataset."))
    return dataset
