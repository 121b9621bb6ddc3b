"""The team deployment's shared backends for tests: a fresh PostgreSQL database and a Redis database per test class,
and the environment of workers that share them.

PostgreSQL (127.0.0.1:5432, user postgres, trust auth) and Redis (127.0.0.1:6379) run on this machine and `.ci/run`
starts them when they are stopped. When either is unreachable the tests fail and say what to start: a missing
backend is a failure, never a skip.
"""

from __future__ import annotations

import contextlib
import random
import secrets
import subprocess
import sys
import uuid
from typing import Any

import psycopg
import redis

from tests.live import BASE_DIR, server_environment

POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER = "127.0.0.1", 5432, "postgres"
POSTGRES = f"host={POSTGRES_HOST} port={POSTGRES_PORT} user={POSTGRES_USER} connect_timeout=5"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
CLAIM_KEY, CLAIM_SECONDS = "kubemcp-test:claimed-by", 1800


class BackendUnavailable(AssertionError):
    """PostgreSQL or Redis cannot be reached: the message says which and how to start it."""


def create_database(stack: contextlib.ExitStack, prefix: str = "kubemcp_test") -> str:
    """A uniquely named, empty PostgreSQL database, dropped (with its open connections) when `stack` closes.

    Register the workers' `stop` on the same stack after this call: callbacks run last-in, first-out, so the
    workers stop before their database goes.
    """
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(f"{POSTGRES} dbname=postgres", autocommit=True)
    except psycopg.OperationalError as error:
        raise BackendUnavailable(
            f"PostgreSQL is not reachable at {POSTGRES_HOST}:{POSTGRES_PORT} as {POSTGRES_USER} "
            f"(.ci/run starts it; start it locally to run these tests): {error}"
        ) from None
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(f"{POSTGRES} dbname=postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    stack.callback(drop)
    return name


def database_url(name: str) -> str:
    return f"postgres://{POSTGRES_USER}@{POSTGRES_HOST}:{POSTGRES_PORT}/{name}"


def redis_url(stack: contextlib.ExitStack | None = None, *, flush: bool = False) -> str:
    """The URL of one of Redis's databases 1-15.

    With `stack` the database is the caller's alone until `stack` closes, and starts and ends empty: a claim key in
    it keeps out the other classes that claim one, so tests that count (rate limits, metrics) see no traffic but
    their own. Without, it is picked at random so that parallel classes rarely share one; `flush` empties it first.
    """
    numbers = random.sample(range(1, 16), 15)
    try:
        if stack is None:
            client = _redis(numbers[0])
            if flush:
                client.flushdb()
            return f"redis://{REDIS_HOST}:{REDIS_PORT}/{numbers[0]}"
        for number in numbers:
            client = _redis(number)
            if client.set(CLAIM_KEY, "1", nx=True, ex=CLAIM_SECONDS):
                break
        else:
            raise BackendUnavailable(
                f"every Redis database 1-15 at {REDIS_HOST}:{REDIS_PORT} is claimed by a running test class (a claim, "
                f"the key {CLAIM_KEY}, expires {CLAIM_SECONDS}s after a class that died holding it)"
            )
        # Not FLUSHDB, which would drop the claim too.
        for key in client.scan_iter(count=1000):
            if key != CLAIM_KEY.encode():
                client.delete(key)
    except redis.RedisError as error:
        raise BackendUnavailable(
            f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT} (.ci/run starts it; start it locally to run these "
            f"tests): {error}"
        ) from None

    def release() -> None:
        with contextlib.suppress(redis.RedisError):
            client.flushdb()

    stack.callback(release)
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/{number}"


def _redis(number: int) -> redis.Redis:
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=number, socket_connect_timeout=5)
    client.ping()
    return client


def create_superuser(env: dict[str, str], username: str, password: str) -> None:
    """A superuser with a local password in the workers' database (`manage.py createsuperuser`), for the admin."""
    created = subprocess.run(
        [sys.executable, "manage.py", "createsuperuser", "--noinput", "--username", username,
         "--email", f"{username}@example.com"],
        cwd=BASE_DIR, env={**env, "DJANGO_SUPERUSER_PASSWORD": password}, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    if created.returncode != 0:
        raise AssertionError(f"createsuperuser {username} failed:\n{created.stderr}")


def shared_environment(database: str, redis: str, **overrides: str) -> dict[str, str]:
    """The environment of every worker of one team deployment, migrated: `manage.py migrate` has run into `database`.
    The workers share a request-state key, as the deployment files give them."""
    shared = {
        "DATABASE_URL": database_url(database),
        "REDIS_URL": redis,
        "MCP_REQUEST_STATE_KEY": secrets.token_hex(32),
    }
    env = server_environment(**{**shared, **overrides})
    migrate = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=BASE_DIR, env=env,
                             capture_output=True, text=True, timeout=120)  # fmt: skip
    if migrate.returncode != 0:
        raise AssertionError(f"migrate into {database} failed:\n{migrate.stderr}")
    return env


def sql(database: str, statement: str, parameters: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run one statement in `database` (committed) and return its rows, if it has any."""
    with psycopg.connect(f"{POSTGRES} dbname={database}") as connection:
        cursor = connection.execute(statement, parameters)
        return cursor.fetchall() if cursor.description else []
