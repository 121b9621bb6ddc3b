"""No Docker engine runs here, so the compose file and Dockerfile are checked for structure."""

from __future__ import annotations

import re
import unittest
from pathlib import Path

import yaml

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def settings_sources() -> str:
    """The text of every module that reads settings from the environment."""
    paths = [BASE_DIR / "mcpsite" / "settings.py", *sorted((BASE_DIR / "oauthgw").glob("**/*.py"))]
    return "\n".join(path.read_text() for path in paths if path.exists())


class ComposeFileTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
        cls.services = cls.compose["services"]

    def test_it_names_the_team_services(self) -> None:
        self.assertLessEqual({"postgres", "redis", "migrate", "kubemcp", "proxy", "dex"}, set(self.services))

    def test_the_server_runs_at_least_two_workers_behind_the_proxy(self) -> None:
        self.assertGreaterEqual(self.services["kubemcp"]["deploy"]["replicas"], 2)
        self.assertIn("8000:8000", self.services["proxy"]["ports"])
        nginx = (BASE_DIR / "deploy" / "compose" / "nginx.conf").read_text()
        self.assertIn("server kubemcp:8000", nginx)
        self.assertIn("proxy_buffering off", nginx)

    def test_long_running_services_have_health_checks(self) -> None:
        for name in ("postgres", "redis", "kubemcp", "proxy", "dex"):
            with self.subTest(name):
                self.assertIn("test", self.services[name]["healthcheck"])

    def test_the_database_keeps_its_data_in_a_volume(self) -> None:
        self.assertIn("pgdata", self.compose["volumes"])
        self.assertIn("pgdata:/var/lib/postgresql/data", self.services["postgres"]["volumes"])

    def test_the_server_waits_for_migrations_and_its_dependencies(self) -> None:
        depends = self.services["kubemcp"]["depends_on"]
        self.assertEqual(depends["migrate"]["condition"], "service_completed_successfully")
        self.assertEqual(self.services["migrate"]["depends_on"]["postgres"]["condition"], "service_healthy")

    def test_the_server_is_wired_to_postgresql_and_redis(self) -> None:
        environment = self.services["kubemcp"]["environment"]
        self.assertTrue(environment["DATABASE_URL"].startswith("postgres://"))
        self.assertIn("@postgres:5432/", environment["DATABASE_URL"])
        self.assertEqual(environment["REDIS_URL"], "redis://redis:6379/0")
        self.assertEqual(environment["DEBUG"], "false")

    def test_every_variable_it_sets_is_one_the_settings_read(self) -> None:
        sources = settings_sources()
        for name in self.services["kubemcp"]["environment"]:
            with self.subTest(name):
                self.assertTrue(f'"{name}"' in sources, f"{name} is not read by the settings")


class DockerfileTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.text = (BASE_DIR / "Dockerfile").read_text()

    def test_it_runs_as_a_non_root_user(self) -> None:
        users = re.findall(r"^USER\s+(\S+)", self.text, re.MULTILINE)
        self.assertTrue(users)
        self.assertNotIn(users[-1], ("root", "0"))

    def test_it_serves_daphne_on_port_8000_with_a_health_check(self) -> None:
        self.assertIn("EXPOSE 8000", self.text)
        self.assertIn("HEALTHCHECK", self.text)
        self.assertIn("mcpsite.asgi:application", self.text)

    def test_everything_it_copies_exists(self) -> None:
        for sources in re.findall(r"^COPY (?!--from)(.+) \S+$", self.text, re.MULTILINE):
            for source in sources.split():
                with self.subTest(source):
                    self.assertTrue((BASE_DIR / source).exists(), source)
