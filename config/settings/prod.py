"""Production settings: PostgreSQL through DATABASE_URL, secrets from the environment."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

DEBUG = False
if SECRET_KEY == "dev-insecure-change-me":  # noqa: F405, S105
    raise ImproperlyConfigured("Set SECRET_KEY in the environment for production.")
SESSION_COOKIE_SECURE = os.environ.get("SECURE_COOKIES", "1") == "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Rate limits (mobile reveals, API tokens, the public complaint form and survey links) count in
# the cache; gunicorn's workers must share it, so production keeps it in the database
# (`manage.py createcachetable` once). CACHE_BACKEND/CACHE_LOCATION switch to e.g. Redis.
CACHES = {
    "default": {
        "BACKEND": os.environ.get("CACHE_BACKEND", "django.core.cache.backends.db.DatabaseCache"),
        "LOCATION": os.environ.get("CACHE_LOCATION", "dealercare_cache"),
    }
}
