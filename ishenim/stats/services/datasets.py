"""Datasets: creating them, changing what describes them, and applying category mappings again."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ishenim.core.audit import model_changes, model_snapshot
from ishenim.core.enums import Sensitivity
from ishenim.geo.models import AdminUnit
from ishenim.orgs import policy
from ishenim.orgs.enums import Action
from ishenim.stats import timeline
from ishenim.stats.models import CountRollup, CrimeRecord, Dataset
from ishenim.stats.services.importing import CategoryBook
from ishenim.stats.services.rollups import rollups_refresh

# What describes a dataset: audited in clear (see Dataset.AUDIT_CLEAR_FIELDS).
AUDITED_FIELDS = Dataset.AUDIT_CLEAR_FIELDS


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED = _Unchanged()


def _authorise(dataset: Dataset, actor, action: Action) -> None:
    """The platform itself (actor None: the command line, a scheduled job) may always; a
    person needs the policy's leave: datasets are administered (MANAGE) where they belong."""
    if actor is not None and not policy.can(actor, action, dataset):
        raise PermissionDenied(_("You may not change the dataset %(name)s.") % {"name": dataset})


def dataset_authorise_import(dataset: Dataset, actor) -> None:
    """Importing into a dataset is changing it."""
    _authorise(dataset, actor, Action.CHANGE)


# Names of the statistics pages at /stats/<name>/ (stats/urls.py): a dataset of that name
# could never be opened.
RESERVED_NAMES = frozenset({"imports"})


@transaction.atomic
def dataset_create(
    *,
    name: str,
    title: str,
    country_code: str,
    actor,
    source: str = "",
    licence: str = "",
    area_scheme: str = "",
    category_scheme: str = "",
    unit: AdminUnit | None = None,
    sensitivity: str = Sensitivity.INTERNAL,
) -> Dataset:
    dataset = Dataset(
        name=name.strip(),
        title=title.strip() or name.strip(),
        country_code=country_code.strip().upper(),
        source=source.strip(),
        licence=licence.strip(),
        area_scheme=area_scheme.strip(),
        category_scheme=category_scheme.strip(),
        unit=unit,
        sensitivity=sensitivity,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _authorise(dataset, actor, Action.CREATE)
    if dataset.name in RESERVED_NAMES:
        raise ValidationError(
            {"name": _("“%(name)s” is the name of a page; choose another.") % {"name": name}}
        )
    dataset.full_clean()
    dataset.save()
    timeline.dataset_created(
        dataset=dataset, values=model_snapshot(dataset, AUDITED_FIELDS), actor=actor
    )
    return dataset


def dataset_ensure(*, name: str, actor, **create_with) -> tuple[Dataset, bool]:
    """The dataset of that name, or a new one made with `create_with` (dataset_create's
    arguments); True when it was made. An existing dataset is returned unchanged."""
    existing = Dataset.objects.filter(name=name.strip()).first()
    if existing is not None:
        return existing, False
    return dataset_create(name=name, actor=actor, **create_with), True


@transaction.atomic
def dataset_update(
    *,
    dataset: Dataset,
    actor,
    title=UNCHANGED,
    source=UNCHANGED,
    licence=UNCHANGED,
    area_scheme=UNCHANGED,
    category_scheme=UNCHANGED,
    unit=UNCHANGED,
    sensitivity=UNCHANGED,
) -> Dataset:
    """Change what is given. A new sensitivity is copied onto the dataset's records and
    counts in the same transaction, so the policy reads them the new way at once."""
    _authorise(dataset, actor, Action.CHANGE)
    before = model_snapshot(Dataset.objects.get(pk=dataset.pk), AUDITED_FIELDS)
    for name, value in (
        ("title", title),
        ("source", source),
        ("licence", licence),
        ("area_scheme", area_scheme),
        ("category_scheme", category_scheme),
    ):
        if value is not UNCHANGED:
            setattr(dataset, name, value.strip())
    if unit is not UNCHANGED:
        dataset.unit = unit
    if sensitivity is not UNCHANGED:
        dataset.sensitivity = sensitivity
    changes = model_changes(before, dataset, AUDITED_FIELDS)
    if not changes:
        return dataset
    # Asked again where it lands: nobody moves a dataset out of their own reach by accident.
    _authorise(dataset, actor, Action.CHANGE)
    dataset.full_clean()
    dataset.save()
    if "sensitivity" in changes:
        CrimeRecord.objects.filter(dataset=dataset).update(sensitivity=dataset.sensitivity)
        CountRollup.objects.filter(dataset=dataset).update(sensitivity=dataset.sensitivity)
        # Made public: its open data files are built; no longer public: they are removed.
        # (Imported here: the open data services read the importers, which import this.)
        from ishenim.stats.services.open_data_files import open_build_after_change

        open_build_after_change(dataset=dataset)
    timeline.dataset_updated(dataset=dataset, changes=changes, actor=actor)
    return dataset


@transaction.atomic
def dataset_delete(*, dataset: Dataset, actor) -> None:
    """Delete the dataset with its areas, imports, records and counts."""
    _authorise(dataset, actor, Action.DELETE)
    values = model_snapshot(dataset, AUDITED_FIELDS)
    values["records"] = CrimeRecord.objects.filter(dataset=dataset).count()
    timeline.dataset_deleted(dataset=dataset, values=values, actor=actor)
    # Its open data files go with it (deleted from storage after the commit).
    from ishenim.stats.services.open_data_files import open_files_remove

    open_files_remove(dataset=dataset)
    # Counts and records first: nothing points at them, so each goes in one DELETE instead of
    # through the ORM's cascade, which would load them (areas, imports, mappings follow).
    CountRollup.objects.filter(dataset=dataset).delete()
    CrimeRecord.objects.filter(dataset=dataset).delete()
    dataset.delete()


@transaction.atomic
def dataset_recategorise(*, dataset: Dataset, actor) -> dict:
    """Apply the category mappings as they stand now to every record of the dataset (after a
    mapping was corrected in the admin), and rebuild its counts. Records whose source
    category has no mapping any more keep the category they had."""
    _authorise(dataset, actor, Action.CHANGE)
    book = CategoryBook(dataset)
    names = CrimeRecord.objects.filter(dataset=dataset).values_list("source_category", flat=True)
    changed = 0
    unmapped = []
    for name in sorted(set(names.distinct())):
        category_id = book.get(name) if name else None
        if category_id is None:
            unmapped.append(name)
            continue
        changed += (
            CrimeRecord.objects.filter(dataset=dataset, source_category=name)
            .exclude(category_id=category_id)
            .update(category_id=category_id)
        )
    rollups_refresh(dataset=dataset)
    counts = {"records_changed": changed, "unmapped": unmapped}
    timeline.dataset_recategorised(dataset=dataset, counts=counts, actor=actor)
    return counts
