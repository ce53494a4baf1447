"""Settings shared by every environment; environment variables override the defaults."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = os.environ.get("SECRET_KEY", "dev-insecure-change-me")
DEBUG = os.environ.get("DEBUG", "0") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_filters",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "dealercare.core",
    "dealercare.accounts",
    "dealercare.customers",
    "dealercare.operations",
    "dealercare.followups",
    "dealercare.demo",
    "dealercare.imports",
    "dealercare.surveys",
    "dealercare.csi",
    "dealercare.complaints",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "dealercare" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "dealercare.accounts.context_processors.access",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the task worker share one file.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "dealercare" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# dealercare/static (vendor assets, app.css) belongs to no app, so the finders need it named.
STATICFILES_DIRS = [BASE_DIR / "dealercare" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Complaint attachments: outside MEDIA_ROOT and static, served only by a view that checks access.
COMPLAINT_ATTACHMENT_ROOT = Path(
    os.environ.get("COMPLAINT_ATTACHMENT_ROOT", BASE_DIR / "private" / "complaints")
)
# The largest file the importer takes (MB); larger uploads get a clear message, not a 413.
IMPORT_MAX_UPLOAD_MB = int(os.environ.get("IMPORT_MAX_UPLOAD_MB", "200"))
# Files of at least this many rows are cleaned in a second process (imports/cleaner.py); 0: never.
IMPORT_PROCESS_MIN_ROWS = int(os.environ.get("IMPORT_PROCESS_MIN_ROWS", "20000"))
IMPORT_EMPTY_STORE_SHORTCUT = os.environ.get("IMPORT_EMPTY_STORE_SHORTCUT", "1") == "1"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 10  # one working day
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "dealercare.core.api.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "dealercare.core.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"reveal": "60/hour", "auth": "30/minute"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Dealercare API",
    "DESCRIPTION": "Customer archive, operations (deliveries, repair orders) and follow-ups for "
    "car dealers. Token auth: `Authorization: Token <key>`. Every list is scoped to the "
    "stores of the token's user; mobile numbers are masked unless revealed.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name (status, source, channel) get one schema name each.
    "ENUM_NAME_OVERRIDES": {
        "CustomerSourceEnum": "dealercare.customers.choices.CustomerSource",
        "ConsentChannelEnum": "dealercare.customers.choices.ConsentChannel",
        "EventSourceEnum": "dealercare.operations.choices.EventSource",
        "DeliveryStatusEnum": "dealercare.operations.choices.DeliveryStatus",
        "VisitStatusEnum": "dealercare.operations.choices.VisitStatus",
        "InquiryChannelEnum": "dealercare.operations.choices.InquiryChannel",
        "InquiryStatusEnum": "dealercare.operations.choices.InquiryStatus",
        "CustomerKindEnum": "dealercare.customers.choices.CustomerKind",
        "FollowUpTaskKindEnum": "dealercare.followups.choices.TaskKind",
        "FollowUpTaskStatusEnum": "dealercare.followups.choices.TaskStatus",
        "FollowUpChannelEnum": "dealercare.followups.choices.Channel",
        "FollowUpTaskOutcomeEnum": "dealercare.followups.choices.TaskOutcome",
        "CallOutcomeEnum": "dealercare.followups.choices.AttemptOutcome",
        "CallSatisfactionEnum": "dealercare.followups.choices.CallSatisfaction",
        "HandOffDepartmentEnum": "dealercare.followups.choices.Department",
        "HandOffStatusEnum": "dealercare.followups.choices.HandOffStatus",
        "ComplaintChannelEnum": "dealercare.complaints.choices.ComplaintChannel",
        "ComplaintSeverityEnum": "dealercare.complaints.choices.Severity",
        "ComplaintStatusEnum": "dealercare.complaints.choices.ComplaintStatus",
        "ComplaintDepartmentEnum": "dealercare.complaints.choices.Department",
        "ComplaintActionKindEnum": "dealercare.complaints.choices.ActionKind",
        "ComplaintSatisfactionEnum": "dealercare.complaints.choices.CustomerSatisfaction",
        "AttachmentKindEnum": "dealercare.complaints.choices.AttachmentKind",
        "SurveyItemKindEnum": "dealercare.surveys.choices.ItemKind",
        "QuestionnaireVersionStatusEnum": "dealercare.surveys.choices.VersionStatus",
        "SurveyChannelEnum": "dealercare.surveys.choices.ResponseChannel",
        "SurveySourceEnum": "dealercare.surveys.choices.ResponseSource",
        "ActionPlanStatusEnum": "dealercare.csi.choices.PlanStatus",
        "FindingKindEnum": "dealercare.csi.choices.FindingKind",
        "TargetScopeEnum": "dealercare.csi.choices.TargetScope",
        "TargetMetricEnum": "dealercare.csi.choices.TargetMetric",
    },
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
# Swagger UI assets come from the sidecar package, served by WhiteNoise: no CDN at run time.
SPECTACULAR_SETTINGS |= {
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
INSTALLED_APPS.append("drf_spectacular_sidecar")
