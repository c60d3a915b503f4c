"""Settings for the test suite (and the Daphne it starts): production's shape, faster.

`DATABASE_URL` / `REDIS_URL` select PostgreSQL and Redis exactly as in `settings`;
without them the suite runs on SQLite and the in-memory layer.
"""

from server.settings import *  # noqa: F403
from server.settings import DATA_DIR, DATABASES, TASKS, env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS["default"] = {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}
MEDIA_ROOT = DATA_DIR / "test-media"
if DATABASES["default"]["ENGINE"].endswith("sqlite3") and not env.str("SQLITE_PATH", default=""):
    DATABASES["default"]["NAME"] = str(DATA_DIR / "test.sqlite3")
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-db.sqlite3")}
LOGGING = {"version": 1, "disable_existing_loggers": False}
COHORT_PRESENCE_GRACE = 0.0  # tests of the grace set their own

# Each test run keeps its cache keys (rate limits among them) and its Redis channels apart
# from any other run's on the same Redis (publish/subscribe ignores the db number). The
# servers a run starts inherit its id from the environment, so they share its channels.
if "KEY_PREFIX" in CACHES["default"]:  # noqa: F405
    import os
    import uuid

    _RUN = os.environ.setdefault("COHORT_TEST_RUN", uuid.uuid4().hex[:8])
    CACHES["default"]["KEY_PREFIX"] = f"cohort-test-{_RUN}"  # noqa: F405
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"cohort-test-{_RUN}."  # type: ignore[index]  # noqa: F405
    CHANNEL_LAYERS["rooms"]["CONFIG"]["prefix"] = f"cohort-test-{_RUN}.rooms."  # type: ignore[index]  # noqa: F405
