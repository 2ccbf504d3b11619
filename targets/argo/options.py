"""The Argo target's options: the keys of `--set KEY=VALUE` and `[targets.argo]` in gwfc.toml
(DESIGN.md, Bundles and -o). `--namespace` is an alias of `--set namespace=…`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation


@dataclass(frozen=True, slots=True)
class ArgoOptions:
    """How a workflow becomes an Argo resource. Every default gives a Workflow that runs on an
    Argo installation with a default artifact repository (docs/targets/argo.md)."""

    #: `Workflow` (submit it) or `WorkflowTemplate` (register it, submit by name).
    kind: str = field(default="Workflow", metadata={"choices": ("Workflow", "WorkflowTemplate")})
    #: metadata.name; default: a WorkflowTemplate is named after the workflow, a Workflow gets
    #: `generateName` instead.
    name: str = ""
    #: metadata.generateName of a Workflow (default: the workflow's name and `-`).
    generate_name: str = ""
    namespace: str = ""
    #: spec.serviceAccountName (empty: the namespace's default account).
    service_account: str = ""
    #: The Kubernetes Secret that holds the workflow's secrets, one key per secret NAME.
    secret_name: str = "gwfc-secrets"
    #: How volumes and datasets move between the steps of a run: `artifacts` (the artifact
    #: repository) or `pvc` (one PersistentVolumeClaim per run, from volumeClaimTemplates).
    volumes: str = field(default="artifacts", metadata={"choices": ("artifacts", "pvc")})
    #: How string outputs move: `parameters` (Argo output parameters, visible in the UI) or
    #: `artifacts` (files in the artifact repository: exact bytes, any size).
    strings: str = field(default="parameters", metadata={"choices": ("parameters", "artifacts")})
    #: spec.securityContext.fsGroup (empty: none): the group the kubelet gives the run's claim
    #: (`volumes=pvc`), so that an image running as a non-root user can write its outputs there.
    fs_group: str = ""
    pvc_size: str = "10Gi"
    pvc_storage_class: str = ""
    pvc_access_mode: str = field(default="ReadWriteMany",
                                 metadata={"choices": ("ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")})
    #: spec.artifactRepositoryRef: a ConfigMap name (empty: the namespace's default repository).
    artifact_repository: str = ""
    artifact_repository_key: str = ""
    #: The kind of the artifact repository, for the keys of datasets and models.
    artifact_storage: str = field(default="s3", metadata={"choices": ("s3", "gcs", "oss")})
    #: Prefix of dataset and model keys in the artifact repository.
    artifact_prefix: str = "gwfc"
    #: Image of gwfc's small helper containers (prepare files, commit datasets); it must hold
    #: a static busybox at /bin/busybox.
    helper_image: str = "busybox:1.36.1-musl"
    #: Node label that selects machines of an instance type (empty: no node selector).
    node_selector_label: str = "gwfc/instance-type"
    #: Extended resource name of GPUs.
    gpu_resource: str = "nvidia.com/gpu"
    #: The share of an instance type's CPUs and memory that a job requests: a node's
    #: allocatable resources are smaller than the machine (the kubelet, the system and Argo's
    #: own containers take some), so requesting the whole row would never be scheduled. 1: the
    #: whole row. The memory limit stays the whole row.
    request_fraction: str = "0.9"


# ---- what Kubernetes and Argo accept (each rule is quoted in the GW603 message) ----------

_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
_DNS_LABEL = re.compile(_LABEL)
_DNS_SUBDOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_QUALIFIED_NAME = re.compile(r"[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?")
_CONFIGMAP_KEY = re.compile(r"[-._a-zA-Z0-9]+")
_QUANTITY = re.compile(r"\+?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[KMGTPE]i|[mkMGTPE]|[eE][-+]?[0-9]+)?")
_KEY_PREFIX = re.compile(r"[A-Za-z0-9!_.*'()/-]*")
_IMAGE = re.compile(r"[^\s{}$]+")

DNS_LABEL_RULE = "a DNS-1123 label: at most 63 lower-case letters, digits and '-', starting and ending alphanumeric"
DNS_SUBDOMAIN_RULE = ("a DNS-1123 subdomain: at most 253 characters, lower-case letters, digits, '-' and '.', "
                      "each part starting and ending alphanumeric")


def dns_label_ok(text: str) -> bool:
    """A DNS-1123 label (a namespace)."""
    return len(text) <= 63 and bool(_DNS_LABEL.fullmatch(text))


def dns_subdomain_ok(text: str, limit: int = 253) -> bool:
    """A DNS-1123 subdomain (most object names)."""
    return len(text) <= limit and bool(_DNS_SUBDOMAIN.fullmatch(text))


def qualified_name_ok(text: str, need_prefix: bool = False) -> bool:
    """A Kubernetes qualified name (a label key, an extended resource): `[prefix/]name`, the
    prefix a DNS subdomain, the name at most 63 alphanumerics, '-', '_' and '.'."""
    prefix, slash, name = text.rpartition("/")
    if need_prefix and not slash:
        return False
    if slash and not dns_subdomain_ok(prefix):
        return False
    return len(name) <= 63 and bool(_QUALIFIED_NAME.fullmatch(name))


def quantity_ok(text: str) -> bool:
    """A positive Kubernetes quantity (`10Gi`, `500M`, `1.5e9`)."""
    if not _QUANTITY.fullmatch(text):
        return False
    number = re.match(r"\+?([0-9.]+)", text)
    try:
        return number is not None and Decimal(number.group(1)) > 0
    except InvalidOperation:
        return False


def fraction(text: str) -> Decimal | None:
    """`request-fraction` as a number in (0, 1], else None."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() and 0 < value <= 1 else None


def _generate_name_ok(text: str) -> bool:
    # Kubernetes checks a generateName with a trailing '-' masked, then appends 5 characters
    # (cutting the prefix to 58, so that Argo's 63-character limit on names holds).
    masked = text[:-1] + "a" if text.endswith("-") else text
    return dns_subdomain_ok(masked)


_RULES: tuple[tuple[str, Callable[[str], bool], str], ...] = (
    ("name", lambda v: dns_subdomain_ok(v, 63),
     "a DNS-1123 subdomain of at most 63 characters (Argo's limit for workflow names): lower-case letters, "
     "digits, '-' and '.'"),
    ("generate-name", _generate_name_ok,
     "a prefix of a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', starting alphanumeric"),
    ("namespace", dns_label_ok, DNS_LABEL_RULE),
    ("service-account", dns_subdomain_ok, DNS_SUBDOMAIN_RULE),
    ("secret-name", dns_subdomain_ok, DNS_SUBDOMAIN_RULE),
    ("fs-group", lambda v: v.isascii() and v.isdigit() and int(v) <= 2**31 - 1,
     "a group id: a whole number from 0 to 2147483647"),
    ("pvc-size", quantity_ok, "a positive Kubernetes quantity such as 10Gi, 500M or 1.5e12"),
    ("pvc-storage-class", dns_subdomain_ok, DNS_SUBDOMAIN_RULE),
    ("artifact-repository", dns_subdomain_ok, "a ConfigMap name: " + DNS_SUBDOMAIN_RULE),
    ("artifact-repository-key", lambda v: len(v) <= 253 and bool(_CONFIGMAP_KEY.fullmatch(v)),
     "a ConfigMap key: letters, digits, '-', '_' and '.'"),
    ("artifact-prefix", lambda v: bool(_KEY_PREFIX.fullmatch(v)),
     "a key prefix of letters, digits and !_.*'()/- (no `$`, `{` or spaces: Argo and Kubernetes would read them)"),
    ("helper-image", lambda v: bool(_IMAGE.fullmatch(v)), "an image reference without spaces, `{` or `$`"),
    ("node-selector-label", qualified_name_ok,
     "a label key: [PREFIX/]NAME, PREFIX a DNS-1123 subdomain, NAME at most 63 letters, digits, '-', '_' and '.', "
     "starting and ending alphanumeric"),
    ("gpu-resource", lambda v: qualified_name_ok(v, need_prefix=True) and not v.split("/")[0].endswith("kubernetes.io"),
     "an extended resource name: DOMAIN/NAME outside kubernetes.io, as nvidia.com/gpu"),
    ("request-fraction", lambda v: fraction(v) is not None, "a number greater than 0 and at most 1, as 0.9"),
)


def invalid_options(options: ArgoOptions) -> Iterator[tuple[str, str, str]]:
    """(key, value, rule) for each option whose value Kubernetes or Argo would refuse. Empty
    values mean "not set" where the option is optional."""
    for key, ok, rule in _RULES:
        value = getattr(options, key.replace("-", "_"))
        if value == "" and key not in ("pvc-size", "helper-image", "secret-name", "request-fraction", "gpu-resource"):
            continue
        if not ok(value):
            yield key, value, rule
