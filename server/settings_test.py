"""Settings for the test suite (and the servers it starts): production's shape, faster.

`DATABASE_URL` / `REDIS_URL` select PostgreSQL and Redis exactly as in `settings`;
without them the suite runs on SQLite and the in-memory layer.
"""

import os
import uuid

from server.settings import *  # noqa: F403
from server.settings import DATA_DIR, DATABASES, REDIS_URL, TASKS, env, redis_stores

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS["default"] = {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}
MEDIA_ROOT = DATA_DIR / "test-media"
if DATABASES["default"]["ENGINE"].endswith("sqlite3") and not env.str("SQLITE_PATH", default=""):
    DATABASES["default"]["NAME"] = str(DATA_DIR / "test.sqlite3")
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-db.sqlite3")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, emptying a transactional test's tables faster (tests/postgresql).
    DATABASES["default"]["ENGINE"] = "tests.postgresql"
LOGGING = {"version": 1, "disable_existing_loggers": False}
COHORT_PRESENCE_GRACE = 0.0  # tests of the grace set their own

# Each test run keeps its Redis keys (rate limits among them) and channels apart from any
# other run's on the same Redis (publish/subscribe ignores the db number): its prefix
# carries the run's id, which the servers it starts inherit from the environment, so they
# share its channels. A test that starts a second install names it (COHORT_REDIS_PREFIX).
_RUN = os.environ.setdefault("COHORT_TEST_RUN", uuid.uuid4().hex[:8])
COHORT_REDIS_PREFIX = f"{env.str('COHORT_REDIS_PREFIX', default='') or 'cohort'}.test-{_RUN}"
if REDIS_URL:
    CHANNEL_LAYERS, CACHES = redis_stores(REDIS_URL, COHORT_REDIS_PREFIX)
