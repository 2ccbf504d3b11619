"""Instance types as Kubernetes scheduling (DESIGN.md, Configuration): a row of the profile
(cpus, memory, gpus) becomes resource requests and limits, the type's name a node selector.

Quantities are strings (`"4"`, `"500m"`, `"16Gi"`), as the Kubernetes schema wants them. A
job requests a share (`request-fraction`, 0.9 by default) of the row's CPUs and memory: a node
of that type has less allocatable than the machine (the kubelet and the system keep some,
Argo's wait container requests its own), so a request of the whole row would never be
scheduled. CPU is requested, not limited (a limit throttles); memory is limited to the whole
row; GPUs are whole devices, requested and limited alike (extended resources must have equal
requests and limits).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from gwfc.compiler.profiles import InstanceType

#: A Kubernetes label value.
_LABEL_VALUE = re.compile(r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?\Z")


def cpu_quantity(cpus: float) -> str:
    """CPUs as a quantity: whole numbers as they are, fractions in millicores."""
    if float(cpus).is_integer():
        return str(int(cpus))
    return f"{round(cpus * 1000)}m"


def memory_quantity(mib: int) -> str:
    """Memory in MiB as a quantity, in GiB when whole."""
    return f"{mib // 1024}Gi" if mib % 1024 == 0 else f"{mib}Mi"


def container_resources(row: InstanceType, gpu_resource: str, share: Decimal = Decimal(1)) -> dict[str, Any]:
    """requests and limits of a container for one machine type, requesting `share` of its CPUs
    and memory (rounded down to whole millicores and MiB)."""
    millicores = max(1, math.floor(Decimal(str(row.cpus)) * 1000 * share))
    mib = max(1, math.floor(Decimal(row.memory_mib) * share))
    requests: dict[str, str] = {"cpu": cpu_quantity(millicores / 1000), "memory": memory_quantity(mib)}
    limits: dict[str, str] = {"memory": memory_quantity(row.memory_mib)}
    if row.gpus:
        requests[gpu_resource] = str(row.gpus)
        limits[gpu_resource] = str(row.gpus)
    return {"requests": requests, "limits": limits}


def label_value(text: str) -> bool:
    """Whether `text` can be a label value (a node selector)."""
    return bool(_LABEL_VALUE.match(text))
