"""Test settings: the real settings, with a throw-away key and a fast password hasher."""

import os

# Long enough for the rule the settings enforce with DEBUG off (50 characters, 5 different).
os.environ.setdefault("SECRET_KEY", "test-only-not-a-secret-" + "0123456789" * 3)

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# The test client speaks plain http; tests/test_headers.py checks the redirect itself.
SECURE_SSL_REDIRECT = False
# Most tests sign in with `client.force_login`: no second factor unless a test turns it on.
FORTRESS_REQUIRE_MFA = False
