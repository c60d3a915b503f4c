"""Settings for the test suite: the same as production's shape, faster and quieter.

`DATABASE_URL` / `REDIS_URL` select PostgreSQL and Redis exactly as in `settings`;
without them the suite runs on SQLite and the in-memory layer.
"""

from server.settings import *  # noqa: F403
from server.settings import DATA_DIR, DATABASES, TASKS

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS["default"] = {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}
MEDIA_ROOT = DATA_DIR / "test-media"
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["NAME"] = str(DATA_DIR / "test.sqlite3")
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-db.sqlite3")}
LOGGING = {"version": 1, "disable_existing_loggers": False}
