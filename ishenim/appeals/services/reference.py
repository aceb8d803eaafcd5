"""The service list and the default deadline rule, seeded after every `migrate`
(AppealsConfig connects it to post_migrate), so that `make run`, CI and the test database
all have them. Only missing rows are added: categories and rules are the administrators' to
edit in the admin afterwards, and a release must not undo their edits. Not audited: this is
code arriving with a release, not somebody's change.
"""

from django.db import DEFAULT_DB_ALIAS

from ishenim.appeals import config


def appeals_reference_seed(*, category_model, rule_model, using: str = DEFAULT_DB_ALIAS) -> None:
    existing = set(category_model.objects.using(using).values_list("code", flat=True))
    new = []
    for code, sensitivity, position, (name_en, name_ru, name_ky) in config.CATEGORIES:
        if code in existing:
            continue
        template_en, template_ru, template_ky = config.ANSWER_TEMPLATES.get(code, ("", "", ""))
        new.append(
            category_model(
                code=code,
                sensitivity=sensitivity,
                position=position,
                name_en=name_en,
                name_ru=name_ru,
                name_ky=name_ky,
                answer_template_en=template_en,
                answer_template_ru=template_ru,
                answer_template_ky=template_ky,
            )
        )
    category_model.objects.using(using).bulk_create(new)
    if not rule_model.objects.using(using).filter(organisation_kind="").exists():
        rule_model.objects.using(using).create(organisation_kind="", **config.DEFAULT_DEADLINE_RULE)
