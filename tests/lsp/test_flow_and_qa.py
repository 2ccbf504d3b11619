"""Completion and hover in flow style and the other QA findings, called on a document view.

Completion results are checked the way an editor uses them: the text edit is applied, and the
new text is checked with `check_bytes` (QA: edits that replaced `[]`, inserted `d:ref` without
a blank, a string `needs`, a key present already).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from gwfc.compiler.config import Config, load_config
from gwfc.compiler.diagnostics import Severity, Sink
from gwfc.compiler.lsp import flow as F
from gwfc.compiler.lsp.analysis import View, analyse
from gwfc.compiler.lsp.completion import complete
from gwfc.compiler.lsp.cursor import ITEM, KEY, VALUE, text_cursor
from gwfc.compiler.lsp.navigation import definition, hover
from gwfc.compiler.lsp.outline import lines_of
from gwfc.compiler.lsp.symbols import from_text, same_symbols
from gwfc.compiler.pipeline import Options, check_bytes
from lsprotocol import types as lsp

from .rawclient import apply_edits

URI = "untitled:wf.yaml"
JOBS = ("jobs:\n  prep: {uses: container@v1, with: {image: x}, outputs: {data: {type: volume}}}\n"
        "  other: {uses: container@v1, with: {image: x}}\n")


def at(marked: str) -> tuple[str, lsp.Position]:
    """The text without its `‸`, and the (UTF-16) position of the `‸`."""
    i = marked.index("‸")
    text = marked.replace("‸", "")
    line = text.count("\n", 0, i)
    start = text.rfind("\n", 0, i) + 1
    return text, lsp.Position(line, len(text[start:i].encode("utf-16-le")) // 2)


def view(text: str, checked: bool = True, config: Config | None = None) -> View:
    return View(URI, text, 1, "utf-16", analyse(URI, text, 1, config) if checked else None, {}, config)


def labels(marked: str, trigger: str | None = None, config: Config | None = None,
           checked: bool = True) -> list[str]:
    text, p = at(marked)
    ctx = lsp.CompletionContext(trigger_kind=lsp.CompletionTriggerKind.TriggerCharacter,
                                trigger_character=trigger) if trigger else None
    result = complete(view(text, checked, config), p, ctx)
    return [i.label for i in result.items] if result is not None else []


def completed(marked: str, label: str) -> str:
    """The text after choosing `label` at the `‸`."""
    text, p = at(marked)
    result = complete(view(text), p)
    assert result is not None, marked
    item = next(i for i in result.items if i.label == label)
    assert isinstance(item.text_edit, lsp.TextEdit)
    edit = item.text_edit
    return apply_edits(text, [{"range": {"start": {"line": edit.range.start.line,
                                                   "character": edit.range.start.character},
                                         "end": {"line": edit.range.end.line, "character": edit.range.end.character}},
                               "newText": edit.new_text}])


def problems(text: str) -> list[str]:
    """Codes of the errors and warnings of a text (the information GW322 left out)."""
    return [d.code for d in check_bytes(text.encode(), "w.yaml", Options()).diagnostics
            if d.severity >= Severity.WARNING]


# ---- completion: QA findings 5–7 ---------------------------------------------------------------

@pytest.mark.parametrize(("marked", "label", "line"), [
    # 5: a flow job's `needs: [‸]` kept its brackets; `[prep, ‸]` offered job keys.
    (JOBS + "  train: {uses: container@v1, needs: [‸], with: {image: x}, inputs: {d: prep.outputs.data}}\n",
     "prep", "  train: {uses: container@v1, needs: [prep], with: {image: x}, inputs: {d: prep.outputs.data}}"),
    (JOBS + "  train: {uses: container@v1, needs: [other, ‸], with: {image: x}, inputs: {d: prep.outputs.data}}\n",
     "prep", "  train: {uses: container@v1, needs: [other, prep], with: {image: x}, inputs: {d: prep.outputs.data}}"),
    # 5: references and kinds inside flow maps.
    (JOBS + "  train: {uses: container@v1, needs: [prep], with: {image: x}, inputs: {d: prep.outputs.‸}}\n",
     "data", "  train: {uses: container@v1, needs: [prep], with: {image: x}, inputs: {d: prep.outputs.data}}"),
    (JOBS + "  train:\n    uses: container@v1\n    needs: [prep]\n    with: {image: x}\n"
     "    inputs: {d: prep.outputs.data}\n    outputs: {m: {type: ‸}}\n",
     "volume", "    outputs: {m: {type: volume}}"),
    # 6: right after `key:` a blank goes first; a `needs` scalar becomes a list.
    (JOBS + "  train:\n    uses: container@v1\n    needs: [prep]\n    with: {image: x}\n    inputs:\n      d:‸\n",
     "prep.outputs.data", "      d: prep.outputs.data"),
    (JOBS + "  train:\n    uses: container@v1\n    needs:‸\n    with: {image: x}\n", "prep", "    needs: [prep]"),
    (JOBS + "  train:\n    uses: container@v1\n    needs: pr‸\n    with: {image: x}\n", "prep", "    needs: [prep]"),
    (JOBS + "  train:\n    uses: container@v1\n    needs: [‸]\n    with: {image: x}\n", "prep", "    needs: [prep]"),
    (JOBS + "  train: {uses: container@v1, needs: ‸, with: {image: x}}\n",
     "prep", "  train: {uses: container@v1, needs: [prep], with: {image: x}}"),
])
def test_completion_edits_leave_valid_workflows(marked: str, label: str, line: str) -> None:
    new = completed(marked, label)
    assert line in new.split("\n")
    assert not {"GW101", "GW105", "GW203", "GW408"} & set(problems(new)), problems(new)


def test_keys_present_in_a_flow_map_are_not_offered() -> None:
    got = labels(JOBS + "  train:\n    uses: container@v1\n    with: {image: x, ‸}\n")
    assert "image" not in got and {"args", "command"} <= set(got)
    # after `, ` (a trigger character) the next key is offered too
    assert "image" not in labels(JOBS + "  train:\n    uses: container@v1\n    with: {image: x, ‸}\n", " ")
    assert labels(JOBS + "  train: {uses: container@v1, with: {image: x}, ‸}\n", ",")
    got = labels(JOBS + "  train: {uses: container@v1, with: {image: x}, ‸}\n")
    assert "uses" not in got and "with" not in got and "needs" in got
    new = completed(JOBS + "  train: {uses: container@v1, with: {image: x}, ‸}\n", "resources")
    assert "  train: {uses: container@v1, with: {image: x}, resources: }" in new  # no line break in flow


def test_no_completion_that_only_earns_a_warning() -> None:
    resources = labels("jobs:\n  a:\n    uses: container@v1\n    with: {image: x}\n    resources:\n      ‸\n")
    assert resources == ["instance-type"]  # not the job-level `container-registries` (GW215)
    git = labels("jobs:\n  a:\n    uses: git-checkout@v1\n    with:\n      url: u\n      ‸\n")
    assert "ref" in git and "branch" not in git  # GW327
    kinds = labels("jobs:\n  a:\n    uses: create-model@v1\n    with:\n      name: m\n      type: ‸\n")
    assert kinds == ["Tensorflow", "ONNX", "Custom"]  # not TensorRT (GW329)


def test_needs_does_not_offer_jobs_that_would_make_a_cycle() -> None:
    text = ("jobs:\n  a:\n    uses: container@v1\n    needs: [‸]\n    with: {image: x}\n"
            "  b:\n    uses: container@v1\n    needs: [a]\n    with: {image: x}\n"
            "  c:\n    uses: container@v1\n    with: {image: x}\n    inputs: {i: b.outputs.o}\n"
            "  d:\n    uses: container@v1\n    with: {image: x}\n")
    assert labels(text) == ["d"]  # b needs a; c reads b's output


def test_instance_types_include_the_rows_of_gwfc_toml(tmp_path: Path) -> None:
    toml = tmp_path / "gwfc.toml"
    toml.write_text('[instance-types.MyGPU]\ncpus = 8\nmemory = "32GiB"\ngpus = 1\ngpu-kind = "L4"\n')
    sink = Sink()
    cfg = load_config(toml, sink)
    assert not sink.items
    marked = "defaults:\n  resources:\n    instance-type: ‸\njobs:\n  a: {uses: container@v1, with: {image: x}}\n"
    text, p = at(marked)
    result = complete(view(text, config=cfg), p)
    assert result is not None
    details = {i.label: i.detail for i in result.items}
    assert details["MyGPU"] == "8 CPUs, 32 GiB, 1 × L4"
    assert details["C5"] == "4 CPUs, 8 GiB, no GPU" and "A100x8" in details
    assert "MyGPU" not in labels(marked)  # without the configuration


# ---- hover ---------------------------------------------------------------------------------------

HOVER = """\
on:
  github:
    branches:
      only: main
context:
  event:
    github:
      url: https://github.com/me/repo
jobs:
  get:
    uses: git-checkout@v1
    with: {url: context.event.github.url, username: me, password: secret:GH_TOKEN}
    outputs: {repo: {type: volume}}
    resources: {instance-type: MyGPU}
  reg:
    uses: create-model@v1
    needs: [get]
    with: {name: m, type: ONNX}
    env:
      KEY: secret:my-key
    inputs: {model: {type: dataset, with: {ref: m}}}
    outputs: {model-id: {type: string}}
"""


def hover_text(text: str, needle: str, delta: int = 1, checked: bool = True, config: Config | None = None) -> str:
    i = text.index(needle) + delta
    p = lsp.Position(text.count("\n", 0, i), i - text.rfind("\n", 0, i) - 1)
    h = hover(view(text, checked, config), p)
    assert h is not None and isinstance(h.contents, lsp.MarkupContent), needle
    return h.contents.value


@pytest.mark.parametrize("checked", [True, False])
def test_hover_secrets_and_context(checked: bool) -> None:
    text = hover_text(HOVER, "secret:GH_TOKEN", 9, checked)
    assert text.startswith("**secret** `GH_TOKEN`")
    assert "team, the project or the cluster" in text and "GWFC_SECRET_GH_TOKEN" in text
    assert "GWFC_SECRET_MY_KEY" in hover_text(HOVER, "secret:my-key", 3, checked)
    text = hover_text(HOVER, "context.event", 9, checked)
    assert "the URL of the GitHub repository" in text
    assert "`on:` trigger at line 1 (pushes to `main`)" in text
    assert "The `context:` block sets it for other runs: `https://github.com/me/repo`" in text
    bare = HOVER.replace("on:\n  github:\n    branches:\n      only: main\n", "").replace(
        "context:\n  event:\n    github:\n      url: https://github.com/me/repo\n", "")
    text = hover_text(bare, "context.event", 9, checked)
    assert "no `on:` trigger" in text and "(GW317)" in text


def test_hover_instance_types_and_enum_values(tmp_path: Path) -> None:
    toml = tmp_path / "gwfc.toml"
    toml.write_text('[instance-types.MyGPU]\ncpus = 8\nmemory = "32GiB"\ngpus = 1\ngpu-kind = "L4"\n')
    cfg = load_config(toml, Sink())
    text = hover_text(HOVER, "MyGPU", 1, config=cfg)
    assert "- CPUs: 8" in text and "- memory: 32 GiB" in text and "- GPUs: 1 × L4" in text
    assert f"gwfc.toml ({toml})" in text
    text = hover_text(HOVER.replace("MyGPU", "c5"), "c5", 1)
    assert text.startswith("**C5** — instance type (written `c5`)") and "source: MACH" in text
    text = hover_text(HOVER, "ONNX", 1)
    assert text.startswith("**ONNX** — a value of `type`: one of `Tensorflow`, `ONNX`, `Custom`")
    assert "accepted with a warning" in hover_text(HOVER.replace("ONNX", "TensorRT"), "TensorRT", 1)


def test_a_tab_indented_line_does_not_hide_later_jobs() -> None:
    text = ("jobs:\n  a:\n\tuses: container@v1\n    with: {image: x}\n    outputs: {o: {type: volume}}\n"
            "  b:\n    uses: container@v1\n    needs: [a]\n    with: {image: x}\n    inputs: {i: a.outputs.o}\n")
    v = view(text)
    assert v.analysis is not None and v.analysis.result.workflow is None  # GW102: it does not parse
    assert set(v.symbols.jobs) == {"a", "b"}
    i = text.index("  b:") + 2
    h = hover(v, lsp.Position(text.count("\n", 0, i), 2))
    assert h is not None and "**job** `b`" in str(h.contents)
    i = text.index("a.outputs.o") + 10
    locs = definition(v, lsp.Position(text.count("\n", 0, i), i - text.rfind("\n", 0, i) - 1))
    assert locs is not None and locs[0].range.start == lsp.Position(4, 14)  # the output `o`


# ---- the reading of flow collections and of symbols -------------------------------------------

def test_flow_parser_reads_nesting_quotes_and_open_ends() -> None:
    node = F.parse('{uses: "a, b", needs: [x, \'y\'], with: {image: {z: 1}}, args: [c, ')
    assert node.kind == F.MAP and node.keys() == ["uses", "needs", "with", "args"]
    uses, needs, with_, args = (p.value for p in node.pairs)
    assert uses is not None and uses.text == "a, b" and uses.quote == 1
    assert needs is not None and [i.text for i in needs.items] == ["x", "y"] and needs.closed
    assert with_ is not None and with_.pairs[0].key.text == "image"
    assert args is not None and not args.closed and [i.text for i in args.items] == ["c"]
    assert F.parse("[a, b] # c, d").items[1].text == "b"


@pytest.mark.parametrize(("marked", "role", "path", "key", "text"), [
    ("  j: {uses: x, needs: [a, ‸]}", ITEM, ("jobs", "j"), "needs", ""),
    ("  j: {uses: x, needs: [a, b‸c]}", ITEM, ("jobs", "j"), "needs", "bc"),
    ("  j: {uses: x, with: {image: x, ‸}}", KEY, ("jobs", "j", "with"), "", ""),
    ("  j: {uses: x, with: {ima‸ge: x}}", KEY, ("jobs", "j", "with"), "image", "image"),
    ("  j: {uses: x, inputs: {d: p.outputs.‸}}", VALUE, ("jobs", "j", "inputs"), "d", "p.outputs."),
    ("  j: {outputs: {m: {type: ‸}}}", VALUE, ("jobs", "j", "outputs", "m"), "type", ""),
    ("  j: {outputs: {m: {type:‸}}}", VALUE, ("jobs", "j", "outputs", "m"), "type", ""),
    ("  j: {uses: 'scr‸'}", VALUE, ("jobs", "j"), "uses", "scr"),
])
def test_cursor_in_flow_collections(marked: str, role: str, path: tuple[str, ...], key: str, text: str) -> None:
    line = marked.index("‸")
    cur = text_cursor("jobs:\n" + marked.replace("‸", "") + "\n", 2, line + 1)
    assert (cur.role, cur.path, cur.key, cur.text) == (role, path, key, text)


def test_flow_style_symbols_read_from_the_text_agree_with_the_ast() -> None:
    text = ("on: {github: {branches: {only: main}}}\ncontext: {event: {github: {url: https://x/y}}}\n"
            "inputs: {corpus: {type: dataset, with: {ref: 'corpus:latest'}}}\n" + JOBS
            + "  train: {uses: \"script@v1\", needs: [prep, other], with: {image: x, script: ls},"
              " inputs: {d: prep.outputs.data, c: workflow.inputs.corpus, s: {type: string, with: {value: hi}}}}\n")
    a = analyse(URI, text, 1)
    assert a.symbols is not None
    assert a.symbols == from_text(text, URI)


def test_symbols_of_the_last_check_answer_for_neutral_edits() -> None:
    base = ("jobs:\n  a:\n    uses: script@v1\n    with:\n      image: x\n      script: |\n        echo hi\n"
            "    env: {A: b}\n    outputs: {o: {type: volume}}\n  b:\n    uses: container@v1\n    needs: [a]\n"
            "    with: {image: x}\n    inputs: {i: a.outputs.o}\n")
    lines = lines_of(base)

    def same(old: str, new: str) -> bool:
        return same_symbols(lines, lines_of(base.replace(old, new, 1)))

    assert same("echo hi", "echo hello")          # a script line
    assert same("image: x\n      script", "image: python\n      script")  # a `with` value
    assert same("{A: b}", "{A: bc, B: d}")        # env
    assert not same("  b:\n", "  bb:\n")          # a job name
    assert not same("needs: [a]", "needs: []")    # needs
    assert not same("a.outputs.o", "a.outputs.p")  # an input's reference
    assert not same("{o: {type: volume}}", "{p: {type: volume}}")  # an output
    assert not same("script@v1", "container@v1")  # an action
    assert not same("      image: x\n", "      image: x\n      args: [a]\n")  # a line more
    assert not same("      image: x\n", "      imag: x\n")  # a `with` key (the parameters)
    assert not same("image: x\n      script", "image:\n      script")  # a value that opens a map
    # the view uses them while the check of the new text waits
    text = base.replace("echo hi", "echo hello")
    last = analyse(URI, base, 1)
    v = View(URI, text, 2, "utf-16", last, {})
    assert v.analysis is None and v.symbols is last.symbols
    v = View(URI, base.replace("  b:\n", "  bb:\n"), 2, "utf-16", last, {})
    assert v.symbols is not last.symbols and "bb" in v.symbols.jobs


def test_completion_far_past_the_end_of_a_line() -> None:
    text = "jobs:\n  a:\n    uses: container@v1\n    with: {image: x}\n    \n"
    result = complete(view(text), lsp.Position(4, 10**6))
    assert result is not None
    assert all(len(i.text_edit.new_text) < 100 for i in result.items if isinstance(i.text_edit, lsp.TextEdit))
