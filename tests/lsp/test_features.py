"""Hover, definition, completion and quick fixes, called directly on a document view."""

from __future__ import annotations

from gwfc.compiler.lsp.analysis import View, analyse
from gwfc.compiler.lsp.codeactions import code_actions
from gwfc.compiler.lsp.completion import complete
from gwfc.compiler.lsp.navigation import definition, hover
from lsprotocol import types as lsp

from .samples import BROKEN_REFS, VALID, pos

URI = "untitled:wf.yaml"


def view(text: str, checked: bool = True) -> View:
    """A view of `text`; `checked=False` as while a check of a newer text is pending."""
    return View(URI, text, 1, "utf-16", analyse(URI, text, 1) if checked else None, {})


def hover_text(v: View, p: lsp.Position) -> str:
    h = hover(v, p)
    assert h is not None
    assert isinstance(h.contents, lsp.MarkupContent)
    return h.contents.value


def labels(result: lsp.CompletionList | None) -> list[str]:
    assert result is not None
    return [i.label for i in result.items]


def edit_of(result: lsp.CompletionList | None, label: str) -> lsp.TextEdit:
    assert result is not None
    item = next(i for i in result.items if i.label == label)
    assert isinstance(item.text_edit, lsp.TextEdit)
    return item.text_edit


# ---- hover -----------------------------------------------------------------------------------

def test_hover_reference_shows_kind_and_definition() -> None:
    for checked in (True, False):
        v = view(VALID, checked)
        text = hover_text(v, pos(VALID, "prep.outputs.data", 14))
        assert "**volume** output `data` of job `prep`, defined at line 18" in text
        assert "read by `train` (as `data`)" in text


def test_hover_reference_range_is_the_whole_reference() -> None:
    h = hover(view(VALID), pos(VALID, "prep.outputs.data", 2))
    assert h is not None and h.range is not None
    assert h.range.start == pos(VALID, "prep.outputs.data")
    assert h.range.end == pos(VALID, "prep.outputs.data", len("prep.outputs.data"))


def test_hover_workflow_input() -> None:
    text = hover_text(view(VALID), pos(VALID, "workflow.inputs.corpus", 17))
    assert "**dataset** workflow input `corpus`, defined at line 5" in text
    assert "ref: corpus:latest" in text


def test_hover_key_descriptions() -> None:
    v = view(VALID)
    assert "Jobs that must succeed before this one" in hover_text(v, pos(VALID, "needs: [prep]", 1))
    assert "Container image; it must have `bash`" in hover_text(v, pos(VALID, "image: python", 1))
    assert "**script** (required)" in hover_text(v, pos(VALID, "script: ls", 2))


def test_hover_action_and_kind() -> None:
    v = view(VALID)
    assert "**script@v1**" in hover_text(v, pos(VALID, "script@v1", 3))
    assert "`volume` (a directory for this run)" in hover_text(v, pos(VALID, "type: volume", 7))


def test_hover_job_name_in_needs() -> None:
    text = hover_text(view(VALID), pos(VALID, "[prep]", 2))
    assert text.startswith("**job** `prep` — `container@v1` (line 10)")
    assert "`data` (volume)" in text


# ---- definition ------------------------------------------------------------------------------

def test_definition_of_output_and_job_parts() -> None:
    for checked in (True, False):
        v = view(VALID, checked)
        locs = definition(v, pos(VALID, "prep.outputs.data", 15))
        assert locs is not None
        assert locs[0].range.start == pos(VALID, "data:\n        type: volume")
        locs = definition(v, pos(VALID, "prep.outputs.data", 1))
        assert locs is not None
        assert locs[0].range.start == pos(VALID, "prep:")


def test_definition_from_needs_and_workflow_input() -> None:
    v = view(VALID)
    locs = definition(v, pos(VALID, "[prep]", 1))
    assert locs is not None and locs[0].range.start == pos(VALID, "prep:")
    locs = definition(v, pos(VALID, "workflow.inputs.corpus", 18))
    assert locs is not None and locs[0].range.start == pos(VALID, "corpus:\n")


def test_definition_in_a_broken_file() -> None:
    broken = VALID.replace("      data: prep.outputs.data", "      data: prep.outputs.data\n     bad: [")
    v = view(broken)
    assert v.analysis is not None and v.analysis.result.workflow is None  # it does not parse
    locs = definition(v, pos(broken, "prep.outputs.data", 15))
    assert locs is not None and locs[0].range.start == pos(broken, "data:\n        type: volume")


# ---- completion ------------------------------------------------------------------------------

def test_complete_output_names_after_job_outputs() -> None:
    text = VALID.replace("data: prep.outputs.data", "data: prep.outputs.")
    result = complete(view(text), pos(text, "prep.outputs.", 13))
    assert labels(result) == ["data"]
    assert edit_of(result, "data").range == lsp.Range(pos(text, "prep.outputs.", 13), pos(text, "prep.outputs.", 13))


def test_complete_replaces_the_segment_being_typed() -> None:
    text = VALID.replace("data: prep.outputs.data", "data: prep.outputs.da")
    result = complete(view(text), pos(text, "prep.outputs.da", 15))
    assert edit_of(result, "data").range == lsp.Range(pos(text, "prep.outputs.da", 13),
                                                      pos(text, "prep.outputs.da", 15))


def test_complete_whole_references_and_workflow_inputs() -> None:
    text = VALID.replace("data: prep.outputs.data", "data: ")
    got = labels(complete(view(text), pos(text, "      data: \n", 12)))
    assert "prep.outputs.data" in got and "workflow.inputs.corpus" in got
    assert not any(g.startswith("train.") for g in got)  # not the job's own outputs
    text = VALID.replace("raw: workflow.inputs.corpus", "raw: workflow.inputs.")
    assert labels(complete(view(text), pos(text, "workflow.inputs.", 16))) == ["corpus"]
    text = VALID.replace("raw: workflow.inputs.corpus", "raw: workflow.")
    assert labels(complete(view(text), pos(text, "workflow.", 9))) == ["inputs"]


def test_complete_job_names_in_needs() -> None:
    text = VALID.replace("needs: [prep]", "needs: [")
    assert labels(complete(view(text), pos(text, "needs: [", 8))) == ["prep"]
    text = VALID.replace("needs: [prep]", "needs:\n    - ")
    assert labels(complete(view(text), pos(text, "    - ", 6))) == ["prep"]


def test_complete_with_parameters_of_the_action_in_a_broken_file() -> None:
    text = VALID.replace("      script: ls /inputs/data > /outputs/model/files\n", "      scr\n")
    v = view(text)
    assert v.analysis is not None and v.analysis.result.workflow is None  # `scr` alone is not YAML
    result = complete(v, pos(text, "      scr\n", 9))
    assert labels(result) == ["script"]  # `image` is there already
    assert edit_of(result, "script").new_text == "script: "
    assert edit_of(result, "script").range == lsp.Range(pos(text, "      scr\n", 6), pos(text, "      scr\n", 9))


def test_complete_job_keys_and_definition_keys() -> None:
    text = VALID.replace("    needs: [prep]\n", "    \n")
    got = labels(complete(view(text), pos(text, "    \n", 4)))
    assert {"needs", "env", "resources"} <= set(got) and "uses" not in got and "with" not in got
    text = VALID.replace("        type: volume\n", "        \n")
    assert labels(complete(view(text), pos(text, "        \n", 8))) == ["type", "with"]


def test_complete_values() -> None:
    text = VALID.replace("uses: script@v1", "uses: ")
    got = labels(complete(view(text), pos(text, "uses: \n", 6)))
    assert got == ["container@v1", "script@v1", "git-checkout@v1", "s3-download@v1", "create-model@v1"]
    text = VALID.replace("type: volume", "type: v")
    result = complete(view(text), pos(text, "type: v", 7))
    assert labels(result) == ["dataset", "volume", "string"]
    assert edit_of(result, "volume").range == lsp.Range(pos(text, "type: v", 6), pos(text, "type: v", 7))
    text = VALID.replace("instance-type: C5", "instance-type: ")
    assert "A100" in labels(complete(view(text), pos(text, "instance-type: ", 15)))


def test_complete_top_level_keys() -> None:
    text = VALID + "\n"
    got = labels(complete(view(text), lsp.Position(VALID.count("\n"), 0)))
    assert got == ["on", "context"]  # jobs, inputs and defaults are there


def test_nothing_inside_a_script_or_for_a_blank_while_typing_a_key() -> None:
    text = VALID.replace("script: ls /inputs/data > /outputs/model/files", "script: |\n        ls ")
    assert complete(view(text), pos(text, "        ls ", 11)) is None
    ctx = lsp.CompletionContext(trigger_kind=lsp.CompletionTriggerKind.TriggerCharacter, trigger_character=" ")
    assert complete(view(VALID + "  \n"), lsp.Position(VALID.count("\n"), 2), ctx) is None


# ---- quick fixes -----------------------------------------------------------------------------

def test_quick_fix_replaces_a_near_miss() -> None:
    v = view(BROKEN_REFS)
    at = pos(BROKEN_REFS, "dta")
    params = lsp.CodeActionParams(lsp.TextDocumentIdentifier(URI), lsp.Range(at, at), lsp.CodeActionContext([]))
    actions = code_actions(v, params)
    assert actions is not None and len(actions) == 1
    action = actions[0]
    assert action.title == 'replace "dta" with "data"'
    assert action.kind == lsp.CodeActionKind.QuickFix
    assert action.edit is not None and action.edit.changes is not None
    assert action.edit.changes[URI] == [lsp.TextEdit(lsp.Range(at, pos(BROKEN_REFS, "dta", 3)), "data")]


def test_quick_fix_adds_needs_as_a_versioned_edit() -> None:
    text = VALID.replace("    needs: [prep]\n", "")
    v = view(text)
    at = pos(text, "prep.outputs.data")
    params = lsp.CodeActionParams(lsp.TextDocumentIdentifier(URI), lsp.Range(at, at), lsp.CodeActionContext([]))
    actions = code_actions(v, params, document_changes=True)
    assert actions is not None
    assert [a.title for a in actions] == ["add `needs: [prep]`"]
    edit = actions[0].edit
    assert edit is not None and edit.document_changes is not None
    doc_edit = edit.document_changes[0]
    assert isinstance(doc_edit, lsp.TextDocumentEdit)
    assert doc_edit.text_document.version == 1
    assert doc_edit.edits[0].new_text == "\n    needs: [prep]"


def test_no_quick_fix_from_an_older_text() -> None:
    v = view(BROKEN_REFS, checked=False)
    at = pos(BROKEN_REFS, "dta")
    params = lsp.CodeActionParams(lsp.TextDocumentIdentifier(URI), lsp.Range(at, at), lsp.CodeActionContext([]))
    assert code_actions(v, params) is None
