#!/usr/bin/env python3
"""Checks what `helm template` rendered from compose/helm/tripstream (run by scripts/check-helm).

For every rendered manifest set (NAME=FILE arguments):
  * every document against the Kubernetes JSON schemas that ship in the kubernetes-validate
    package (strict: unknown fields fail), for each --kube-version;
  * documents of kinds those schemas lack (the KEDA, Strimzi and CloudNativePG custom
    resources): a structural check (apiVersion, kind, metadata.name, spec), the fields
    tripstream relies on, and their references to the rest of the release (the ScaledObject's
    Deployment, bootstrap address, group and topic; the KafkaTopics' cluster and names; the
    DATABASE_URL secret of the CloudNativePG cluster). Not a schema validation;
  * the pods: non-root with the image's uid (compose/Dockerfile USER), read-only root file
    system, no privilege escalation, mounts that name a volume of the pod, the configuration
    (ConfigMap and Secret) in every tripstream container, programs the image builds; the API's
    probes (/readyz, /healthz) and port; the consumer's grace period;
  * the Kafka security settings as the programs check them at start (common/src/config.cpp: a
    known protocol and mechanism; SASL with a mechanism, a user and a password in every
    container; no SASL setting or CA with a protocol that does not use it), and a CA file that
    is on a mounted volume in every pod that talks to Kafka or in none (then a file of the
    image); in the --kafka-ca-mounted renders, on a Secret or ConfigMap volume in all of them.
Then, once: every environment variable config.yml names is settable (a key of values.yaml's
`config` or `secrets`, the secret ones only in `secrets`), and the --every-variable render
carries each with the value its values file gives; the chart's appVersion and image tag agree
with the project's version (CMakeLists.txt project(... VERSION ...), else compose's image tag).

Prints each problem and exits 1 if there is any. Needs PyYAML and kubernetes-validate (the venv
scripts/setup installs from tests/helm/requirements.txt).
"""

import argparse
import re
import sys
from pathlib import Path

import yaml

try:
    import kubernetes_validate
    from kubernetes_validate import SchemaNotFoundError, ValidationError
except ImportError:  # pragma: no cover - reported as a usage error
    sys.exit("kubernetes-validate is not installed: run scripts/setup")

SECRET_VARIABLES = {"DATABASE_URL", "API_KEY", "KAFKA_SASL_PASSWORD"}
PROGRAMS = ("producer", "consumer", "api", "train")
# Custom resources the chart may render, which kubernetes-validate has no schema for.
CUSTOM_KINDS = {
    ("keda.sh/v1alpha1", "ScaledObject"),
    ("kafka.strimzi.io/v1beta2", "Kafka"),
    ("kafka.strimzi.io/v1beta2", "KafkaNodePool"),
    ("kafka.strimzi.io/v1beta2", "KafkaTopic"),
    ("postgresql.cnpg.io/v1", "Cluster"),
}
DEFAULTS = {"TOPIC": "trips", "DEAD_LETTER_TOPIC": "trips.dlq", "JOBS_TOPIC": "tripstream.jobs",
            "TOPIC_PARTITIONS": "12", "CONSUMER_GROUP": "tripstream-consumer"}

problems = []


def problem(where, message):
    problems.append(f"{where}: {message}")


def config_variables(config_yml):
    """The environment variable named in each key's comment, as scripts/check-compose reads them."""
    pattern = re.compile(r"^\s+[a-z_]+:[^#]*#\s*([A-Z][A-Z0-9_]+)")
    return [m.group(1) for line in config_yml.read_text().splitlines() if (m := pattern.match(line))]


def project_version(root):
    """(version, where it came from): CMakeLists.txt's project VERSION, else compose's image tag."""
    cmake = (root / "CMakeLists.txt").read_text()
    m = re.search(r"project\s*\(\s*tripstream\b[^)]*?\bVERSION\s+([0-9][0-9A-Za-z.+-]*)", cmake)
    if m:
        return m.group(1), "CMakeLists.txt project(tripstream VERSION ...)"
    compose = (root / "compose" / "docker-compose.yaml").read_text()
    m = re.search(r"image:\s*\$\{TRIPSTREAM_IMAGE:-[^:}]+:([^}]+)\}", compose)
    if m:
        return m.group(1), "compose/docker-compose.yaml's image tag (CMakeLists.txt has no VERSION)"
    return None, "nowhere (no VERSION in CMakeLists.txt, no image tag in compose)"


def image_uid(root):
    m = re.search(r"^USER\s+(\d+)(?::(\d+))?", (root / "compose" / "Dockerfile").read_text(), re.M)
    return (int(m.group(1)), int(m.group(2) or m.group(1))) if m else (None, None)


def where(name, doc):
    return f"{name}: {doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"


def get(obj, *path, default=None):
    for key in path:
        if isinstance(obj, dict) and key in obj:
            obj = obj[key]
        elif isinstance(obj, list) and isinstance(key, int) and -len(obj) <= key < len(obj):
            obj = obj[key]
        else:
            return default
    return obj


# --------------------------------------------------------------------------- one render

class Render:
    def __init__(self, name, path):
        self.name = name
        self.docs = []
        try:
            loaded = list(yaml.safe_load_all(Path(path).read_text()))
        except yaml.YAMLError as e:
            problem(name, f"rendered YAML does not parse: {e}")
            loaded = []
        for doc in loaded:
            if doc is None:
                continue
            if not isinstance(doc, dict):
                problem(name, f"a document is not a mapping: {str(doc)[:80]}")
                continue
            self.docs.append(doc)
        if not self.docs:
            problem(name, "rendered nothing")

    def of_kind(self, kind):
        return [d for d in self.docs if d.get("kind") == kind]

    def one(self, kind, suffix):
        found = [d for d in self.of_kind(kind) if get(d, "metadata", "name", default="").endswith(suffix)]
        return found[0] if len(found) == 1 else None

    @property
    def configmap(self):
        cms = self.of_kind("ConfigMap")
        return (get(cms[0], "data") or {}) if len(cms) == 1 else {}

    @property
    def secret(self):
        secrets = self.of_kind("Secret")
        return (get(secrets[0], "stringData") or {}) if len(secrets) == 1 else {}

    def setting(self, var):
        return self.configmap.get(var, DEFAULTS.get(var))


def check_structure(render):
    seen = set()
    for doc in render.docs:
        w = where(render.name, doc)
        for field in ("apiVersion", "kind"):
            if not isinstance(doc.get(field), str) or not doc.get(field):
                problem(w, f"no {field}")
        name = get(doc, "metadata", "name")
        if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?", name or ""):
            problem(w, f"metadata.name {name!r} is not a valid Kubernetes name")
        elif doc.get("kind") in ("Service", "Deployment", "Job", "ConfigMap", "Secret") and len(name) > 63:
            problem(w, "metadata.name is longer than 63 characters")
        key = (doc.get("apiVersion"), doc.get("kind"), name)
        if key in seen:
            problem(w, "rendered twice")
        seen.add(key)


def check_schemas(render, kube_versions):
    """kubernetes-validate per document; the documents it has no schema for are returned."""
    unknown = []
    for doc in render.docs:
        w = where(render.name, doc)
        for version in kube_versions:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except SchemaNotFoundError:
                unknown.append(doc)
                break
            except ValidationError as e:
                path = ".".join(str(p) for p in e.path)
                problem(w, f"does not validate against Kubernetes {e.version}: {path}: {e.message}")
            except Exception as e:  # noqa: BLE001 - any other failure is a problem too
                problem(w, f"could not be validated against Kubernetes {version}: {e}")
    return unknown


# --------------------------------------------------------------------------- custom resources

def check_custom(render, docs):
    for doc in docs:
        w = where(render.name, doc)
        kind = (doc.get("apiVersion"), doc.get("kind"))
        if kind not in CUSTOM_KINDS:
            problem(w, "no Kubernetes schema and not a custom resource this check knows")
            continue
        if not isinstance(get(doc, "metadata", "name"), str):
            problem(w, "no metadata.name")
        if not isinstance(doc.get("spec"), dict) or not doc["spec"]:
            problem(w, "no spec")
            continue
        {"ScaledObject": check_scaledobject, "Kafka": check_kafka, "KafkaNodePool": check_nodepool,
         "KafkaTopic": check_topic, "Cluster": check_cnpg}[doc["kind"]](render, doc, w)
    kafkas = render.of_kind("Kafka")
    if kafkas:
        topics = {get(t, "spec", "topicName") for t in render.of_kind("KafkaTopic")}
        wanted = {render.setting(v) for v in ("TOPIC", "DEAD_LETTER_TOPIC", "JOBS_TOPIC")}
        if topics != wanted:
            problem(render.name, f"KafkaTopics {sorted(map(str, topics))} are not the configured topics {sorted(wanted)}")
        roles = {r for p in render.of_kind("KafkaNodePool") for r in get(p, "spec", "roles", default=[])}
        if roles != {"controller", "broker"}:
            problem(render.name, f"the node pools' roles are {sorted(roles)}: KRaft needs controllers and brokers")


def is_int(value, minimum=0):
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def check_scaledobject(render, doc, w):
    spec = doc["spec"]
    target = get(spec, "scaleTargetRef", "name")
    deployment = next((d for d in render.of_kind("Deployment") if get(d, "metadata", "name") == target), None)
    if deployment is None:
        problem(w, f"scaleTargetRef.name {target!r} is not a Deployment of the release")
    elif "replicas" in deployment.get("spec", {}):
        problem(w, f"Deployment {target} sets spec.replicas: every upgrade would fight KEDA")
    elif get(deployment, "spec", "template", "spec", "containers", 0, "command", 0) != "tripstream-consumer":
        problem(w, f"scales {target}, which does not run tripstream-consumer")
    lo, hi = spec.get("minReplicaCount"), spec.get("maxReplicaCount")
    if not (is_int(lo) and is_int(hi, 1) and lo <= hi):
        problem(w, f"replica bounds {lo!r}..{hi!r} are not 0 <= min <= max")
    elif hi > int(render.setting("TOPIC_PARTITIONS")):
        problem(w, f"maxReplicaCount {hi} exceeds TOPIC_PARTITIONS {render.setting('TOPIC_PARTITIONS')} (the rest would idle)")
    triggers = spec.get("triggers") or []
    if len(triggers) != 1 or get(triggers, 0, "type") != "kafka":
        problem(w, "expected one trigger of type kafka")
        return
    meta = get(triggers, 0, "metadata") or {}
    for key, want in (("bootstrapServers", render.configmap.get("KAFKA_BOOTSTRAP_SERVERS")),
                      ("consumerGroup", render.setting("CONSUMER_GROUP")), ("topic", render.setting("TOPIC"))):
        if meta.get(key) != want:
            problem(w, f"trigger {key} {meta.get(key)!r} is not the consumers' {want!r}")
    for key, value in meta.items():
        if not isinstance(value, str):
            problem(w, f"trigger metadata {key} must be a string (got {value!r})")
    if not re.fullmatch(r"[1-9][0-9]*", str(meta.get("lagThreshold", ""))):
        problem(w, "trigger lagThreshold is not a positive integer")
    if meta.get("offsetResetPolicy") not in ("earliest", "latest"):
        problem(w, "trigger offsetResetPolicy is neither earliest nor latest")


def strimzi_cluster(render, doc, w):
    cluster = get(doc, "metadata", "labels", "strimzi.io/cluster")
    if cluster not in {get(k, "metadata", "name") for k in render.of_kind("Kafka")}:
        problem(w, f"label strimzi.io/cluster {cluster!r} names no Kafka of the release")


def check_kafka(render, doc, w):
    annotations = get(doc, "metadata", "annotations") or {}
    for key in ("strimzi.io/node-pools", "strimzi.io/kraft"):
        if annotations.get(key) != "enabled":
            problem(w, f"annotation {key}: enabled is missing (node pools, KRaft)")
    listeners = get(doc, "spec", "kafka", "listeners") or []
    if not listeners:
        problem(w, "no spec.kafka.listeners")
    for listener in listeners:
        if not (isinstance(listener.get("name"), str) and is_int(listener.get("port"), 1)
                and listener.get("type") and isinstance(listener.get("tls"), bool)):
            problem(w, f"listener {listener!r} lacks name, port, type or tls")
    if "zookeeper" in doc["spec"]:
        problem(w, "spec.zookeeper is set: the cluster is meant to run in KRaft mode")
    bootstrap = render.configmap.get("KAFKA_BOOTSTRAP_SERVERS", "")
    expected = {f"{doc['metadata']['name']}-kafka-bootstrap:{lst.get('port')}" for lst in listeners
                if lst.get("type") == "internal" and lst.get("tls") is False}
    if "-kafka-bootstrap:" in bootstrap and bootstrap not in expected:
        problem(w, f"KAFKA_BOOTSTRAP_SERVERS {bootstrap!r} is not this cluster's plaintext bootstrap {sorted(expected)}")
    if get(doc, "spec", "kafka", "config", "auto.create.topics.enable") is not False:
        problem(w, "auto.create.topics.enable is not false (topics would be created with the wrong partitions)")


def check_nodepool(render, doc, w):
    strimzi_cluster(render, doc, w)
    spec = doc["spec"]
    if not is_int(spec.get("replicas"), 1):
        problem(w, "spec.replicas is not a positive integer")
    roles = spec.get("roles")
    if not roles or not set(roles) <= {"controller", "broker"}:
        problem(w, f"spec.roles {roles!r} is not a subset of controller, broker")
    if get(spec, "storage", "type") not in ("ephemeral", "persistent-claim", "jbod"):
        problem(w, "spec.storage.type is not ephemeral, persistent-claim or jbod")


def check_topic(render, doc, w):
    strimzi_cluster(render, doc, w)
    spec = doc["spec"]
    name = spec.get("topicName")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9._-]{1,249}", name):
        problem(w, f"spec.topicName {name!r} is not a valid Kafka topic name")
    if not (is_int(spec.get("partitions"), 1) and is_int(spec.get("replicas"), 1)):
        problem(w, "spec.partitions and spec.replicas must be positive integers")
    config = spec.get("config") or {}
    for key, value in config.items():
        if not isinstance(value, (str, int, bool)):
            problem(w, f"config {key} has a value of type {type(value).__name__}")
    if name == render.setting("JOBS_TOPIC") and config.get("cleanup.policy") != "compact":
        problem(w, "the jobs topic is not compacted (cleanup.policy: compact)")
    if name == render.setting("TOPIC") and spec.get("partitions") != int(render.setting("TOPIC_PARTITIONS")):
        problem(w, f"the trips topic has {spec.get('partitions')} partitions, TOPIC_PARTITIONS says {render.setting('TOPIC_PARTITIONS')}")


def check_cnpg(render, doc, w):
    spec = doc["spec"]
    if not is_int(spec.get("instances"), 1):
        problem(w, "spec.instances is not a positive integer")
    if "postgis" not in str(spec.get("imageName", "")):
        problem(w, f"spec.imageName {spec.get('imageName')!r} is not a PostGIS image")
    initdb = get(spec, "bootstrap", "initdb") or {}
    if not any(re.search(r"CREATE EXTENSION .*postgis", s, re.I) for s in initdb.get("postInitApplicationSQL") or []):
        problem(w, "bootstrap.initdb.postInitApplicationSQL does not create the postgis extension")
    if not get(spec, "storage", "size"):
        problem(w, "no spec.storage.size")
    # The tripstream containers get DATABASE_URL from the cluster's application secret, unless
    # the chart's Secret has one.
    if "DATABASE_URL" not in render.secret:
        want = f"{doc['metadata']['name']}-app"
        for c in tripstream_containers(render):
            if "tripstream-train" in " ".join(map(str, c["container"].get("command") or [])):
                continue  # reads no configuration
            ref = next((get(e, "valueFrom", "secretKeyRef") for e in c["container"].get("env") or []
                        if e.get("name") == "DATABASE_URL"), None)
            if not ref or ref.get("name") != want or ref.get("key") != "uri":
                problem(f"{c['where']} container {c['container'].get('name')}",
                        f"DATABASE_URL does not come from secret {want}, key uri")


# --------------------------------------------------------------------------- pods

def pod_specs(render):
    for doc in render.docs:
        if doc.get("kind") in ("Deployment", "Job"):
            yield doc, get(doc, "spec", "template", "spec") or {}


def tripstream_containers(render):
    for doc, pod in pod_specs(render):
        for c in pod.get("containers") or []:
            if "tripstream-" in " ".join(map(str, c.get("command") or [])):
                yield {"doc": doc, "pod": pod, "container": c, "where": where(render.name, doc)}


def check_pods(render, root, uid, gid, image):
    configmaps = {get(d, "metadata", "name") for d in render.of_kind("ConfigMap")}
    for doc, pod in pod_specs(render):
        w = where(render.name, doc)
        psc = pod.get("securityContext") or {}
        if psc.get("runAsNonRoot") is not True:
            problem(w, "pod securityContext.runAsNonRoot is not true")
        if (psc.get("runAsUser"), psc.get("runAsGroup")) != (uid, gid):
            problem(w, f"pod runs as {psc.get('runAsUser')}:{psc.get('runAsGroup')}, the image's user is {uid}:{gid} (compose/Dockerfile)")
        volumes = {v.get("name") for v in pod.get("volumes") or []}
        for c in (pod.get("initContainers") or []) + (pod.get("containers") or []):
            cw = f"{w} container {c.get('name')}"
            sc = c.get("securityContext") or {}
            if sc.get("readOnlyRootFilesystem") is not True:
                problem(cw, "readOnlyRootFilesystem is not true")
            if sc.get("allowPrivilegeEscalation") is not False:
                problem(cw, "allowPrivilegeEscalation is not false")
            if "ALL" not in (get(sc, "capabilities", "drop") or []):
                problem(cw, "capabilities are not all dropped")
            if c.get("image") != image:
                problem(cw, f"image {c.get('image')!r} is not {image!r}")
            if not get(c, "resources", "requests", "memory") or not get(c, "resources", "limits", "memory"):
                problem(cw, "no memory request and limit")
            for m in c.get("volumeMounts") or []:
                if m.get("name") not in volumes:
                    problem(cw, f"mounts {m.get('name')!r}, which is not a volume of the pod")
            if not any(m.get("mountPath") == "/tmp" for m in c.get("volumeMounts") or []) and c in pod.get("containers", []):
                problem(cw, "no writable /tmp (the root file system is read-only)")
    for entry in tripstream_containers(render):
        c, cw = entry["container"], f"{entry['where']} container {entry['container'].get('name')}"
        command = " ".join(map(str, (c.get("command") or []) + (c.get("args") or [])))
        for program in set(re.findall(r"\btripstream-([a-z]+)\b", command)):
            if program not in PROGRAMS or not (root / program / "CMakeLists.txt").is_file():
                problem(cw, f"runs tripstream-{program}, which the image does not build")
        if "tripstream-train" in command:
            continue  # reads no configuration, only flags
        refs = c.get("envFrom") or []
        cm = {get(r, "configMapRef", "name") for r in refs} - {None}
        sec = {get(r, "secretRef", "name") for r in refs} - {None}
        if not cm & configmaps:
            problem(cw, "does not read the release's ConfigMap (envFrom)")
        if not sec:
            problem(cw, "does not read a Secret (envFrom): no DATABASE_URL or API_KEY")
    api = render.one("Deployment", "-api")
    if api is None:
        problem(render.name, "no API Deployment")
    else:
        w = where(render.name, api)
        c = get(api, "spec", "template", "spec", "containers", 0) or {}
        port = next((p for p in c.get("ports") or [] if p.get("name") == "http"), {})
        if str(port.get("containerPort")) != str(render.setting("HTTP_PORT") or "8080"):
            problem(w, f"container port {port.get('containerPort')} is not HTTP_PORT {render.setting('HTTP_PORT')}")
        if render.configmap.get("HTTP_ADDRESS") in ("127.0.0.1", "localhost", "::1"):
            problem(w, "HTTP_ADDRESS is a loopback address: the Service and the probes cannot reach it")
        for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
            if get(c, probe, "httpGet", "path") != path or get(c, probe, "httpGet", "port") not in ("http", port.get("containerPort")):
                problem(w, f"{probe} is not GET {path} on the http port")
        index_dir = render.configmap.get("INDEX_DIR")
        if index_dir and not any(m.get("mountPath") == index_dir for m in c.get("volumeMounts") or []):
            problem(w, f"INDEX_DIR {index_dir} is not a mounted volume (the root file system is read-only)")
        services = [s for s in render.of_kind("Service") if get(s, "spec", "selector") == get(api, "spec", "selector", "matchLabels")]
        if not services or get(services[0], "spec", "ports", 0, "targetPort") not in ("http", port.get("containerPort")):
            problem(w, "no Service selects the API's pods on their http port")
    consumer = render.one("Deployment", "-consumer")
    if consumer is None:
        problem(render.name, "no consumer Deployment")
    elif (get(consumer, "spec", "template", "spec", "terminationGracePeriodSeconds") or 30) < 60:
        problem(where(render.name, consumer), "terminationGracePeriodSeconds below 60 (compose gives SIGTERM 60 s to commit the batch)")
    pdbs = {get(p, "spec", "selector", "matchLabels", "app.kubernetes.io/component") for p in render.of_kind("PodDisruptionBudget")}
    if not {"api", "consumer"} <= pdbs:
        problem(render.name, "no PodDisruptionBudget for the consumer and the API")
    model = render.configmap.get("MODEL_PATH")
    if model:
        for d in filter(None, (api, consumer)):
            mounts = [m.get("mountPath", "") for m in get(d, "spec", "template", "spec", "containers", 0, "volumeMounts", default=[])]
            if not any(model.startswith(m.rstrip("/") + "/") for m in mounts if m != "/tmp"):
                problem(where(render.name, d), f"MODEL_PATH {model} is on no mounted volume")
    migrate = [d for d in render.of_kind("Job") if get(d, "spec", "template", "spec", "containers", 0, "command") == ["tripstream-consumer", "--migrate-only"]]
    if not migrate:
        problem(render.name, "no Job runs tripstream-consumer --migrate-only")
    for d in render.of_kind("ConfigMap"):
        for var in SECRET_VARIABLES & set(get(d, "data", default={}) or {}):
            problem(where(render.name, d), f"{var} is in a ConfigMap: it is a secret")


# --------------------------------------------------------------------------- Kafka security

SECURITY_PROTOCOLS = ("plaintext", "ssl", "sasl_plaintext", "sasl_ssl")
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


def kafka_containers(render):
    """The tripstream containers that read the configuration (all but tripstream-train)."""
    for entry in tripstream_containers(render):
        command = " ".join(map(str, entry["container"].get("command") or []))
        if "tripstream-train" not in command:
            yield entry


def sasl_password_source(render, container):
    """Where the container's KAFKA_SASL_PASSWORD comes from: a description, or None."""
    for e in container.get("env") or []:
        if e.get("name") == "KAFKA_SASL_PASSWORD":
            ref = get(e, "valueFrom", "secretKeyRef") or {}
            if ref.get("name") and ref.get("key"):
                return f"secret {ref['name']}, key {ref['key']}"
            return "a literal value" if e.get("value") else None
    release_secrets = {get(d, "metadata", "name"): get(d, "stringData") or {} for d in render.of_kind("Secret")}
    for r in container.get("envFrom") or []:
        name = get(r, "secretRef", "name")
        if name is None:
            continue
        if name not in release_secrets:
            return f"secret {name} (existingSecret: not checked)"
        if release_secrets[name].get("KAFKA_SASL_PASSWORD"):
            return f"secret {name}"
    return None


def check_kafka_security(render, ca_must_be_mounted):
    cm = render.configmap
    protocol = str(cm.get("KAFKA_SECURITY_PROTOCOL", "plaintext")).lower()
    mechanism = cm.get("KAFKA_SASL_MECHANISM", "")
    user = cm.get("KAFKA_SASL_USERNAME", "")
    ca = cm.get("KAFKA_SSL_CA_LOCATION", "")
    w = f"{render.name}: Kafka security"
    if protocol not in SECURITY_PROTOCOLS:
        problem(w, f"KAFKA_SECURITY_PROTOCOL {protocol!r} is not one of {', '.join(SECURITY_PROTOCOLS)}")
        return
    if mechanism and mechanism not in SASL_MECHANISMS:
        problem(w, f"KAFKA_SASL_MECHANISM {mechanism!r} is not one of {', '.join(SASL_MECHANISMS)}")
    containers = list(kafka_containers(render))
    if protocol.startswith("sasl_"):
        if not mechanism or not user:
            problem(w, f"{protocol} without KAFKA_SASL_MECHANISM and KAFKA_SASL_USERNAME in the ConfigMap")
        for entry in containers:
            if sasl_password_source(render, entry["container"]) is None:
                problem(f"{entry['where']} container {entry['container'].get('name')}",
                        f"{protocol}, but no KAFKA_SASL_PASSWORD (neither from a Secret nor in env)")
    else:
        if mechanism or user:
            problem(w, f"KAFKA_SASL_* in the ConfigMap, but the protocol {protocol} does not use them (the programs refuse it)")
        for entry in containers:
            source = sasl_password_source(render, entry["container"])
            if source and "not checked" not in source:
                problem(f"{entry['where']} container {entry['container'].get('name')}",
                        f"KAFKA_SASL_PASSWORD from {source}, but the protocol {protocol} does not use it (the programs refuse it)")
    if ca and protocol not in ("ssl", "sasl_ssl"):
        problem(w, f"KAFKA_SSL_CA_LOCATION is set, but the protocol {protocol} does not use TLS (the programs refuse it)")
    if ca_must_be_mounted and not ca:
        problem(w, "no KAFKA_SSL_CA_LOCATION in the ConfigMap (the CA should be mounted and pointed at)")
    if not ca:
        return
    # The CA file is on a mounted volume in every pod that talks to Kafka, or in none (a file of
    # the image, e.g. /etc/ssl/certs/ca-certificates.crt).
    mounted, unmounted = [], []
    for entry in containers:
        c, cw = entry["container"], f"{entry['where']} container {entry['container'].get('name')}"
        mount = max((m for m in c.get("volumeMounts") or [] if ca.startswith(m.get("mountPath", "").rstrip("/") + "/")),
                    key=lambda m: len(m.get("mountPath", "")), default=None)
        if mount is None:
            unmounted.append(cw)
            continue
        mounted.append(cw)
        if mount.get("readOnly") is not True:
            problem(cw, f"the Kafka CA's volume {mount.get('name')!r} is not mounted read-only")
        volume = next((v for v in entry["pod"].get("volumes") or [] if v.get("name") == mount.get("name")), {})
        source = volume.get("secret") or volume.get("configMap")
        if source is None:
            problem(cw, f"KAFKA_SSL_CA_LOCATION {ca} is on volume {mount.get('name')!r}, which is neither a Secret nor a ConfigMap")
            continue
        if not (source.get("secretName") or source.get("name")):
            problem(cw, f"the Kafka CA's volume {mount.get('name')!r} names no Secret or ConfigMap")
        relative = ca[len(mount["mountPath"].rstrip("/")) + 1:]
        items = source.get("items")
        if items is not None and relative not in {i.get("path") for i in items}:
            problem(cw, f"KAFKA_SSL_CA_LOCATION {ca}: the volume {mount.get('name')!r} has no item with path {relative!r}")
    if mounted and unmounted:
        for cw in unmounted:
            problem(cw, f"KAFKA_SSL_CA_LOCATION {ca} is mounted in the other Kafka pods, not in this one")
    elif ca_must_be_mounted and not mounted:
        problem(w, f"KAFKA_SSL_CA_LOCATION {ca} is on no mounted volume (expected the CA from a Secret or ConfigMap)")


# --------------------------------------------------------------------------- configuration

# Maps passed through whole (documented as one value), not value by value.
WHOLE_MAPS = {"resources", "podSecurityContext", "securityContext", "readinessProbe", "livenessProbe"}
WHOLE_PATHS = {"strimzi.config", "cloudnativepg.parameters"}


def value_paths(values, prefix=""):
    """The dotted path of every value of values.yaml, as README.md's table names them."""
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value and key not in WHOLE_MAPS and path not in WHOLE_PATHS:
            yield from value_paths(value, path + ".")
        else:
            yield path


def check_configuration(config_vars, values, every_values, every_render, chart_dir):
    config_keys = set((values.get("config") or {}).keys())
    secret_keys = set((values.get("secrets") or {}).keys())
    for var in config_vars:
        if var in SECRET_VARIABLES:
            if var not in secret_keys:
                problem("values.yaml", f"secret variable {var} is not a key of `secrets`")
            if var in config_keys:
                problem("values.yaml", f"secret variable {var} is a key of `config` (it would land in the ConfigMap)")
        elif var not in config_keys:
            problem("values.yaml", f"config.yml variable {var} is not a key of `config`: not settable through the chart")
    for key in sorted((config_keys | secret_keys) - set(config_vars)):
        problem("values.yaml", f"{key} is not a variable of config.yml (a stale or misspelt key)")
    readme = chart_dir / "README.md"
    documented = readme.read_text() if readme.is_file() else ""
    for path in value_paths(values):
        if f"`{path}`" not in documented:
            problem(f"{readme.name}", f"value `{path}` is not in the values table")
    if every_render is None:
        return
    given = {**(every_values.get("config") or {}), **(every_values.get("secrets") or {})}
    for var in config_vars:
        if var not in given:
            problem(every_render.name, f"ci/every-variable-values.yaml does not set {var}")
            continue
        value = given[var]
        want = str(int(value)) if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer() else str(value)
        got = (every_render.secret if var in SECRET_VARIABLES else every_render.configmap).get(var)
        if got != want:
            kind = "Secret" if var in SECRET_VARIABLES else "ConfigMap"
            problem(every_render.name, f"{var}: the {kind} has {got!r}, the values file sets {want!r}")


def check_versions(root, chart, values, renders):
    version, source = project_version(root)
    app = str(chart.get("appVersion", ""))
    tag = str((values.get("image") or {}).get("tag") or "")
    if version is None:
        problem("Chart.yaml", f"no project version to compare appVersion {app!r} with: {source}")
    elif app != version:
        problem("Chart.yaml", f"appVersion {app!r} is not the project's version {version!r} ({source})")
    if tag and tag != app:
        problem("values.yaml", f"image.tag {tag!r} is not the chart's appVersion {app!r}")
    return version, source


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", type=Path, required=True, help="the repository")
    ap.add_argument("--chart", type=Path, required=True, help="the chart folder")
    ap.add_argument("--kube-version", action="append", required=True, help="Kubernetes versions to validate against")
    ap.add_argument("--every-variable", metavar="NAME", help="the render of ci/every-variable-values.yaml")
    ap.add_argument("--kafka-ca-mounted", metavar="NAME", action="append", default=[],
                    help="a render whose Kafka CA must be mounted from a Secret or ConfigMap in every Kafka pod")
    ap.add_argument("renders", nargs="+", metavar="NAME=FILE", help="rendered manifests")
    args = ap.parse_args()

    chart = yaml.safe_load((args.chart / "Chart.yaml").read_text())
    values = yaml.safe_load((args.chart / "values.yaml").read_text())
    every_values = yaml.safe_load((args.chart / "ci" / "every-variable-values.yaml").read_text())
    config_vars = config_variables(args.root / "config.yml")
    if not config_vars:
        problem("config.yml", "found no environment variable names")
    uid, gid = image_uid(args.root)
    if uid is None:
        problem("compose/Dockerfile", "no USER uid:gid line")
    image = f"{values['image']['repository']}:{values['image'].get('tag') or chart['appVersion']}"

    renders, counts = [], {"documents": 0, "schema": 0, "custom": 0}
    for spec in args.renders:
        name, _, path = spec.partition("=")
        render = Render(name, path)
        renders.append(render)
        check_structure(render)
        custom = check_schemas(render, args.kube_version)
        check_custom(render, custom)
        check_pods(render, args.root, uid, gid, image)
        check_kafka_security(render, name in args.kafka_ca_mounted)
        counts["documents"] += len(render.docs)
        counts["custom"] += len(custom)
        counts["schema"] += len(render.docs) - len(custom)
    for name in args.kafka_ca_mounted:
        if not any(r.name == name for r in renders):
            problem("arguments", f"no render named {name} (--kafka-ca-mounted)")
    every = next((r for r in renders if r.name == args.every_variable), None)
    if args.every_variable and every is None:
        problem("arguments", f"no render named {args.every_variable}")
    check_configuration(config_vars, values, every_values, every, args.chart)
    version, source = check_versions(args.root, chart, values, renders)

    if problems:
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        print(f"{len(problems)} problem(s) in the Helm chart", file=sys.stderr)
        return 1
    print(f"{len(renders)} renders, {counts['documents']} documents: {counts['schema']} validated against the "
          f"Kubernetes {', '.join(args.kube_version)} schemas (strict), {counts['custom']} custom resources "
          f"checked structurally; {len(config_vars)} config.yml variables settable; appVersion {version} "
          f"= {source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
