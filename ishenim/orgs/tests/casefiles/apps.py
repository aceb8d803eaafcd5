from django.apps import AppConfig


class CaseFilesConfig(AppConfig):
    """Test-only app: a sensitive record like those later apps bring, for the policy tests."""

    name = "ishenim.orgs.tests.casefiles"
    label = "casefiles"

    def ready(self):
        from ishenim.orgs import policy
        from ishenim.orgs.tests.casefiles.models import CaseFile

        policy.register(
            CaseFile,
            policy.Scope(
                sensitivity="sensitivity",
                unit="unit",
                organisation="organisation",
                owner="owner",
            ),
        )
