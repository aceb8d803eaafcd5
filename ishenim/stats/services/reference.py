"""The offence categories (ICCS and the few outside it) and the police.uk mapping, loaded from
stats/reference and stats/config.py after every `migrate` (StatsConfig connects it to
post_migrate), so that `make run`, CI and the test database all have them.

Idempotent: categories follow the shipped files (a corrected translation arrives with the next
release); mappings shipped for a scheme are added when missing and never overwritten, because
an administrator may have corrected one in the admin. Not audited: this is code arriving with
a release, not somebody's change, and the audit log records people's and jobs' writes.
"""

import csv
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS

from ishenim.stats import config
from ishenim.stats.enums import CategoryClassification, CategoryLevel

_CATEGORY_FIELDS = ("classification", "level", "name_en", "name_ru", "name_ky", "source", "note")


def _read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def category_rows() -> list[dict]:
    """Every category the platform ships, sections before their divisions."""
    rows = [
        {
            "code": row["code"],
            "classification": CategoryClassification.ICCS,
            "level": int(row["level"]),
            "parent": row["parent"],
            "name_en": row["name_en"],
            "name_ru": row["name_ru"],
            "name_ky": row["name_ky"],
            "source": row["source"],
            "note": row["note"],
        }
        for row in _read(config.ICCS_FILE)
    ]
    rows += [
        {
            "code": code,
            "classification": CategoryClassification.OUTSIDE_ICCS,
            "level": CategoryLevel.SECTION,
            "parent": "",
            "name_en": name_en,
            "name_ru": name_ru,
            "name_ky": name_ky,
            "source": "",
            "note": note,
        }
        for code, name_en, name_ru, name_ky, note in config.OUTSIDE_ICCS_CATEGORIES
    ]
    return sorted(rows, key=lambda row: (row["level"], row["code"]))


def categories_seed(*, category_model, mapping_model, using: str = DEFAULT_DB_ALIAS) -> dict:
    """Create or correct the shipped categories and add missing police.uk mappings. The
    models are passed in because post_migrate hands over the migration state's own."""
    categories = category_model.objects.using(using)
    existing = {category.code: category for category in categories.all()}
    created = updated = 0
    for row in category_rows():
        parent = existing.get(row["parent"]) if row["parent"] else None
        values = {name: row[name] for name in _CATEGORY_FIELDS}
        category = existing.get(row["code"])
        if category is None:
            existing[row["code"]] = categories.create(code=row["code"], parent=parent, **values)
            created += 1
            continue
        stale = [name for name, value in values.items() if getattr(category, name) != value]
        if category.parent_id != (parent.pk if parent else None):
            category.parent = parent
            stale.append("parent")
        if stale:
            for name in stale:
                if name != "parent":
                    setattr(category, name, values[name])
            category.save(using=using, update_fields=stale)
            updated += 1

    mappings = mapping_model.objects.using(using)
    present = set(
        mappings.filter(dataset__isnull=True, scheme=config.POLICE_UK_SCHEME).values_list(
            "source_category", flat=True
        )
    )
    added = [
        mapping_model(
            scheme=config.POLICE_UK_SCHEME,
            source_category=row["source_category"],
            category=existing[row["code"]],
            note=row["note"],
        )
        for row in _read(config.POLICE_UK_MAPPING_FILE)
        if row["source_category"] not in present
    ]
    mappings.bulk_create(added)
    return {"created": created, "updated": updated, "mappings_added": len(added)}
