"""References inside scalars (SPEC.md §11), parsed with the lark grammar grammar/expr.lark.

`parse(text)` gives an `Expr` (a classified reference with the offset of each part inside the
text, so diagnostics point at the right column) or an `ExprError` (a message in the user's
terms, never lark's token names, and the offset where parsing failed).

The grammar is the definition. Well-formed references (by far the most common case: one per
job input) are recognised first by two regular expressions that accept exactly the sentences
of the grammar's `dotted_ref` and `secret_ref` rules and split them the same way; a property
test holds them equal to lark. Everything else, including every error, goes through lark.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple

#: Reference kinds after classification.
WORKFLOW_INPUT = "workflow-input"   # workflow.inputs.NAME
JOB_OUTPUT = "job-output"           # JOB.outputs.NAME
SECRET = "secret"                   # secret:NAME
CONTEXT = "context"                 # context.a.b
JOB_INPUT = "job-input"             # JOB.inputs.NAME (wrong: GW305)
OUTPUT_SUBPATH = "output-subpath"   # JOB.outputs.a.b (wrong: GW306)
WORKFLOW_OTHER = "workflow-other"   # workflow.x… that is not workflow.inputs.NAME
OTHER_PATH = "other-path"           # a.b, a.b.c.d … (no known form)

SECRET_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")

#: The context paths GitHub-triggered runs fill in, and a git repository can (SPEC.md §9).
GITHUB_CONTEXT = ("event.github.url", "event.github.ref")

_DOTTED_FAST = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_][A-Za-z0-9_-]*)+\Z")
_SECRET_FAST = re.compile(r"secret:[A-Za-z0-9_.\-]+\Z")

_FRIENDLY = {
    "NAME": "a name",
    "SECRET_NAME": "a secret name",
    "SECRET_PREFIX": "`secret:`",
    "DOT": "`.`",
    "__ANON_0": "a name",
    "$END": "the end of the reference",
    "<END-OF-FILE>": "the end of the reference",
}


class Expr(NamedTuple):
    """A classified reference: its parts and the offset of each part in the text."""

    kind: str
    parts: tuple[str, ...]
    offsets: tuple[int, ...]
    text: str

    @property
    def name(self) -> str:
        """The last part: the input, output or secret name."""
        return self.parts[-1]

    @property
    def job(self) -> str:
        """The job of a JOB.outputs/inputs reference."""
        return self.parts[0]

    @property
    def context_path(self) -> str:
        """The path after `context.` (`event.github.url`)."""
        return ".".join(self.parts[1:])


class ExprError(NamedTuple):
    """A reference that does not parse: what was expected, and where (offset in the text)."""

    message: str
    offset: int
    end: int


@lru_cache(maxsize=1)
def _parser() -> Any:
    import lark

    grammar = resources.files("gwfc.grammar").joinpath("expr.lark").read_text(encoding="utf-8")
    return lark.Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=False)


def grammar_text() -> str:
    """The text of grammar/expr.lark."""
    return resources.files("gwfc.grammar").joinpath("expr.lark").read_text(encoding="utf-8")


_MEMO: dict[str, Expr | ExprError] = {}


def parse(text: str) -> Expr | ExprError:
    """Parse and classify one reference (the whole scalar, without surrounding blanks).

    Results are immutable and memoised: a workflow reads most outputs from several jobs.
    """
    hit = _MEMO.get(text)
    if hit is None:
        if len(_MEMO) >= 65536:
            _MEMO.clear()
        hit = _MEMO[text] = _parse(text)
    return hit


def _parse(text: str) -> Expr | ExprError:
    if _DOTTED_FAST.match(text):
        parts = tuple(text.split("."))
        offsets = []
        pos = 0
        for p in parts:
            offsets.append(pos)
            pos += len(p) + 1
        return classify_dotted(parts, tuple(offsets), text)
    if _SECRET_FAST.match(text):
        return Expr(SECRET, (text[7:],), (7,), text)
    return parse_with_lark(text)


def parse_with_lark(text: str) -> Expr | ExprError:
    """Parse with the grammar only (the reference implementation; `parse` is equal to it)."""
    import lark

    try:
        tree = _parser().parse(text)
    except lark.exceptions.UnexpectedInput as exc:
        return _error(text, exc)
    node = tree.children[0]
    tokens = [t for t in node.children if isinstance(t, lark.Token)]
    if node.data == "secret_ref":
        name = tokens[1]
        return Expr(SECRET, (str(name),), (int(name.start_pos or 0),), text)
    parts = tuple(str(t) for t in tokens)
    offsets = tuple(int(t.start_pos or 0) for t in tokens)
    return classify_dotted(parts, offsets, text)


def classify_dotted(parts: tuple[str, ...], offsets: tuple[int, ...], text: str) -> Expr:
    """Name the form of a dotted path (the wrong forms included, for precise diagnostics)."""
    first = parts[0]
    n = len(parts)
    if first == "context":
        kind = CONTEXT
    elif first == "workflow":
        kind = WORKFLOW_INPUT if n == 3 and parts[1] == "inputs" else WORKFLOW_OTHER
    elif n >= 2 and parts[1] == "outputs":
        kind = JOB_OUTPUT if n == 3 else OUTPUT_SUBPATH
    elif n >= 2 and parts[1] == "inputs":
        kind = JOB_INPUT
    else:
        kind = OTHER_PATH
    return Expr(kind, parts, offsets, text)


def _describe(expected: set[str] | frozenset[str] | None) -> str:
    names = sorted({_FRIENDLY.get(e, e.lower()) for e in (expected or ())})
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]


def _what(ch: str) -> str:
    return "blank" if ch.isspace() else f"character {ch!r}"


def _error(text: str, exc: Any) -> ExprError:
    import lark

    offset: int
    if isinstance(exc, lark.exceptions.UnexpectedCharacters):
        offset = int(exc.pos_in_stream or 0)
        expected = _describe(exc.allowed)
    elif isinstance(exc, lark.exceptions.UnexpectedEOF):
        offset = len(text)
        expected = _describe(set(exc.expected))
    else:
        token = exc.token
        expected = _describe(exc.expected)
        offset = len(text) if token.type == "$END" else int(token.start_pos or 0)
    if offset >= len(text):
        if not text:
            return ExprError(f"the reference is empty; expected {expected}", 0, 0)
        last = text.rsplit(".", 1)[-1] if not text.endswith((".", ":")) else text[-1]
        return ExprError(f"the reference ends after `{last}`; expected {expected}",
                         len(text), len(text))
    return ExprError(f"unexpected {_what(text[offset])} in the reference; expected {expected}",
                     offset, offset + 1)


def looks_like_expression(text: str) -> bool:
    """Whether a `with`/`env` string is written as a reference Gradient substitutes there:
    `secret:NAME` or `context.…` (SPEC.md §7, §9)."""
    return text.startswith("secret:") or text.startswith("context.")


def valid_secret_name(name: str) -> bool:
    """Secret names match `[A-Za-z_][A-Za-z0-9_-]*` (SPEC.md §7)."""
    return SECRET_NAME_RE.match(name) is not None
