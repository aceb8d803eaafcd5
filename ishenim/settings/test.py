"""Test overlay: the same settings, with what makes a test run fast and self-contained."""

import os

os.environ.setdefault("ISHENIM_ENV", "test")
# A fixed key: the suite must not write a key file into ./var.
os.environ.setdefault("SECRET_KEY", "test-only-key-" + "x" * 40)

from ishenim.settings import *  # noqa: F403
from ishenim.settings import DATABASES, INSTALLED_APPS

# Hashing with Argon2's production cost would dominate the suite; the hasher choice itself
# is asserted in orgs' tests against the real settings list.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
OUTBOUND_DELIVERY = "log"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Nothing is collected for tests: WhiteNoise serves from the finders.
STATIC_ROOT = None
# A stand-in for the sensitive records that later apps bring (appeals, incidents), so that
# orgs.policy can be tested on a real model and a real queryset.
INSTALLED_APPS = [*INSTALLED_APPS, "ishenim.orgs.tests.casefiles"]
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
