"""Settings for cppcc-portal: one module, driven by the environment.

Unset variables fall back to an embedded default that needs no service: SQLite in WAL mode and a
filesystem Celery broker.  ``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and Redis.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONCE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Off unless asked for: `make run` (Makefile, Procfile.dev) and the tests (tests/settings.py) turn it on.
DEBUG = env.bool("DEBUG", default=False)
# A development key only when DEBUG is on; production must set one (env raises ImproperlyConfigured).
SECRET_KEY = env.str("SECRET_KEY") if not DEBUG else env.str("SECRET_KEY", default="dev-insecure-cppcc-portal")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # ours first: their templates and translations take precedence over the libraries'
    "core",
    "notifications",
    "groups",
    "activities",
    "plenary",
    "proposals",
    "consultations",
    "assessments",
    "core.admin_app.PortalAdminConfig",  # django.contrib.admin, every write through a service (core.admin_doors)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # third party
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "simple_history",
    "django_celery_beat",
    "csp",
    "axes",
]
# The demo loaders and `manage.py seed_demo` (demo/): for development, the tests and the benchmarks; a production
# settings file never loads them. DEMO=true adds them with DEBUG off (a staging site that shows the demo).
DEMO = env.bool("DEMO", default=DEBUG)
if DEMO:
    INSTALLED_APPS.insert(INSTALLED_APPS.index("assessments") + 1, "demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "cppcc_portal.urls"
WSGI_APPLICATION = "cppcc_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "groups.context_processors.portal",
                "cppcc_portal.workbench.context_processors.staff_tools",
                "notifications.context_processors.notifications",
                "core.context_processors.accessibility",
            ],
        },
    },
]
# Django's widget templates, the select and the plain inputs written without the template engine (the same HTML)
FORM_RENDERER = "core.form_renderer.FastRenderer"

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # The web server, the worker and beat share one file: WAL lets readers run beside a writer,
    # IMMEDIATE transactions plus a busy timeout queue writers instead of "database is locked".
    # core.sqlite3 is Django's backend plus PRAGMA optimize as each connection closes (planner statistics).
    # A 32 MB page cache per connection instead of SQLite's 2 MB: sorts and groupings bigger than the cache go
    # through temporary files (the roll-up's member statement at 5,000 members: 230 -> 211 ms of CPU).
    DATABASES["default"]["ENGINE"] = "core.sqlite3"
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # No JIT: our page queries are short, but a correlated subquery can inflate the planner's cost
        # estimate past jit_above_cost and PostgreSQL then spends ~1 s compiling a 100 ms query (the duty
        # record's proposal query at 50,000 members: 1157 ms with JIT, 111 ms without; docs/operations.md).
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out login before the password is checked
    "django.contrib.auth.backends.ModelBackend",
]
# The proxies in front of the web hosts (docs/deploy.md): addresses or networks (TRUSTED_PROXIES=10.0.0.10) and
# how many of them a request passes (nginx alone: 1). Only a request from one of them has its client address
# read from X-Forwarded-For (core.net.client_ip); from anywhere else the header is ignored.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an address or a network") from None
if TRUSTED_PROXY_COUNT < 1:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 1 or more")
# Lock a username from one client address after repeated failures; staff can unlock in the admin.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The same address as the audit trail records; axes calls this before (and instead of) django-ipware.
AXES_CLIENT_IP_CALLABLE = "core.net.client_ip"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Getting into an account without a password (core/accounts.py): a member's first-login link, the reset e-mail
# (Django's PASSWORD_RESET_TIMEOUT, in seconds) and the SMS code with its limits.
FIRST_LOGIN_LINK_DAYS = env.int("FIRST_LOGIN_LINK_DAYS", default=14)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60 * 24)
SMS_CODE_MINUTES = env.int("SMS_CODE_MINUTES", default=10)
SMS_CODE_MAX_ATTEMPTS = env.int("SMS_CODE_MAX_ATTEMPTS", default=5)
SMS_CODE_INTERVAL_SECONDS = env.int("SMS_CODE_INTERVAL_SECONDS", default=60)  # between two codes to one number
SMS_CODE_MAX_PER_PHONE_PER_DAY = env.int("SMS_CODE_MAX_PER_PHONE_PER_DAY", default=5)
SMS_CODE_MAX_PER_IP_PER_HOUR = env.int("SMS_CODE_MAX_PER_IP_PER_HOUR", default=10)
# The e-mail reset link's own limits (core.services.password_reset_email_request): per address and per network address.
PASSWORD_RESET_EMAIL_INTERVAL_SECONDS = env.int("PASSWORD_RESET_EMAIL_INTERVAL_SECONDS", default=60)
PASSWORD_RESET_EMAIL_MAX_PER_DAY = env.int("PASSWORD_RESET_EMAIL_MAX_PER_DAY", default=5)
PASSWORD_RESET_EMAIL_MAX_PER_IP_PER_HOUR = env.int("PASSWORD_RESET_EMAIL_MAX_PER_IP_PER_HOUR", default=10)
# The public mailbox 委员信箱 (activities.services.mailbox): messages one address may leave per hour and per day, messages
# one page (committee, group, platform, contact point) takes per hour, days a member has to answer, and the seconds
# the challenge form must have been open before it is sent (bots post at once).
MAILBOX_PER_ADDRESS_PER_HOUR = env.int("MAILBOX_PER_ADDRESS_PER_HOUR", default=3)
MAILBOX_PER_ADDRESS_PER_DAY = env.int("MAILBOX_PER_ADDRESS_PER_DAY", default=10)
MAILBOX_PER_TARGET_PER_HOUR = env.int("MAILBOX_PER_TARGET_PER_HOUR", default=30)
MAILBOX_ANSWER_DAYS = env.int("MAILBOX_ANSWER_DAYS", default=15)
MAILBOX_MIN_SECONDS = env.int("MAILBOX_MIN_SECONDS", default=3)
# How a member's login is named when staff create logins in bulk (groups.services.logins), unless their
# committee chose otherwise: "phone" (the mobile number) or "pinyin" (the name in pinyin, e.g. zhangsan).
MEMBER_USERNAME_RULE = env.str("MEMBER_USERNAME_RULE", default="phone")
if MEMBER_USERNAME_RULE not in ("phone", "pinyin"):
    raise ImproperlyConfigured("MEMBER_USERNAME_RULE must be phone or pinyin")

# --- Language and time ------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Covering indexes (Index.include) are for PostgreSQL, the production database; the embedded SQLite
# gets the same indexes on their key columns, which is all it can do.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Uploads (activity evidence, signed replies, session documents, attachments) are private: they are served
# only by the portal's own views after a permission check, never from a public URL. With more than one
# web or worker host they live in a shared store: either MEDIA_ROOT on a shared file system (NFS), or,
# with STORAGE_BACKEND=s3, a bucket of any S3-compatible service through django-storages (docs/deploy.md).
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="local")
if STORAGE_BACKEND == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),  # MinIO, Ceph, a cloud's S3 API
            "region_name": env.str("AWS_S3_REGION_NAME", default=None),
            "access_key": env.str("AWS_ACCESS_KEY_ID", default=None),
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default=None),
            "location": env.str("AWS_LOCATION", default=""),  # a key prefix inside the bucket
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="path"),
            "default_acl": "private",  # every object private; the bucket must not be public either
            "querystring_auth": True,  # any URL the storage makes is signed and short-lived ...
            "querystring_expire": 60,  # ... though the portal streams files itself and hands out none
            "file_overwrite": False,  # two uploads with one name never replace each other
        },
    }
elif STORAGE_BACKEND != "local":
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'local' or 's3', not {STORAGE_BACKEND!r}")
# Size limits of uploads, checked with their types by core.uploads.UploadValidator on every FileField:
# activity evidence and session documents; signed replies and proposal attachments.
FILE_UPLOAD_MAX_BYTES = env.int("FILE_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
# An image is refused above this many pixels, read from its header before anything decodes it: a 22 KB PNG of
# 9400×9400 would otherwise cost about 0.6 GB to thumbnail. 40 megapixels covers any phone or camera photo.
UPLOAD_MAX_IMAGE_PIXELS = env.int("UPLOAD_MAX_IMAGE_PIXELS", default=40_000_000)
if UPLOAD_MAX_IMAGE_PIXELS < 1_000_000:
    raise ImproperlyConfigured("UPLOAD_MAX_IMAGE_PIXELS must be at least 1,000,000 (one megapixel).")
PROPOSAL_UPLOAD_MAX_BYTES = env.int("PROPOSAL_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
# A plenary session's admin page posts about 9 fields per member: Django's default of 1,000 fields refused
# (400) the save of any session with more than ~110 members recorded. 20,000 covers a 2,000-member committee.
# A request body without its files (a form's fields, an API call's JSON): Django's default of 2.5 MB, applied
# to the API's parsers too (core/parsers.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=20000)
# The largest request body a client may send: the largest upload plus the rest of its form. nginx's
# client_max_body_size (deploy/nginx/cppcc-portal.conf) is this in whole MB, rounded up (docs/deploy.md;
# tests/core/test_deploy_safety.py compares them).
REQUEST_MAX_BYTES = max(FILE_UPLOAD_MAX_BYTES, PROPOSAL_UPLOAD_MAX_BYTES) + DATA_UPLOAD_MAX_MEMORY_SIZE

# --- Cache ------------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Like Django's RedisCache, but a Redis outage means "no cache" (logged), not a 500 on every page.
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": env.str("CACHE_URL", default=REDIS_URL),
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="cppcc"),
            "OPTIONS": {
                "socket_connect_timeout": env.float("CACHE_CONNECT_TIMEOUT", default=1.0),
                "socket_timeout": env.float("CACHE_TIMEOUT", default=1.0),
                "RETRY_SECONDS": env.float("CACHE_RETRY_SECONDS", default=5.0),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# A running roll-up's stage (assessments/progress.py), written by the worker inside its open transaction and
# read by the web process: the shared Redis when there is one, else files under var/ (local memory is per
# process, and a database cache would sit inside the roll-up's uncommitted transaction).
CACHES["rollup-progress"] = (
    {**CACHES["default"], "TIMEOUT": 24 * 3600}
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache" / "rollup-progress"),
        "TIMEOUT": 24 * 3600,
    }
)

# --- Celery -----------------------------------------------------------------------------------
# Without Redis the broker is a pair of folders on disk, so `make run` needs no service.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = VAR_DIR / "celery-queue"
    _queue_dir.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "celery-processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery-processed"),
        "control_folder": str(VAR_DIR / "celery-control"),
        "store_processed": False,
        "polling_interval": 0.2,  # the worker notices Ctrl-C (warm shutdown) within a poll, not after seconds
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Publishing from a web request while Redis is down fails within about a second (the outbox keeps the
    # message) instead of kombu's default of retrying for several seconds inside the request.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.5,
        "interval_max": 0.5,
        "socket_connect_timeout": env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=2.0),
    }
if REDIS_URL:
    _default_results = REDIS_URL
else:
    (VAR_DIR / "celery-results").mkdir(parents=True, exist_ok=True)
    _default_results = f"file://{VAR_DIR / 'celery-results'}"
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=_default_results)
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: a missing, expired or revoked token is 401 with WWW-Authenticate (session auth would make it 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON and form bodies capped at DATA_UPLOAD_MAX_MEMORY_SIZE (413), like Django's own forms.
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser", "core.parsers.FormParser", "core.parsers.MultiPartParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "core.api.FilterBackend",  # django-filter with bounded numbers
        "rest_framework.filters.SearchFilter",
        "core.api.OrderingFilter",  # the id as the last key: pages hold still
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",  # lists each operation's 400/403/404/409
    # One mapping of services' refusals for every app: NotPermitted 403, ConcurrentEdit 409, DomainError 400.
    "EXCEPTION_HANDLER": "core.api_errors.exception_handler",
}
# API tokens (django-rest-knox): POST /api/v1/auth/token/ issues one per device; it lasts API_TOKEN_TTL_HOURS, only
# its hash is stored, and logging out, /api/v1/auth/logout/(all/) or a new password revoke it (core.services).
API_TOKEN_TTL = timedelta(hours=env.float("API_TOKEN_TTL_HOURS", default=12))
if timedelta(0) >= API_TOKEN_TTL:
    raise ImproperlyConfigured("API_TOKEN_TTL_HOURS must be more than 0")
KNOX_TOKEN_MODEL = "core.ApiToken"  # noqa: S105 (a model label)
# knox's own migrations create its default token table even when the model is swapped out, and that unused table's
# foreign key to the user table makes PostgreSQL refuse the TRUNCATE of test flushes: knox needs no table of its own.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {"TOKEN_TTL": API_TOKEN_TTL, "AUTH_HEADER_PREFIX": "Token", "AUTO_REFRESH": False}
SPECTACULAR_SETTINGS = {
    "TITLE": "cppcc-portal API",
    "DESCRIPTION": "政协委员履职服务平台 API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No deep links: with them Swagger UI puts a link (the path, href="#/tag/operation") inside each operation's
    # summary button, which axe-core reports as nested interactive controls (WCAG 4.1.2); without, the path is text.
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "kind", "state", "level" or "status" of their own: name each enum.
    "ENUM_NAME_OVERRIDES": {
        "NotificationKindEnum": "cppcc_portal.schema_enums.NotificationKind",
        "ContactPointKindEnum": "cppcc_portal.schema_enums.ContactPointKind",
        "ActivityGroupKindEnum": "cppcc_portal.schema_enums.ActivityGroupKind",
        "PlatformKindEnum": "cppcc_portal.schema_enums.PlatformKind",
        "ActivityKindEnum": "cppcc_portal.schema_enums.ActivityKind",
        "EvidenceKindEnum": "cppcc_portal.schema_enums.EvidenceKind",
        "HolidayKindEnum": "cppcc_portal.schema_enums.HolidayKind",
        "ProposalKindEnum": "cppcc_portal.schema_enums.ProposalKind",
        "ParticipantKindEnum": "cppcc_portal.schema_enums.ParticipantKind",
        "SessionDocumentKindEnum": "cppcc_portal.schema_enums.SessionDocumentKind",
        "OutcomeEntryKindEnum": "cppcc_portal.schema_enums.OutcomeEntryKind",
        "PointRuleKindEnum": "cppcc_portal.schema_enums.PointRuleKind",
        "CommitteeLevelEnum": "cppcc_portal.schema_enums.CommitteeLevel",
        "PlatformLevelEnum": "cppcc_portal.schema_enums.PlatformLevel",
        "AdoptionLevelEnum": "cppcc_portal.schema_enums.AdoptionLevel",
        "GroupMembershipRoleEnum": "cppcc_portal.schema_enums.GroupMembershipRole",
        "CommitteeStaffRoleEnum": "cppcc_portal.schema_enums.CommitteeStaffRole",
        "AssignmentRoleEnum": "cppcc_portal.schema_enums.AssignmentRole",
        "ActivityStateEnum": "cppcc_portal.schema_enums.ActivityState",
        "ProposalStateEnum": "cppcc_portal.schema_enums.ProposalState",
        "OpinionReportStateEnum": "cppcc_portal.schema_enums.OpinionReportState",
        "TopicStateEnum": "cppcc_portal.schema_enums.TopicState",
        "ConsultationSessionStateEnum": "cppcc_portal.schema_enums.ConsultationSessionState",
        "OutcomeStateEnum": "cppcc_portal.schema_enums.OutcomeState",
        "DeliveryStatusEnum": "cppcc_portal.schema_enums.DeliveryStatus",
        "MemberStatusEnum": "cppcc_portal.schema_enums.MemberStatus",
        "AttendanceStatusEnum": "cppcc_portal.schema_enums.AttendanceStatus",
        "CoSignerStatusEnum": "cppcc_portal.schema_enums.CoSignerStatus",
        "ConsultationAttendanceStatusEnum": "cppcc_portal.schema_enums.ConsultationAttendanceStatus",
        "RollupRunStatusEnum": "cppcc_portal.schema_enums.RollupRunStatus",
        "ProposalCategoryEnum": "cppcc_portal.schema_enums.ProposalCategory",
        "ContactTopicEnum": "cppcc_portal.schema_enums.ContactTopic",
        "EnterTargetEnum": "cppcc_portal.schema_enums.EnterTarget",
        "MessageTargetEnum": "cppcc_portal.schema_enums.MessageTarget",
        "PlatformStateEnum": "cppcc_portal.schema_enums.PlatformState",
        "PlatformMembershipRoleEnum": "cppcc_portal.schema_enums.PlatformMembershipRole",
        "PlatformDocumentKindEnum": "cppcc_portal.schema_enums.PlatformDocumentKind",
        "LeadStateEnum": "cppcc_portal.schema_enums.LeadState",
    },
}

# --- Import/export ------------------------------------------------------------------------------
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# Formula injection is handled by core.exports.neutralise_dataset for every admin export. The library's own
# escape stays off: it turns every cell into text (numbers too, an empty cell into "None") and only drops "=".
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False
# An export of more rows than this is prepared by a worker and downloaded from "My exports" (core.export_jobs);
# up to it, it is built in the request. A workbook row costs 0.3-0.45 ms to write (openpyxl, 17 cells or three
# sheets of 6-9), so 2,000 rows keep a request under about a second (bench/README.md, the exports at 50k).
EXPORT_BACKGROUND_ROWS = env.int("EXPORT_BACKGROUND_ROWS", default=2000)
# The hourly tidy (core.tasks.tidy_exports): a prepared file is removed this many days after it was ready; a job
# waiting or being prepared for longer than EXPORT_STUCK_MINUTES is sent to a worker again, and one still not ready
# after EXPORT_KEEP_DAYS is failed (its requester is told).
EXPORT_KEEP_DAYS = env.int("EXPORT_KEEP_DAYS", default=7)
EXPORT_STUCK_MINUTES = env.int("EXPORT_STUCK_MINUTES", default=30)

# --- Security (hardened further when DEBUG is off) ----------------------------------------------
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=False)
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "core.views.csrf_failure"  # "this page has expired: reload", in the portal's layout
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers probe over plain HTTP inside the network; a 301 to https:// would mark the host down.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# No inline scripts anywhere: a script needs a file under static/ or the request's nonce
# (`<script nonce="{{ request.csp_nonce }}">`). Inline style attributes stay allowed (the admin uses them).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": ["'none'"],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": ["'none'"],
    }
}

# An audit verb missing from the registry (core/verbs.py) is refused where this is on (development and the tests),
# so a new verb cannot reach the pages unlabelled; production records it as written.
AUDIT_VERBS_STRICT = env.bool("AUDIT_VERBS_STRICT", default=DEBUG)

# --- E-mail -----------------------------------------------------------------------------------
# The console backend unless configured. SMTP either as one URL — EMAIL_URL=smtp+ssl://user:password@smtp.example.cn:465
# (implicit TLS), smtp+tls://…:587 (STARTTLS), smtp://host:25 (plain; percent-encode @ in the user) — or field by
# field with EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST etc. EMAIL_URL wins.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="cppcc-portal@localhost")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
if env.str("EMAIL_URL", default=""):
    _email = env.email_url("EMAIL_URL")
    EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT = (
        _email["EMAIL_BACKEND"],
        _email["EMAIL_HOST"] or EMAIL_HOST,
        _email["EMAIL_PORT"] or EMAIL_PORT,
    )
    EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_USER"] or "", _email["EMAIL_HOST_PASSWORD"] or ""
    EMAIL_USE_TLS, EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_TLS")), bool(_email.get("EMAIL_USE_SSL"))
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS (STARTTLS) and EMAIL_USE_SSL (implicit TLS) exclude each other.")

# --- Notifications ------------------------------------------------------------------------------
# The portal's address as members reach it (scheme and host, no path): every absolute link is built on it
# (core.links.absolute_url: e-mail, SMS, the calendar feed, the sign-in QR code, the API's download links).
# `check --deploy` warns while it is still a local or plain-http address (core/checks.py).
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
_base = urlsplit(PORTAL_BASE_URL)
if _base.scheme not in ("http", "https") or not _base.hostname or _base.path not in ("", "/") or _base.query:
    raise ImproperlyConfigured(
        f"PORTAL_BASE_URL must be a scheme and host such as https://portal.example.gov.cn, not {PORTAL_BASE_URL!r}"
    )
# SMS: an adapter with send(phone, template_id, params) -> receipt id. The console one logs (phone masked);
# notifications.sms.AliyunSmsBackend sends through Alibaba Cloud SMS (SendSms) with the ALIYUN_SMS_* below.
NOTIFICATIONS_SMS_BACKEND = env.str("NOTIFICATIONS_SMS_BACKEND", default="notifications.sms.ConsoleSmsBackend")
# An .env that names the adapter by its older path (core.notifications.sms.…) still works.
if NOTIFICATIONS_SMS_BACKEND.startswith("core.notifications."):
    NOTIFICATIONS_SMS_BACKEND = NOTIFICATIONS_SMS_BACKEND.removeprefix("core.")
# The approved SMS template per notice kind, "default" for the rest: default=SMS_123,reply_overdue=SMS_456.
# The templates take one variable, ${title}.
NOTIFICATIONS_SMS_TEMPLATES = env.dict("NOTIFICATIONS_SMS_TEMPLATES", default={"default": "SMS_NOTICE"})
# Delivery receipts (POST /notifications/receipts/sms/?token=…): off while empty.
NOTIFICATIONS_RECEIPT_TOKEN = env.str("NOTIFICATIONS_RECEIPT_TOKEN", default="")
ALIYUN_SMS_ACCESS_KEY_ID = env.str("ALIYUN_SMS_ACCESS_KEY_ID", default="")
ALIYUN_SMS_ACCESS_KEY_SECRET = env.str("ALIYUN_SMS_ACCESS_KEY_SECRET", default="")
ALIYUN_SMS_SIGN_NAME = env.str("ALIYUN_SMS_SIGN_NAME", default="")
ALIYUN_SMS_REGION = env.str("ALIYUN_SMS_REGION", default="cn-hangzhou")
ALIYUN_SMS_ENDPOINT = env.str("ALIYUN_SMS_ENDPOINT", default="https://dysmsapi.aliyuncs.com/")
ALIYUN_SMS_TIMEOUT = env.float("ALIYUN_SMS_TIMEOUT", default=10.0)
# The vendor's rate limit (isv.BUSINESS_LIMIT_CONTROL): wait at least this long, doubling per attempt, at most 6 h.
NOTIFICATIONS_SMS_LIMIT_BACKOFF_SECONDS = env.int("NOTIFICATIONS_SMS_LIMIT_BACKOFF_SECONDS", default=300)
if NOTIFICATIONS_SMS_BACKEND.endswith("AliyunSmsBackend") and not (
    ALIYUN_SMS_ACCESS_KEY_ID and ALIYUN_SMS_ACCESS_KEY_SECRET and ALIYUN_SMS_SIGN_NAME
):
    raise ImproperlyConfigured(
        "AliyunSmsBackend needs ALIYUN_SMS_ACCESS_KEY_ID, ALIYUN_SMS_ACCESS_KEY_SECRET and ALIYUN_SMS_SIGN_NAME."
    )
# E-mail and SMS are opt-in per person and kind (the settings page); in-app is always on.
NOTIFICATIONS_BATCH_SIZE = env.int("NOTIFICATIONS_BATCH_SIZE", default=100)
# A claimed delivery whose worker died is claimed again after this long; longer than one batch takes.
NOTIFICATIONS_LEASE_SECONDS = env.int("NOTIFICATIONS_LEASE_SECONDS", default=300)
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=5)
NOTIFICATIONS_RETRY_BASE_SECONDS = env.int("NOTIFICATIONS_RETRY_BASE_SECONDS", default=60)
# drain_outbox (beat, every minute) leaves rows younger than this to the request that wrote them.
NOTIFICATIONS_OUTBOX_GRACE_SECONDS = env.int("NOTIFICATIONS_OUTBOX_GRACE_SECONDS", default=30)
# An event delivery handed to the broker keeps its outbox row until it is done; if not done within this long (its
# worker died holding it), drain_outbox publishes it again (the receipt makes a second copy harmless).
EVENTS_DELIVERY_LEASE_SECONDS = env.int("EVENTS_DELIVERY_LEASE_SECONDS", default=300)
# One sender task works this long, then queues a follow-up, so other tasks get the worker in between.
NOTIFICATIONS_TASK_BUDGET_SECONDS = env.float("NOTIFICATIONS_TASK_BUDGET_SECONDS", default=50.0)
# The daily e-mail digest (staff who choose it) lists what arrived before this local time each day ("HH:MM").
_digest_time = env.str("NOTIFICATIONS_DIGEST_TIME", default="17:30")
try:
    NOTIFICATIONS_DIGEST_TIME = tuple(int(part) for part in _digest_time.split(":"))
except ValueError:
    NOTIFICATIONS_DIGEST_TIME = ()
if len(NOTIFICATIONS_DIGEST_TIME) != 2 or not (
    0 <= NOTIFICATIONS_DIGEST_TIME[0] < 24 and 0 <= NOTIFICATIONS_DIGEST_TIME[1] < 60
):
    raise ImproperlyConfigured(f"NOTIFICATIONS_DIGEST_TIME must be HH:MM, not {_digest_time!r}")

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "core.logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": env.str("LOG_FORMAT", default="plain")}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Demo ---------------------------------------------------------------------------------------
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 (the demo logins' published password; production has no demo)
PORTAL_TITLE = _("CPPCC Member Services Portal")

# Tests run their worker on their own queue, so a developer's `make run` worker never takes their tasks.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
if "sqlite" in DATABASES["default"]["ENGINE"]:
    # A file, not memory, so a real Celery worker in the integration tests sees the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
