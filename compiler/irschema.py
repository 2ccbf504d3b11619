"""grammar/ir.schema.json and its check (for `compile --from-ir` and the tests)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any


@lru_cache(maxsize=1)
def ir_schema() -> dict[str, Any]:
    """The IR's JSON Schema."""
    return json.loads(resources.files("gwfc.grammar").joinpath("ir.schema.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def validate_ir(data: Any) -> list[str]:
    """Problems of an IR document against the schema (empty when valid)."""
    import jsonschema  # type: ignore[import-untyped]

    validator = jsonschema.Draft7Validator(ir_schema())
    out = []
    for err in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        path = "/".join(str(p) for p in err.absolute_path) or "(top)"
        out.append(f"{path}: {err.message}")
    return out
