"""What the shipped deployment files give a worker, read from the files at test time: the image's command and
environment (Dockerfile), and the environment and migration step of docker-compose.yml and of the Kubernetes
manifests, with the operator's secrets filled in and this machine's services put in for the deployment's.

Nothing here is a copy of the files: a variable added to a deployment file reaches the workers the tests start.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

BASE_DIR = Path(__file__).resolve().parent.parent.parent
MANIFESTS = BASE_DIR / "deploy" / "kubernetes"
IMAGE_PORT = "8000"


@dataclass(frozen=True)
class Deployment:
    """One shipped deployment: the migration step each worker waits for, how many workers, and their environment."""

    name: str
    migrate: list[str]  # the migration step's command
    migrate_runs: int  # how many of them start at once (one per pod for an init container)
    workers: int
    command: list[str]  # the workers' command, as in the image
    environment: dict[str, str]  # before this machine's services and paths are put in


# --- the image ---------------------------------------------------------------------------------


def dockerfile_final_stage() -> list[str]:
    """The Dockerfile's instructions after its last FROM, continuation lines joined."""
    text = (BASE_DIR / "Dockerfile").read_text()
    joined = re.sub(r"\\\n", " ", text)
    lines = [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]
    last_from = max(index for index, line in enumerate(lines) if line.upper().startswith("FROM "))
    return lines[last_from + 1 :]


def image_environment() -> dict[str, str]:
    """The ENV of the image (`ENV A=1 B=2` form)."""
    environment: dict[str, str] = {}
    for line in dockerfile_final_stage():
        if line.upper().startswith("ENV "):
            for word in shlex.split(line[4:]):
                name, separator, value = word.partition("=")
                if not separator:
                    raise AssertionError(f"Dockerfile: ENV {line[4:]!r} is not in NAME=value form")
                environment[name] = value
    return environment


def image_command() -> list[str]:
    """ENTRYPOINT + CMD of the image, in their JSON (exec) form."""
    entrypoint: list[str] = []
    command: list[str] = []
    for line in dockerfile_final_stage():
        keyword, _, rest = line.partition(" ")
        if keyword.upper() in ("CMD", "ENTRYPOINT"):
            try:
                value = json.loads(rest)
            except json.JSONDecodeError:
                raise AssertionError(f"Dockerfile: {keyword} {rest} is not in the JSON (exec) form") from None
            if keyword.upper() == "CMD":
                command = value
            else:
                entrypoint = value
    return entrypoint + command


# --- docker compose ----------------------------------------------------------------------------


def compose_interpolate(text: str, shell: Mapping[str, str]) -> str:
    """Compose's variable interpolation: `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
    `${VAR:?error}`, `${VAR?error}`, `${VAR:+alternative}`, with nested expressions in the defaults."""
    result, position = [], 0
    while (start := text.find("$", position)) != -1:
        result.append(text[position:start])
        if text.startswith("$$", start):
            result.append("$")
            position = start + 2
            continue
        if text.startswith("${", start):
            end = _closing_brace(text, start + 2)
            result.append(_expression(text[start + 2 : end], shell))
            position = end + 1
            continue
        match = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)").match(text, start)
        if match is None:
            raise AssertionError(f"compose interpolation: a lone $ in {text!r}")
        result.append(shell.get(match.group(1), ""))
        position = match.end()
    result.append(text[position:])
    return "".join(result)


def _closing_brace(text: str, position: int) -> int:
    depth = 1
    for index in range(position, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return index
    raise AssertionError(f"compose interpolation: no closing brace in {text!r}")


def _expression(body: str, shell: Mapping[str, str]) -> str:
    match = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])(.*))?", body, re.S)
    if match is None:
        raise AssertionError(f"compose interpolation: cannot read ${{{body}}}")
    name, operator, argument = match.groups()
    value = shell.get(name)
    unset = value is None or (operator is not None and operator.startswith(":") and value == "")
    if operator in ("-", ":-"):
        return compose_interpolate(argument, shell) if unset else str(value)
    if operator in ("?", ":?"):
        if unset:
            raise AssertionError(f"compose refuses to start: {name} {compose_interpolate(argument, shell)}")
        return str(value)
    if operator in ("+", ":+"):
        return "" if unset else compose_interpolate(argument, shell)
    return value or ""


def compose_deployment(shell: Mapping[str, str]) -> Deployment:
    """docker-compose.yml's `kubemcp` service and the `migrate` service it waits for, as `shell` would run them."""
    services = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())["services"]
    worker, migrate = services["kubemcp"], services["migrate"]

    def environment(service: dict[str, Any]) -> dict[str, str]:
        given = service.get("environment") or {}
        if isinstance(given, list):
            given = dict(item.split("=", 1) for item in given)
        values = {name: compose_interpolate(str(value), shell) for name, value in given.items()}
        return {**image_environment(), **values}

    if environment(worker) != environment(migrate):
        raise AssertionError("docker-compose.yml: the migrate service and the workers must share one environment")
    return Deployment(
        name="docker-compose.yml",
        migrate=[compose_interpolate(word, shell) for word in migrate["command"]],
        migrate_runs=1,
        workers=int(worker.get("deploy", {}).get("replicas", 1)),
        command=worker.get("command") or image_command(),
        environment=environment(worker),
    )


# --- Kubernetes ----------------------------------------------------------------------------------


def manifests(kind: str) -> list[dict[str, Any]]:
    found = []
    for path in sorted(MANIFESTS.glob("*.yaml")):
        found += [doc for doc in yaml.safe_load_all(path.read_text()) if doc and doc.get("kind") == kind]
    return found


def container_environment(container: dict[str, Any], secrets: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """A container's environment: the image's, then `envFrom` ConfigMaps and Secrets, then `env` (which wins)."""
    config_maps = {doc["metadata"]["name"]: doc.get("data", {}) for doc in manifests("ConfigMap")}
    environment = image_environment()
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            environment.update(config_maps[source["configMapRef"]["name"]])
        elif "secretRef" in source:
            environment.update(secrets[source["secretRef"]["name"]])
        else:
            raise AssertionError(f"deploy/kubernetes: envFrom {source} is not understood by this test")
    for variable in container.get("env", []):
        if "value" in variable:
            environment[variable["name"]] = str(variable["value"])
            continue
        reference = variable.get("valueFrom", {})
        if "secretKeyRef" in reference:
            ref = reference["secretKeyRef"]
            secret = secrets.get(ref["name"], {})
            if ref["key"] in secret:
                environment[variable["name"]] = secret[ref["key"]]
            elif not ref.get("optional"):
                raise AssertionError(
                    f"deploy/kubernetes: {variable['name']} needs secret key {ref['name']}/{ref['key']}"
                )
        elif "configMapKeyRef" in reference:
            ref = reference["configMapKeyRef"]
            environment[variable["name"]] = config_maps[ref["name"]][ref["key"]]
        else:
            raise AssertionError(f"deploy/kubernetes: {variable['name']} comes from {reference}, not understood here")
    return environment


def kubernetes_deployment(secrets: Mapping[str, Mapping[str, str]]) -> Deployment:
    """The kubemcp Deployment: its init container (one per pod, all starting at once) and its workers."""
    [deployment] = [doc for doc in manifests("Deployment") if doc["metadata"]["name"] == "kubemcp"]
    pod = deployment["spec"]["template"]["spec"]
    [worker] = pod["containers"]
    init_containers = pod.get("initContainers", [])
    if len(init_containers) > 1:
        raise AssertionError("deploy/kubernetes: more than one init container; teach this test to run them in order")
    environment = container_environment(worker, secrets)
    migrate: list[str] = []
    if init_containers:
        [init] = init_containers
        if container_environment(init, secrets) != environment:
            raise AssertionError("deploy/kubernetes: the init container and the workers must share one environment")
        migrate = init.get("command", []) + init.get("args", [])
    command = (worker.get("command") or image_command()) + worker.get("args", [])
    return Deployment(
        name="deploy/kubernetes",
        migrate=migrate,
        migrate_runs=int(deployment["spec"].get("replicas", 1)),
        workers=int(deployment["spec"].get("replicas", 1)),
        command=command,
        environment=environment,
    )


# --- on this machine -------------------------------------------------------------------------------


def local_command(command: list[str], port: int) -> list[str]:
    """The image's command as a process here: this virtualenv's executables, loopback, and `port` for 8000."""
    if not command:
        raise AssertionError("no command to run")
    executable = command[0]
    if executable in ("python", "python3"):
        local = sys.executable
    else:
        candidate = Path(sys.executable).with_name(executable)
        if not candidate.exists():
            raise AssertionError(f"the image runs {executable!r}, which this virtualenv does not have")
        local = str(candidate)
    arguments = []
    for word in command[1:]:
        word = word.replace("0.0.0.0", "127.0.0.1")
        if word == IMAGE_PORT:
            word = str(port)
        word = re.sub(rf":{IMAGE_PORT}$", f":{port}", word)
        arguments.append(word)
    return [local, *arguments]


def local_environment(deployment: Deployment, replacements: Mapping[str, str], paths: Mapping[str, str]) -> dict:
    """The deployment's environment with this machine's services (`replacements`, by variable) and directories
    (`paths`, by the image path they stand for) put in. Every other variable is passed exactly as shipped; a path
    inside the image that `paths` does not map fails the test, so that a new one is noticed."""
    environment = {name: replacements.get(name, value) for name, value in deployment.environment.items()}
    for name, value in environment.items():
        if value.startswith("/") and name not in replacements:
            if value not in paths:
                raise AssertionError(f"{deployment.name}: {name}={value} is a path in the image; map it in the test")
            environment[name] = paths[value]
    return environment


def run_together(command: list[str], env: Mapping[str, str], runs: int) -> list[subprocess.CompletedProcess[str]]:
    """`runs` processes of `command`, started at once; their results once all have ended (each within 180 s)."""
    processes = [
        subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(runs)
    ]
    results = []
    for process in processes:
        try:
            out, err = process.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
        results.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return results
