import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from ishenim.core.models import AuditEntry
from ishenim.orgs import policy
from ishenim.orgs.admin.base import PolicyModelAdmin
from ishenim.stats.models import CategoryMapping, CrimeRecord, Dataset, OffenceCategory
from ishenim.stats.services import policeuk_import
from ishenim.stats.tests.conftest import police_dataset, street_file, street_row

pytestmark = pytest.mark.django_db


def test_every_stats_model_has_a_policy_aware_admin_and_a_policy_scope():
    for model in apps.get_app_config("stats").get_models():
        assert admin.site.is_registered(model), model
        assert isinstance(admin.site._registry[model], PolicyModelAdmin), model
        assert model in policy.registered_models(), model


@pytest.mark.parametrize(
    "model", ["dataset", "importrun", "crimerecord", "countrollup", "categorymapping"]
)
def test_a_national_administrator_opens_the_lists(client_for, cast, tmp_path, model):
    dataset = police_dataset("admin-lists")
    policeuk_import(
        dataset=dataset, files=[street_file(tmp_path / "a.csv", [street_row()])], actor=None
    )

    response = client_for(cast.administrator).get(reverse(f"admin:stats_{model}_changelist"))

    assert response.status_code == 200


def test_a_new_dataset_from_the_admin_goes_through_the_audited_service(client_for, cast):
    response = client_for(cast.administrator).post(
        reverse("admin:stats_dataset_add"),
        {
            "name": "from-admin",
            "title": "From the admin",
            "country_code": "GB",
            "sensitivity": "internal",
            "source": "",
            "licence": "",
            "area_scheme": "",
            "category_scheme": "police.uk",
        },
    )

    assert response.status_code == 302, response.content
    dataset = Dataset.objects.get(name="from-admin")
    assert dataset.created_by == cast.administrator
    assert AuditEntry.objects.filter(action="dataset_created", object_id=str(dataset.pk)).exists()


def test_a_corrected_mapping_is_applied_to_the_records_by_the_admin_action(
    client_for, cast, tmp_path
):
    dataset = police_dataset("recategorised")
    path = street_file(tmp_path / "a.csv", [street_row(**{"Crime type": "Other crime"})])
    policeuk_import(dataset=dataset, files=[path], actor=None)
    CategoryMapping.objects.create(
        dataset=dataset,
        source_category="Other crime",
        category=OffenceCategory.objects.get(code="0703"),
    )

    response = client_for(cast.administrator).post(
        reverse("admin:stats_dataset_changelist"),
        {"action": "recategorise", "_selected_action": [dataset.pk]},
    )

    assert response.status_code == 302
    assert CrimeRecord.objects.get(dataset=dataset).category.code == "0703"
    assert AuditEntry.objects.filter(action="dataset_recategorised").exists()


def test_deleting_a_dataset_takes_its_records_and_is_audited(client_for, cast, tmp_path):
    dataset = police_dataset("doomed")
    policeuk_import(
        dataset=dataset, files=[street_file(tmp_path / "a.csv", [street_row()])], actor=None
    )

    client = client_for(cast.administrator)
    confirmation = client.get(reverse("admin:stats_dataset_delete", args=[dataset.pk]))
    response = client.post(
        reverse("admin:stats_dataset_delete", args=[dataset.pk]), {"post": "yes"}
    )

    # The page counts what goes with the dataset instead of listing every record.
    assert confirmation.status_code == 200
    assert b"crime records: 1" in confirmation.content.lower()
    assert response.status_code == 302
    assert not Dataset.objects.filter(name="doomed").exists()
    assert not CrimeRecord.objects.filter(dataset_id=dataset.pk).exists()
    entry = AuditEntry.objects.get(action="dataset_deleted")
    assert entry.changes["records"] == 1
