"""The history of the geography, one function per event, called only by geo's services.
Each writes its audit entry inside the service's transaction."""

from ishenim.core.audit import audit_record
from ishenim.geo.models import AdminUnit, Settlement


def reference_loaded(*, country_code: str, folder_name: str, counts: dict, actor) -> None:
    # One entry for the whole load: the folder is the record, not its hundreds of rows.
    audit_record(
        action="reference_loaded",
        actor=actor,
        object_type=AdminUnit._meta.label_lower,
        object_id=country_code,
        changes={"folder": folder_name, **counts},
    )


def settlement_created(*, settlement: Settlement, values: dict, actor) -> None:
    audit_record(action="settlement_created", actor=actor, record=settlement, changes=values)


def settlement_updated(*, settlement: Settlement, changes: dict, actor) -> None:
    audit_record(action="settlement_updated", actor=actor, record=settlement, changes=changes)
