"""No input makes gwfc raise: random YAML-shaped text, random bytes, and random edits of real
workflows all get a verdict (never GW901, never an exception)."""

from __future__ import annotations

import random

from gwfc.compiler.irschema import validate_ir
from gwfc.compiler.pipeline import Options, check_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..conftest import corpus_files

_ALPHABET = list("abcjobsuwith:-[]{},'\"|>&*!#%@`\t\n ") + ["\n  ", "uses: ", "container@v1", "jobs:\n",
                                                              "inputs:", "outputs:", ".outputs.", "needs:",
                                                              "type: ", "volume", "secret:", "${{", "é", "😀"]
_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _ok(data: bytes) -> None:
    r = check_bytes(data, "fuzz.yaml", Options(want_ir=True))
    assert not r.internal, r.internal
    assert all(d.code != "GW901" for d in r.diagnostics)
    if r.ir is not None:  # whatever the front end accepts lowers to a valid IR
        assert validate_ir(r.ir.to_json()) == []


@_SETTINGS
@given(st.lists(st.sampled_from(_ALPHABET), max_size=80))
def test_random_yaml_shaped_text(parts: list[str]) -> None:
    _ok("".join(parts).encode("utf-8"))


@_SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    _ok(data)


@_SETTINGS
@given(st.integers(min_value=0, max_value=10**9))
def test_random_edits_of_real_workflows(seed: int) -> None:
    files = corpus_files()
    rng = random.Random(seed)
    text = rng.choice(files).read_text(encoding="utf-8", errors="replace")
    lines = text.split("\n")
    for _ in range(rng.randint(1, 4)):
        if not lines:
            break
        i = rng.randrange(len(lines))
        op = rng.randrange(5)
        if op == 0:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif op == 2:
            lines[i] = "  " + lines[i]
        elif op == 3:
            lines[i] = lines[i].replace(":", "", 1)
        else:
            words = lines[i].split(" ")
            words[rng.randrange(len(words))] = rng.choice(["null", "5", "[]", "{}", "x.outputs.y", "secret:", "${{"])
            lines[i] = " ".join(words)
    _ok("\n".join(lines).encode("utf-8"))
