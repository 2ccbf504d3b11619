"""Every IR field is mapped or reported by every target (DESIGN.md, Target): the fields of
grammar/ir.schema.json are exactly targets.base.SUPPORT_FIELDS, and each registered target's
matrix covers them with "mapped", "info" or "error"."""

from __future__ import annotations

from typing import Any

from gwfc.compiler.irschema import ir_schema
from gwfc.targets.base import SUPPORT_FIELDS, registry


def _fields(schema: dict[str, Any]) -> set[str]:
    """Top-level fields, the fields of a step, and those of its run record."""
    defs = schema["definitions"]
    out = {k for k in schema["properties"] if k not in ("gwfc-ir", "steps")}
    step = defs["step"]["properties"]
    out |= {f"steps.{k}" for k in step if k != "run"}
    out |= {f"steps.run.{k}" for k in step["run"]["properties"]}
    return out


def test_support_fields_are_the_ir_schema_fields() -> None:
    assert set(SUPPORT_FIELDS) == _fields(ir_schema())


def test_every_target_covers_every_field() -> None:
    targets = registry()
    assert {"shell", "argo"} <= set(targets)
    for name, target in targets.items():
        assert set(target.matrix) == set(SUPPORT_FIELDS), name
        assert set(target.matrix.values()) <= {"mapped", "info", "error"}, name
