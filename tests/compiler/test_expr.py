"""References (grammar/expr.lark): every form, offsets, friendly errors, and the fast path
equal to the grammar on any string."""

from __future__ import annotations

import pytest
from gwfc.compiler import expr as X
from hypothesis import given, settings
from hypothesis import strategies as st


@pytest.mark.parametrize("text,kind,parts", [
    ("workflow.inputs.data", X.WORKFLOW_INPUT, ("workflow", "inputs", "data")),
    ("job-1.outputs.model-id", X.JOB_OUTPUT, ("job-1", "outputs", "model-id")),
    ("CloneRepo.outputs.repo", X.JOB_OUTPUT, ("CloneRepo", "outputs", "repo")),
    ("workflows.outputs.x", X.JOB_OUTPUT, ("workflows", "outputs", "x")),   # a job that looks like a keyword
    ("outputs.outputs.outputs", X.JOB_OUTPUT, ("outputs", "outputs", "outputs")),
    ("contextual.outputs.x", X.JOB_OUTPUT, ("contextual", "outputs", "x")),
    ("secret:MY_SECRET", X.SECRET, ("MY_SECRET",)),
    ("secret:api-key", X.SECRET, ("api-key",)),
    ("context.event.github.url", X.CONTEXT, ("context", "event", "github", "url")),
    ("a.inputs.b", X.JOB_INPUT, ("a", "inputs", "b")),
    ("a.outputs.b.c", X.OUTPUT_SUBPATH, ("a", "outputs", "b", "c")),
    ("workflow.input.x", X.WORKFLOW_OTHER, ("workflow", "input", "x")),
    ("a.output.b", X.OTHER_PATH, ("a", "output", "b")),
    ("3d.outputs.x_1", X.JOB_OUTPUT, ("3d", "outputs", "x_1")),
])
def test_forms(text: str, kind: str, parts: tuple[str, ...]) -> None:
    e = X.parse(text)
    assert isinstance(e, X.Expr)
    assert (e.kind, e.parts) == (kind, parts)
    for part, offset in zip(e.parts, e.offsets, strict=True):
        assert text[offset:offset + len(part)] == part


@pytest.mark.parametrize("text,offset,needle", [
    ("a.outputs.", 10, "expected a name"),
    ("a..b", 2, "unexpected character '.'"),
    ("a.b c", 3, "unexpected blank"),
    ("secret:", 7, "expected a secret name"),
    ("", 0, "empty"),
    ("a", 1, "expected `.`"),
    ("-a.b", 0, "unexpected character '-'"),
    ("a.b\n", 3, "blank"),
])
def test_errors_are_in_user_terms(text: str, offset: int, needle: str) -> None:
    e = X.parse(text)
    assert isinstance(e, X.ExprError)
    assert e.offset == offset
    assert needle in e.message
    for lark_word in ("NAME", "SECRET_NAME", "DOT", "$END", "Token", "__ANON"):
        assert lark_word not in e.message


_CHARS = st.sampled_from(list("abAB09_-.:é ") + ["secret:", "outputs", "inputs", "workflow", "context", "\t"])


@settings(max_examples=2000, deadline=None)
@given(st.lists(_CHARS, max_size=12).map("".join))
def test_fast_path_equals_the_grammar(text: str) -> None:
    assert X.parse(text) == X.parse_with_lark(text)


def test_secret_name_rule() -> None:
    assert X.valid_secret_name("MY_SECRET-1")
    assert not X.valid_secret_name("1abc")
    assert not X.valid_secret_name("a.b")


def test_grammar_file_is_the_one_used() -> None:
    assert "dotted_ref" in X.grammar_text()
