"""README "Deployment": the compose file, its nginx and the Kubernetes manifests, checked offline.

- Every manifest under deploy/kubernetes/ is valid against the Kubernetes API's own schemas (the
  JSON schemas kubernetes-validate ships, strict: an unknown field is an error), and the manifests
  refer to each other correctly: selectors, the Service, the Ingress, the autoscalers, the probes,
  the ConfigMap and Secret, and only setting names that config/settings.py reads.
- docker-compose.yml scales web and worker behind the proxy (no published port on web, no
  container_name, one beat), trusts exactly the proxy's fixed address, and `docker-compose config`
  accepts it when the binary is here.
- The proxy's configuration passes `nginx -t` and keeps the limits the README documents.
"""

import ipaddress
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from tests.config.helpers import BASE_DIR

KUBERNETES_DIR = BASE_DIR / "deploy" / "kubernetes"
NGINX_CONF = BASE_DIR / "deploy" / "nginx" / "registry.conf"
COMPOSE_FILE = BASE_DIR / "docker-compose.yml"
# The oldest Kubernetes release the manifests are written for; its schemas ship with kubernetes-validate.
KUBERNETES_VERSION = "1.33.0"
NAMESPACE = "federation-registry"
TWELVE_MB = 12 * 1024 * 1024
# Read by boto3 (the bucket's credentials, config/storage.py), not by config/settings.py.
LIBRARY_SETTINGS = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _missing(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


# --- loading -----------------------------------------------------------------------------------------


def manifest_files() -> list[Path]:
    return sorted(p for p in KUBERNETES_DIR.glob("*.yaml") if p.name != "kustomization.yaml")


def load_resources() -> list[dict]:
    resources = []
    for path in manifest_files():
        resources.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    return resources


RESOURCES = load_resources()


def of_kind(kind: str) -> list[dict]:
    return [r for r in RESOURCES if r["kind"] == kind]


def named(kind: str, name: str) -> dict:
    matches = [r for r in of_kind(kind) if r["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


def workloads() -> list[tuple[dict, dict]]:
    """(resource, pod spec) of every Deployment and Job."""
    return [(r, r["spec"]["template"]["spec"]) for r in RESOURCES if r["kind"] in ("Deployment", "Job")]


def component(resource: dict) -> str:
    return resource["metadata"]["labels"]["app.kubernetes.io/component"]


def deployment(component_name: str) -> dict:
    matches = [r for r in of_kind("Deployment") if component(r) == component_name]
    assert len(matches) == 1
    return matches[0]


def selects(selector: dict, labels: dict) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def settings_names() -> set[str]:
    """Every environment variable config/settings.py reads (``env.str("NAME"``, ``env.bool("NAME"``…)."""
    text = (BASE_DIR / "config" / "settings.py").read_text()
    return set(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", text))


def dockerfile_cmd() -> list[str]:
    text = (BASE_DIR / "Dockerfile").read_text().replace("\\\n", " ")
    line = next(line for line in text.splitlines() if line.startswith("CMD "))
    return json.loads(line.removeprefix("CMD "))


# --- Kubernetes: schemas -------------------------------------------------------------------------------


def test_the_kustomization_lists_every_manifest_and_only_those():
    kustomization = yaml.safe_load((KUBERNETES_DIR / "kustomization.yaml").read_text())

    assert sorted(kustomization["resources"]) == [p.name for p in manifest_files()]
    assert len(set(kustomization["resources"])) == len(kustomization["resources"])
    assert kustomization["namespace"] == NAMESPACE
    assert [image["name"] for image in kustomization["images"]] == ["federation-registry"]


@pytest.mark.parametrize("path", manifest_files(), ids=lambda p: p.name)
def test_each_manifest_is_valid_against_the_kubernetes_schemas(path):
    documents = [doc for doc in yaml.safe_load_all(path.read_text()) if doc]

    assert documents, f"{path.name} is empty"
    for document in documents:
        version = kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
        assert version == "1.33"


def test_the_schema_check_refuses_an_unknown_field():
    """Strict: a misspelt field is an error, not silently ignored as the API server's apply would."""
    web = json.loads(json.dumps(deployment("web")))
    web["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGett"] = {"path": "/healthz"}

    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(web, KUBERNETES_VERSION, strict=True)


def test_every_resource_is_in_the_namespace_with_the_projects_labels():
    (namespace,) = of_kind("Namespace")
    assert namespace["metadata"]["name"] == NAMESPACE
    for resource in RESOURCES:
        if resource["kind"] != "Namespace":
            assert resource["metadata"]["namespace"] == NAMESPACE, resource["metadata"]["name"]
        labels = resource["metadata"]["labels"]
        assert labels["app.kubernetes.io/part-of"] == "federation-registry", resource["metadata"]["name"]


# --- Kubernetes: cross-references --------------------------------------------------------------------


def test_each_workloads_selector_matches_its_pods_and_no_other_workloads():
    deployments = of_kind("Deployment")
    assert {component(d) for d in deployments} == {"web", "worker", "beat"}
    for resource, _ in workloads():
        pod_labels = resource["spec"]["template"]["metadata"]["labels"]
        assert pod_labels["app.kubernetes.io/component"] == component(resource)
        assert selects(resource["metadata"]["labels"], pod_labels)
    for d in deployments:
        selector = d["spec"]["selector"]["matchLabels"]
        matching = [
            o for o, _ in workloads() if selects(selector, o["spec"]["template"]["metadata"]["labels"])
        ]
        assert matching == [d], d["metadata"]["name"]


def test_the_service_and_the_disruption_budget_select_the_web_pods_only():
    web = deployment("web")
    (service,) = of_kind("Service")
    (budget,) = of_kind("PodDisruptionBudget")
    for selector in (service["spec"]["selector"], budget["spec"]["selector"]["matchLabels"]):
        matching = [
            o for o, _ in workloads() if selects(selector, o["spec"]["template"]["metadata"]["labels"])
        ]
        assert matching == [web]

    (container,) = web["spec"]["template"]["spec"]["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    (service_port,) = service["spec"]["ports"]
    assert ports[service_port["targetPort"]] == 8000


def test_the_web_pods_run_gunicorn_as_the_dockerfile_does():
    (container,) = deployment("web")["spec"]["template"]["spec"]["containers"]

    assert container["command"] == dockerfile_cmd()
    bind = container["command"][container["command"].index("--bind") + 1]
    assert bind == "0.0.0.0:8000"
    assert [p["containerPort"] for p in container["ports"]] == [8000]


def test_worker_beat_and_migration_run_the_compose_files_commands():
    services = compose()["services"]
    for name in ("worker", "beat", "migrate"):
        resource = deployment(name) if name != "migrate" else of_kind("Job")[0]
        (container,) = resource["spec"]["template"]["spec"]["containers"]
        assert container["command"] == services[name]["command"], name
    assert "migrate --no-input" in services["migrate"]["command"][-1]
    assert "load_regions" in services["migrate"]["command"][-1]


def test_the_ingress_sends_the_registrys_host_to_the_web_service_with_the_body_limit():
    (ingress,) = of_kind("Ingress")
    (service,) = of_kind("Service")
    (rule,) = ingress["spec"]["rules"]
    (path,) = rule["http"]["paths"]
    backend = path["backend"]["service"]

    assert backend["name"] == service["metadata"]["name"]
    assert backend["port"]["name"] in {p["name"] for p in service["spec"]["ports"]}
    assert path["path"] == "/"
    assert rule["host"] in ingress["spec"]["tls"][0]["hosts"]
    body_size = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"]
    assert body_size == "12m"  # 12 * 1024 * 1024 bytes for ingress-nginx, as for nginx
    config = named("ConfigMap", "registry-config")["data"]
    assert int(config["REQUEST_BODY_MAX_BYTES"]) == TWELVE_MB
    assert rule["host"] in config["ALLOWED_HOSTS"].split(",")
    assert config["SITE_URL"] == f"https://{rule['host']}"
    assert config["CSRF_TRUSTED_ORIGINS"] == f"https://{rule['host']}"


def test_the_probes_ask_healthz_on_the_container_port_with_an_allowed_host():
    """/healthz (ops/health.py) answers 200 while the database answers, 503 when not; Django refuses a
    Host that is not in ALLOWED_HOSTS (the pod's address is not), so the probes name one."""
    (container,) = deployment("web")["spec"]["template"]["spec"]["containers"]
    port_names = {p["name"]: p["containerPort"] for p in container["ports"]}
    allowed = named("ConfigMap", "registry-config")["data"]["ALLOWED_HOSTS"].split(",")

    for probe_name in ("readinessProbe", "livenessProbe"):
        probe = container[probe_name]["httpGet"]
        assert probe["path"] == "/healthz"
        assert port_names[probe["port"]] == 8000
        hosts = [h["value"] for h in probe["httpHeaders"] if h["name"] == "Host"]
        assert hosts
        assert hosts[0] in allowed
    # A database outage takes the pods out of the Service well before it restarts them.
    readiness, liveness = container["readinessProbe"], container["livenessProbe"]
    assert (
        liveness["periodSeconds"] * liveness["failureThreshold"]
        > 4 * readiness["periodSeconds"] * readiness["failureThreshold"]
    )


def test_the_autoscalers_target_web_and_worker_and_never_beat():
    targets = {}
    for hpa in of_kind("HorizontalPodAutoscaler"):
        assert hpa["apiVersion"] == "autoscaling/v2"
        ref = hpa["spec"]["scaleTargetRef"]
        assert (ref["apiVersion"], ref["kind"]) == ("apps/v1", "Deployment")
        targets[component(named("Deployment", ref["name"]))] = hpa
    assert set(targets) == {"web", "worker"}

    web_hpa = targets["web"]
    (budget,) = of_kind("PodDisruptionBudget")
    assert web_hpa["spec"]["minReplicas"] >= 2
    assert budget["spec"]["minAvailable"] < web_hpa["spec"]["minReplicas"]
    # The autoscalers own the count: an apply must not reset it.
    assert "replicas" not in deployment("web")["spec"]
    assert "replicas" not in deployment("worker")["spec"]


def test_beat_is_one_replica_replaced_never_doubled():
    beat = deployment("beat")

    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}


def test_the_migration_job_runs_once_and_is_not_restarted_in_place():
    (job,) = of_kind("Job")

    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert job["spec"]["backoffLimit"] <= 5


def test_every_pod_gets_its_settings_from_the_configmap_and_the_secret_that_exist():
    config_maps = {r["metadata"]["name"] for r in of_kind("ConfigMap")}
    secrets = {r["metadata"]["name"] for r in of_kind("Secret")}
    for resource, pod in workloads():
        for container in pod["containers"]:
            refs = container["envFrom"]
            assert {r["configMapRef"]["name"] for r in refs if "configMapRef" in r} == config_maps
            assert {r["secretRef"]["name"] for r in refs if "secretRef" in r} == secrets
            assert "env" not in container, resource["metadata"]["name"]


def test_every_setting_named_in_the_configmap_and_secret_is_one_the_settings_read():
    known = settings_names() | LIBRARY_SETTINGS
    assert {
        "SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "TRUSTED_PROXIES",
        "STORAGE_URL",
    } <= known  # the grep works

    for resource in of_kind("ConfigMap") + of_kind("Secret"):
        names = set(resource.get("data", {})) | set(resource.get("stringData", {}))
        assert names <= known, f"{resource['metadata']['name']}: {sorted(names - known)} are read by nothing"


def test_the_secret_is_a_template_with_a_placeholder_for_each_secret_setting():
    (secret,) = of_kind("Secret")
    values = secret["stringData"]

    assert set(values) == {
        "SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "EMAIL_URL",
        "CERTIFICATE_KEY_SECRET",
    }
    assert all("CHANGE-ME" in value for value in values.values())
    config = named("ConfigMap", "registry-config")["data"]
    assert not set(values) & set(config)
    # The bucket is named in the ConfigMap without credentials; they are the Secret's.
    assert config["STORAGE_URL"].startswith("s3://")
    assert "@" not in config["STORAGE_URL"]
    assert config["DEBUG"] == "0"


def test_every_container_runs_as_non_root_on_a_read_only_root_with_tmp_and_resources():
    for resource, pod in workloads():
        name = resource["metadata"]["name"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] == 1000, name  # the Dockerfile's user `registry`
        assert pod["automountServiceAccountToken"] is False, name
        volumes = {v["name"]: v for v in pod["volumes"]}
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            (tmp,) = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
            assert "emptyDir" in volumes[tmp["name"]], name
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container["resources"][kind]), name
            assert container["image"] == "federation-registry", name


# --- docker-compose.yml ----------------------------------------------------------------------------------


def test_web_and_worker_scale_behind_the_proxy_and_beat_stays_one():
    services = compose()["services"]

    assert {
        "postgres",
        "redis",
        "minio",
        "minio-bucket",
        "mailpit",
        "migrate",
        "web",
        "worker",
        "beat",
        "proxy",
    } <= set(services)
    for name in ("web", "worker", "beat", "proxy"):
        assert "container_name" not in services[name], name
    assert "ports" not in services["web"]  # a fixed host port cannot be taken by three replicas
    assert "ports" not in services["worker"]
    assert services["proxy"]["ports"] == ["8000:80"]
    assert services["beat"]["deploy"]["replicas"] == 1
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"
    assert "healthcheck" in services["web"]
    assert "healthcheck" in services["proxy"]
    assert "./deploy/nginx/registry.conf:/etc/nginx/conf.d/default.conf:ro" in services["proxy"]["volumes"]


def test_the_app_trusts_exactly_the_proxys_fixed_address():
    data = compose()
    services = data["services"]
    address = ipaddress.ip_address(services["proxy"]["networks"]["default"]["ipv4_address"])
    (pool,) = data["networks"]["default"]["ipam"]["config"]

    for name in ("web", "worker", "beat", "migrate"):
        assert services[name]["environment"]["TRUSTED_PROXIES"] == f"{address}/32", name
    # On the network, and outside the range Docker hands to the other containers.
    assert address in ipaddress.ip_network(pool["subnet"])
    assert address not in ipaddress.ip_network(pool["ip_range"])
    assert address != next(ipaddress.ip_network(pool["subnet"]).hosts())  # not the bridge's gateway


def test_the_compose_settings_are_ones_the_settings_read():
    known = settings_names() | LIBRARY_SETTINGS
    for name in ("web", "worker", "beat", "migrate"):
        environment = set(compose()["services"][name]["environment"])
        assert environment <= known, sorted(environment - known)


def test_docker_compose_accepts_the_file():
    binary = shutil.which("docker-compose")
    if binary is None:
        _missing("docker-compose is not installed (apt-get install docker-compose)")

    result = subprocess.run(
        [binary, "-f", str(COMPOSE_FILE), "config", "-q"],
        cwd=BASE_DIR,
        env={"PATH": os.environ.get("PATH", ""), "SECRET_KEY": "tests-only-not-secret"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stdout + result.stderr


# --- the proxy ------------------------------------------------------------------------------------------


def nginx_wrapper(tmp_path: Path, *, server_conf: Path = NGINX_CONF, extra: str = "") -> Path:
    """A main nginx.conf that includes ``server_conf`` inside ``http {}`` as the nginx image does,
    with every path it writes under ``tmp_path``. Run by root, its workers stay root too: pytest's
    temporary directories are closed to the `nobody` nginx would otherwise switch to."""
    conf = tmp_path / "nginx.conf"
    user = "user root;" if os.geteuid() == 0 else ""
    conf.write_text(
        f"""
{user}
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
worker_processes 1;
events {{ worker_connections 64; }}
http {{
    access_log {tmp_path}/access.log;
    client_body_temp_path {tmp_path}/client_body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    {extra}
    include {server_conf};
}}
"""
    )
    return conf


def nginx_binary() -> str:
    binary = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if binary is None:
        _missing("nginx is not installed (apt-get install nginx)")
    return binary


def test_nginx_accepts_the_proxys_configuration(tmp_path):
    binary = nginx_binary()
    conf = nginx_wrapper(tmp_path)

    result = subprocess.run(
        [binary, "-t", "-q", "-c", str(conf), "-p", str(tmp_path), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def nginx_directives() -> list[str]:
    text = "\n".join(line.split("#", 1)[0] for line in NGINX_CONF.read_text().splitlines())
    return [" ".join(d.split()) for d in text.split(";")]


def test_the_proxy_keeps_the_readmes_limits_and_headers():
    directives = nginx_directives()

    def has(directive: str) -> bool:
        return any(d.endswith(directive) for d in directives)

    assert has("client_max_body_size 12m")  # REQUEST_BODY_MAX_BYTES
    assert has("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for")
    assert has("proxy_set_header X-Forwarded-Proto $scheme")
    assert has("proxy_set_header Host $http_host")
    assert has("proxy_read_timeout 60s")  # gunicorn's --timeout 60
    command = dockerfile_cmd()
    assert command[command.index("--timeout") + 1] == "60"


def test_the_proxy_resolves_the_web_service_at_request_time():
    """A variable in proxy_pass, with Docker's resolver: replicas added by --scale are found."""
    directives = nginx_directives()
    services = compose()["services"]

    assert any(d.startswith("resolver 127.0.0.11 valid=") for d in directives)
    assert any(d.endswith("set $web_upstream http://web:8000") for d in directives)  # service web, its port
    assert any(d == "proxy_pass $web_upstream" for d in directives)
    assert services["web"]["expose"] == ["8000"]
    assert any(d.endswith("listen 80") for d in directives)  # published as 8000:80


# --- README ---------------------------------------------------------------------------------------------


def test_the_readme_names_the_proxys_address_and_every_manifest():
    readme = (BASE_DIR / "README.md").read_text()
    address = compose()["services"]["proxy"]["networks"]["default"]["ipv4_address"]

    assert f"`{address}/32`" in readme
    assert "docker compose up --build --scale web=3 --scale worker=2" in readme
    assert "kubectl apply -k deploy/kubernetes/" in readme
    for path in manifest_files():
        assert f"`{path.name}`" in readme, path.name
    (web_hpa,) = [h for h in of_kind("HorizontalPodAutoscaler") if h["metadata"]["name"] == "registry-web"]
    spec = web_hpa["spec"]
    target = spec["metrics"][0]["resource"]["target"]["averageUtilization"]
    assert f"{spec['minReplicas']} to {spec['maxReplicas']} pods at {target} % CPU" in readme
    liveness = deployment("web")["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]
    assert liveness["periodSeconds"] * liveness["failureThreshold"] == 180  # "only after 3 minutes"


def test_ci_installs_what_the_deployment_checks_need():
    ci = (BASE_DIR / ".ci" / "run").read_text()

    assert "apt_install --no-install-recommends docker-compose" in ci
    assert "apt_install --no-install-recommends nginx" in ci
    assert ci.index("apt_install --no-install-recommends nginx") < ci.index(
        "REQUIRE_SERVICES=1 \\\n  make test"
    )
