"""Every fix gwfc suggests, applied on its own, keeps the workflow readable: it never
introduces a YAML error (GW101) or a duplicate key (GW105), and the diagnostic it fixes is
gone afterwards. Checked on the corpus and on random edits of it."""

from __future__ import annotations

import random

from gwfc.compiler.diagnostics import Diagnostic, Fix
from gwfc.compiler.pipeline import Options, check_bytes
from gwfc.compiler.source import SourceFile

from ..conftest import corpus_files
from .test_schema_agreement import _mutate


def apply(text: str, fix: Fix) -> str:
    src = SourceFile("x", text)
    edits = sorted(fix.edits, key=lambda e: (e.span.line, e.span.column), reverse=True)
    for e in edits:
        a = src.offset(e.span.line, e.span.column)
        b = src.offset(e.span.end_line, e.span.end_column)
        text = text[:a] + e.text + text[b:]
    return text


def _check(text: str) -> list[Diagnostic]:
    return check_bytes(text.encode("utf-8"), "x.yaml", Options()).diagnostics


def _assert_fixes_are_sound(text: str) -> int:
    before = _check(text)
    counts = {(d.code, d.message) for d in before}
    n = 0
    for d in before:
        if d.fix is None or not d.fix.edits:
            continue
        n += 1
        fixed = apply(text, d.fix)
        after = _check(fixed)
        new = [x.code for x in after if x.code in ("GW101", "GW105") and (x.code, x.message) not in counts]
        assert not new, f"{d.code} fix {d.fix} broke the file:\n{fixed}"
        assert not any(x.code == d.code and x.span == d.span and x.message == d.message for x in after), \
            f"{d.code} is still there after its fix {d.fix}:\n{fixed}"
    return n


def test_fixes_on_the_corpus() -> None:
    applied = sum(_assert_fixes_are_sound(p.read_text(encoding="utf-8", errors="replace")) for p in corpus_files())
    assert applied >= 10


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 3:
        return word + "x"
    i = rng.randrange(len(word) - 1)
    op = rng.randrange(3)
    if op == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]  # swap
    if op == 1:
        return word[:i] + word[i + 1:]  # drop
    return word[:i] + word[i].upper() + word[i + 1:]  # case


def _mistake(text: str, rng: random.Random) -> str:
    """One fixable mistake: a typo in a key or a reference, a dropped `needs` entry, a number
    where a string goes, a `ref` beside `type`."""
    lines = text.split("\n")
    for _ in range(20):
        i = rng.randrange(len(lines))
        line = lines[i]
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if not stripped or stripped.startswith("#"):
            continue
        op = rng.randrange(5)
        if op == 0 and ":" in stripped and not stripped.startswith("-"):
            key, sep, rest = stripped.partition(":")
            lines[i] = indent + _typo(key, rng) + sep + rest
        elif op == 1 and ".outputs." in stripped:
            key, sep, rest = stripped.partition(": ")
            job, _, out = rest.strip().partition(".outputs.")
            lines[i] = indent + key + sep + (_typo(job, rng) if rng.random() < 0.5 else job) + ".outputs." + \
                (_typo(out, rng) if rng.random() < 0.5 else out)
        elif op == 2 and stripped.startswith("- ") and i > 0 and "needs" in "\n".join(lines[max(0, i - 3):i]):
            del lines[i]
        elif op == 3 and stripped.startswith(("image:", "instance-type:", "value:")):
            lines[i] = indent + stripped.split(":")[0] + ": " + rng.choice(["5", "yes", "1.5", "null"])
        elif op == 4 and stripped.startswith("with:") and i + 1 < len(lines) and "ref:" in lines[i + 1]:
            lines[i] = ""
            lines[i + 1] = lines[i + 1][2:]
        else:
            continue
        break
    return "\n".join(lines)


def test_fixes_on_random_edits() -> None:
    files = [p.read_text(encoding="utf-8", errors="replace") for p in corpus_files()]
    rng = random.Random(4242)
    applied = 0
    for _ in range(1500):
        text = rng.choice(files)
        text = _mistake(text, rng) if rng.random() < 0.8 else _mutate(text, rng)
        applied += _assert_fixes_are_sound(text)
    assert applied >= 500
