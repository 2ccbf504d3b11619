"""grammar/workflow.schema.json (what editors read) and gwfc's structure checker agree.

gwfc does not validate with jsonschema (seconds on a large file, one error per keyword); it
walks the tree once with key sets read from the schema and curated messages. Here both judge
the same documents — the corpus and thousands of random edits of it — and must agree on
whether the structure is valid.
"""

from __future__ import annotations

import random

import jsonschema
import pytest
from gwfc.compiler.diagnostics import Severity
from gwfc.compiler.nodes import to_python
from gwfc.compiler.pipeline import Options, check_bytes
from gwfc.compiler.schema import workflow_schema

from ..conftest import corpus_files

#: Codes that report what the schema expresses (the others are references, graph, lints).
STRUCTURAL = {f"GW2{n:02d}" for n in range(1, 23)} | {"GW311", "GW312", "GW313", "GW314", "GW320", "GW328",
                                                      "GW333", "GW334"}
#: Codes after which the tree is not what jsonschema would see (a JSON loader keeps the last duplicate).
UNCOMPARABLE = {"GW101", "GW102", "GW103", "GW104", "GW105", "GW107", "GW108", "GW109", "GW112", "GW113", "GW114"}

_VALIDATOR = jsonschema.Draft7Validator(workflow_schema())


def verdicts(text: str) -> tuple[bool, bool] | None:
    """(jsonschema says valid, gwfc says structurally valid), or None when not comparable."""
    r = check_bytes(text.encode("utf-8"), "x.yaml", Options())
    if any(d.code in UNCOMPARABLE for d in r.diagnostics) or r.source is None:
        return None
    from gwfc.compiler.diagnostics import Sink
    from gwfc.compiler.loader import load_source

    doc = load_source(r.source, Sink())
    data = to_python(doc.root)
    schema_ok = _VALIDATOR.is_valid(data)
    ours_ok = not any(d.code in STRUCTURAL and d.severity is Severity.ERROR for d in r.diagnostics)
    return schema_ok, ours_ok


def _explain(text: str) -> str:
    from gwfc.compiler.diagnostics import Sink
    from gwfc.compiler.loader import load_source

    r = check_bytes(text.encode("utf-8"), "x.yaml", Options())
    doc = load_source(r.source, Sink())
    errs = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:120]}"
            for e in _VALIDATOR.iter_errors(to_python(doc.root))]
    ours = [f"{d.code} {d.span.line}:{d.span.column} {d.message}" for d in r.diagnostics if d.code in STRUCTURAL]
    return f"schema: {errs[:4]}\ngwfc: {ours[:4]}\n---\n{text[:1500]}"


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name[:60])
def test_corpus(path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    v = verdicts(text)
    if v is not None:
        assert v[0] == v[1], _explain(text)


_REPLACEMENTS = ["null", "5", "[]", "{}", "x.outputs.y", "secret:x", "'secret:a.b'", "volume", "dataset", "string",
                 "volumes", "container@v1", "scrip@v1", "true", "{type: volume}", "{ref: a, id: b}", "[a, b]",
                 "'my data'", "workflow", "Tensorflow", "tensorflow"]


def _mutate(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(lines))
        line = lines[i]
        op = rng.randrange(4)
        if op == 0:
            del lines[i]
        elif op == 1 and ":" in line:
            key, _, value = line.partition(":")
            lines[i] = key + ": " + rng.choice(_REPLACEMENTS)
        elif op == 2 and ":" in line:
            key, sep, value = line.partition(":")
            stripped = key.lstrip()
            indent = key[: len(key) - len(stripped)]
            lines[i] = indent + rng.choice(["name", "image", "with", "ref", "id", "value", "type", "needs",
                                            "env", "runs-on", stripped + "x", "workflow", "outputs"]) + sep + value
        elif lines:
            lines.insert(i, lines[rng.randrange(len(lines))])
        if not lines:
            break
    return "\n".join(lines)


def test_random_edits_of_the_corpus() -> None:
    files = [p.read_text(encoding="utf-8", errors="replace") for p in corpus_files()]
    rng = random.Random(20261125)
    compared = 0
    for _ in range(1500):
        text = _mutate(rng.choice(files), rng)
        v = verdicts(text)
        if v is None:
            continue
        compared += 1
        assert v[0] == v[1], _explain(text)
    assert compared > 500


def test_catalogue_and_schema_agree() -> None:
    """grammar/actions.json (what the checker reads) and the schema's `with-*` definitions (what
    editors read) describe the same parameters."""
    from gwfc.compiler.catalogue import catalogue

    defs = workflow_schema()["definitions"]
    assert set(workflow_schema()["definitions"]["job"]["properties"]["uses"]["enum"]) == set(catalogue())
    for name, spec in catalogue().items():
        d = defs["with-" + name.split("@")[0]]
        assert set(d["properties"]) == set(spec.params), name
        assert set(d.get("required", [])) == set(spec.required), name
        for p, ps in spec.params.items():
            prop = d["properties"][p]
            if ps.secret:
                assert prop.get("$ref") == "#/definitions/secret", (name, p)
            if ps.enum:
                assert set(prop["enum"]) == set(ps.enum) | set(ps.warn), (name, p)
            if ps.type == "string-list":
                assert prop["type"] == "array" and prop["items"] == {"type": "string"}, (name, p)
