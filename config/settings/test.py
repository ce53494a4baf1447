"""Test settings: fast hashing, tasks run inline, plain static storage."""

import atexit
import shutil
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

SECRET_KEY = "test-secret"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
ALLOWED_HOSTS = ["*"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
# Tests assert the English msgids; tests of the Chinese UI switch language explicitly.
LANGUAGE_CODE = "en"
# Serve static files straight from the apps' static/ folders (no collectstatic on a laptop).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Uploads (imports, complaint attachments) go to a throw-away folder, never into the checkout.
_FILES = Path(tempfile.mkdtemp(prefix="dealercare-test-files-"))
atexit.register(shutil.rmtree, _FILES, ignore_errors=True)
MEDIA_ROOT = _FILES / "media"
COMPLAINT_ATTACHMENT_ROOT = _FILES / "private" / "complaints"
