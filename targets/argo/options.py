"""The Argo target's options: the keys of `--set KEY=VALUE` and `[targets.argo]` in gwfc.toml
(DESIGN.md, Bundles and -o). `--namespace` is an alias of `--set namespace=…`."""

from __future__ import annotations

from dataclasses import dataclass, field


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
