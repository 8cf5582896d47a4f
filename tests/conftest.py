from __future__ import annotations

import os
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from kombu import pools as kombu_pools

from emuchat.celery import app as celery_app
from messaging import rate
from messaging.backends import locmem
from messaging.models import SenderNumber
from tests.support import services
from tests.support.worker import Worker
from workspaces.models import Membership, Workspace

# Playwright's sync API runs an event loop in this thread; the ORM calls made
# by the tests themselves are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _local_defaults(settings):
    """Unit tests run tasks in-process and hand texts to the locmem outbox."""
    # Fast password hashing: real hashing costs ~1 s per test user on these machines.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SMS_BACKEND = "messaging.backends.locmem.SmsBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://emu.example.com"
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    settings.STORAGES = settings.STORAGES | {
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    }
    # The per-sender rate counts in this process: no Redis state shared between tests.
    settings.SMS_RATE_LIMIT_REDIS_URL = ""
    rate.reset_local()
    celery_app.conf.task_always_eager = True
    locmem.outbox.clear()
    # Rate-limit counts live in the cache; on SQLite a rolled-back test's ids (tokens, users) come
    # back in the next test, so a count left behind would throttle a stranger. Cleared before the
    # test only: by teardown a fault test may have pointed the cache at a Redis it has stopped.
    cache.clear()
    yield
    locmem.outbox.clear()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # The inbound spool: this test's own directory, and no Redis unless a test asks for it.
    settings.INBOUND_SPOOL_DIR = tmp_path / "spool"
    settings.INBOUND_SPOOL_REDIS_URL = ""


@pytest.fixture
def sms_outbox():
    return locmem.outbox


def make_user(username: str, first_name: str):
    return get_user_model().objects.create_user(
        username=username, password=PASSWORD, first_name=first_name, email=f"{username}@example.com"
    )


@pytest.fixture
def workspace(db):
    workspace = Workspace.objects.create(name="Acme Bakery", slug="acme", default_region="US")
    SenderNumber.objects.create(workspace=workspace, phone="+14155550100", label="Main line")
    return workspace


@pytest.fixture
def member(workspace):
    """Alice, an owner of the workspace (owners also manage members, numbers, settings, tokens)."""
    user = make_user("alice", "Alice")
    Membership.objects.create(workspace=workspace, user=user, role=Membership.Role.OWNER)
    return user


@pytest.fixture
def teammate(workspace):
    """Bob, a member of the same workspace (role member: owner-only pages answer 403)."""
    user = make_user("bob", "Bob")
    Membership.objects.create(workspace=workspace, user=user, role=Membership.Role.MEMBER)
    return user


@pytest.fixture
def other_workspace(db):
    workspace = Workspace.objects.create(name="Globex", slug="globex", default_region="GB")
    SenderNumber.objects.create(workspace=workspace, phone="+447700900100", label="UK line")
    return workspace


@pytest.fixture
def outsider(other_workspace):
    """Charlie, a member of another workspace only: gets 404 everywhere in ours."""
    user = make_user("charlie", "Charlie")
    Membership.objects.create(workspace=other_workspace, user=user, role=Membership.Role.OWNER)
    return user


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def outsider_client(client, outsider):
    client.force_login(outsider)
    return client


# --- real services -----------------------------------------------------------------


@pytest.fixture
def postgres():
    services.require_postgres()


@pytest.fixture(scope="session")
def redis_url():
    return services.require_redis()


@pytest.fixture
def celery_worker(redis_url, transactional_db, settings):
    """A real worker process, consuming a private queue on Redis, reading the test database.

    Tasks enqueued by the test go through Redis to that process; use with
    committed data (this fixture implies ``transactional_db``).
    """
    services.require_postgres()
    queue = f"emuchat-test-{uuid.uuid4().hex[:8]}"
    database = connection.settings_dict
    database_url = (
        f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST'] or '127.0.0.1'}"
        f":{database['PORT'] or 5432}/{database['NAME']}"
    )
    previous = {key: celery_app.conf[key] for key in ("broker_url", "result_backend", "task_default_queue")}
    celery_app.conf.update(
        broker_url=redis_url, result_backend=redis_url, task_default_queue=queue, task_always_eager=False
    )
    _reset_connections()
    worker = Worker(broker=redis_url, database_url=database_url, queue=queue, extra_env=_worker_env(settings))
    worker.start(celery_app)
    try:
        yield worker
    finally:
        worker.stop()
        celery_app.conf.update(previous, task_always_eager=True)
        _reset_connections()


def _reset_connections() -> None:
    """Drop pooled broker connections so a changed broker_url takes effect."""
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    kombu_pools.reset()
    # The result backend is cached too (per thread, or once if thread-safe).
    celery_app._backend_cache = None
    celery_app._local.__dict__.pop("backend", None)


def _worker_env(settings) -> dict[str, str]:
    return {
        "SMS_BACKEND": os.environ.get("TEST_WORKER_SMS_BACKEND", "tests.support.recording_backend.SmsBackend"),
        "SITE_URL": settings.SITE_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "EMAIL_BACKEND": "tests.support.file_email_backend.EmailBackend",
        "DEBUG": "true",
    }


# --- browser -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": services.require_chromium(),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
        ],
    }
