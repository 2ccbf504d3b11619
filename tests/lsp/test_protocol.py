"""The server over raw JSON-RPC: document URIs and sync, checks under bursts of changes, the
configuration files, and the corners of the protocol (QA report of the language server).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from lsprotocol import types as lsp

from .rawclient import Message, RawClient, apply_edits, codes, position
from .test_documents import NOT_LSP_BREAKS, reference_apply

WF = """\
jobs:
  prep:
    uses: container@v1
    with: {image: x, bogus: 1}
    outputs: {data: {type: volume}}
  train:
    uses: container@v1
    with: {image: x}
    inputs: {d: prep.outputs.dta}
"""


@pytest.fixture
def client() -> Iterator[RawClient]:
    c = RawClient()
    c.initialize()
    yield c
    c.stop()


def summary(diags: list[Message] | None) -> list[tuple[object, ...]]:
    assert diags is not None
    return [(d["code"], d["range"]["start"]["line"], d["range"]["start"]["character"], d["range"]["end"]["line"],
             d["range"]["end"]["character"]) for d in diags]


# ---- 1. percent-escaped URIs -------------------------------------------------------------------

def test_percent_escaped_uris_get_every_feature(tmp_path: Path, client: RawClient) -> None:
    """pygls keys documents by the unescaped URI; the server looked them up by the raw one, so
    `sp%20ace`, `c%3A` (VS Code on Windows), `%E4%B8%AD` and `%23` got nothing."""
    folder = tmp_path / "sp ace #中"
    folder.mkdir()
    (folder / "gwfc.toml").write_text('[check]\nignore = ["GW322"]\n')  # found from the unescaped path
    local = (folder / "w.yaml").as_uri()
    assert "%20" in local and "%23" in local and "%E4%B8%AD" in local
    uris = [local, "file:///c%3A/Users/me/w.yaml", "file:///tmp/%E4%B8%AD/w.yaml", "file:///tmp/a%23b/w.yaml",
            "file:///tmp/sp%20ace/w.yaml"]
    for uri in uris:
        diags = client.open(uri, WF)  # published for the URI as opened
        got = codes(diags)
        assert {"GW312", "GW309", "GW303"} <= set(got), uri
        assert ("GW322" in got) == (uri != local), uri
        hover = client.at("textDocument/hover", uri, *position(WF, "prep:", 1))
        assert hover is not None and "**job** `prep`" in hover["contents"]["value"], uri
        loc = client.at("textDocument/definition", uri, *position(WF, "prep.outputs", 1))
        assert loc is not None and loc[0]["uri"] == uri and loc[0]["range"]["start"] == {"line": 1, "character": 2}
        items = client.at("textDocument/completion", uri, *position(WF, "dta", 0))
        assert items is not None and "data" in [i["label"] for i in items["items"]], uri
        d303 = next(d for d in diags if d["code"] == "GW303")
        actions = client.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": d303["range"],
                                                             "context": {"diagnostics": [d303]}})["result"]
        assert actions and actions[0]["title"] == 'replace "dta" with "data"', uri
        client.close_doc(uri)


# ---- 2. incremental sync and line breaks ------------------------------------------------------

def same_document(client: RawClient, uri: str, fresh: str, text: str) -> None:
    """The server holds the same text under `uri` as under `fresh` (opened with `text`): the
    same hover at several places of every line."""
    client.open(fresh, text)
    lines = re.split(r"\r\n|\r|\n", text)
    for line, content in enumerate(lines):
        for ch in sorted({0, 3, 5, len(content) // 2, len(content)}):
            a = client.at("textDocument/hover", uri, line, ch)
            b = client.at("textDocument/hover", fresh, line, ch)
            assert (a is None) == (b is None), (line, ch)
            if a is not None and b is not None:
                assert a["range"] == b["range"], (line, ch)
                assert a["contents"] == b["contents"], (line, ch)


@pytest.mark.parametrize("sep", ["\u2028", "\x85", "\x0c", "\x1d"])
def test_incremental_change_after_a_unicode_line_separator(client: RawClient, sep: str) -> None:
    text = f'defaults:\n  env:\n    X: "a{sep}b"\njobs:\n  a:\n    uses: container@v1\n    with: {{image: x}}\n'
    client.open("file:///tmp/qa/ls.yaml", text)
    got = client.change("file:///tmp/qa/ls.yaml", 2, [
        {"range": {"start": {"line": 5, "character": 10}, "end": {"line": 5, "character": 19}}, "text": "script"}])
    final = text.replace("container@v1", "script@v1")
    want = client.open("file:///tmp/qa/fresh.yaml", final)
    assert summary(got) == summary(want)
    if sep in ("\u2028", "\x85"):  # YAML reads these; the others are GW101
        assert "GW313" in codes(got)  # script@v1 needs `script`: the edit landed on its line
    same_document(client, "file:///tmp/qa/ls.yaml", "file:///tmp/qa/fresh2.yaml", final)


def lsp_position(text: str, offset: int) -> dict[str, int]:
    """The LSP position (lines at CR, LF, CRLF; UTF-16) of a string offset."""
    line, start = 0, 0
    for m in re.finditer(r"\r\n|\r|\n", text):
        if m.end() > offset:
            break
        line, start = line + 1, m.end()
    return {"line": line, "character": len(text[start:offset].encode("utf-16-le")) // 2}


@pytest.mark.parametrize("pieces", [["\u2028", "\u2029", "\x85"], NOT_LSP_BREAKS])
def test_random_incremental_edits_agree_with_a_fresh_open(client: RawClient, pieces: list[str]) -> None:
    """Sixty changes, each sent as an incremental change: inside the quoted values (text with
    characters that are no LSP line break), and action names swapped (which changes the
    diagnostics and the hovers of the lines after them)."""
    rng = random.Random(7)
    text = ('defaults:\n  env:\n    A: "x{0}y{1}z{2}w"\r\n    B: "{1}{2}"\n'
            "jobs:\n  a:\n    uses: container@v1\n    with: {{image: \"é😀\"}}\n"
            "    outputs: {{o: {{type: volume}}}}\n  b:\n    uses: container@v1\n    needs: [a]\n"
            "    with: {{image: x, script: ls}}\n    inputs: {{i: a.outputs.o}}\n").format(*pieces[:3])
    alphabet = ["x", "é", "😀", *pieces]
    uri = "file:///tmp/qa/random.yaml"
    client.open(uri, text)
    expected = text
    for version in range(2, 62):
        if rng.random() < 0.7:
            m = rng.choice(list(re.finditer(r'"[^"\r\n]*"', expected)))
            a = rng.randint(m.start() + 1, m.end() - 1)
            b = rng.randint(a, min(a + 2, m.end() - 1))
            new = "".join(rng.choice(alphabet) for _ in range(rng.randrange(4)))
        else:
            m = rng.choice(list(re.finditer(r"container@v1|script@v1", expected)))
            a, b = m.start(), m.end()
            new = "script@v1" if m.group() == "container@v1" else "container@v1"
        rng_a, rng_b = lsp_position(expected, a), lsp_position(expected, b)
        change = lsp.TextDocumentContentChangePartial(
            range=lsp.Range(lsp.Position(**rng_a), lsp.Position(**rng_b)), text=new)
        assert reference_apply(expected, change) == expected[:a] + new + expected[b:]
        expected = expected[:a] + new + expected[b:]
        client.change(uri, version, [{"range": {"start": rng_a, "end": rng_b}, "text": new}], wait=False)
    got = client.diagnostics(uri, 61)
    want = client.open("file:///tmp/qa/random-fresh.yaml", expected)
    assert summary(got) == summary(want)
    same_document(client, uri, "file:///tmp/qa/random-fresh2.yaml", expected)


# ---- 3. bursts of changes -----------------------------------------------------------------------

def big_workflow(jobs: int) -> str:
    out = ["jobs:\n"]
    for i in range(jobs):
        out.append(f"  s{i}:\n    uses: container@v1\n    with:\n      image: busybox\n"
                   f"      args: [\"sh\", \"-c\", \"echo step {i} > /outputs/d/x\"]\n"
                   f"    outputs:\n      d: {{type: volume}}\n    resources: {{instance-type: C5}}\n")
        if i:
            out.append(f"    needs: [s{i - 1}]\n    inputs:\n      p: s{i - 1}.outputs.d\n")
    return "".join(out)


def test_a_burst_of_changes_is_checked_once(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    c = RawClient("--log-file", str(log), "--verbose")
    try:
        c.initialize()
        text = big_workflow(300)
        uri = "file:///tmp/qa/burst.yaml"
        c.open(uri, text)
        checks_before = log.read_text().count(" checked ")
        line, ch = position(text, "echo step 150 ", 5)
        start = c.mark()
        for i in range(50):
            p = {"line": line, "character": ch + i}
            c.change(uri, i + 2, [{"range": {"start": p, "end": p}, "text": "y"}], wait=False)
        hover_id = c.request_async("textDocument/hover", {"textDocument": {"uri": uri},
                                                          "position": {"line": 1, "character": 3}})
        final = c.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                       and m["params"].get("version") == 51, 20, start)
        assert final is not None
        hover = c.response(hover_id)
        assert hover is not None and "**job** `s0`" in hover["result"]["contents"]["value"]
        assert hover["_t"] <= final["_t"]  # the hover did not wait for the check
        published = [m["params"].get("version") for m in c.messages[start:]
                     if m.get("method") == "textDocument/publishDiagnostics"]
        assert published == [51]
        c.stop()
        assert log.read_text().count(" checked ") - checks_before <= 2  # folded, not 50 checks
    finally:
        c.stop()


# ---- 4. configuration files ------------------------------------------------------------------

CONFIG_WF = "defaults:\n  resources:\n    instance-type: MyGPU\njobs:\n  a:\n    uses: container@v1\n    with: {image: x}\n"
WATCH_CAPS = {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}},
              "textDocument": {"publishDiagnostics": {"versionSupport": True}}}


def test_the_server_asks_to_watch_configuration_files() -> None:
    c = RawClient()
    try:
        c.initialize(WATCH_CAPS)
        reg = c.wait(lambda m: m.get("method") == "client/registerCapability", 5)
        assert reg is not None
        (r,) = reg["params"]["registrations"]
        assert r["method"] == "workspace/didChangeWatchedFiles"
        assert [w["globPattern"] for w in r["registerOptions"]["watchers"]] == ["**/gwfc.toml", "**/pyproject.toml"]
    finally:
        c.stop()
    c = RawClient()  # a client that cannot register watchers is not asked
    try:
        c.initialize()
        c.request("shutdown")
        assert not [m for m in c.messages if m.get("method") == "client/registerCapability"]
    finally:
        c.stop()


def test_save_reads_the_configuration_again(tmp_path: Path, client: RawClient) -> None:
    wf = tmp_path / "w.yaml"
    wf.write_text(CONFIG_WF)
    uri = wf.as_uri()
    assert codes(client.open(uri, CONFIG_WF)) == ["GW321"]  # an unknown instance type
    (tmp_path / "gwfc.toml").write_text('[check]\nignore = ["GW321"]\n')
    start = client.mark()
    client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})  # the text did not change
    assert codes(client.diagnostics(uri, start=start)) == []
    (tmp_path / "gwfc.toml").write_text('[instance-types.MyGPU]\ncpus = 8\nmemory = "32GiB"\ngpus = 1\n')
    start = client.mark()
    client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
    assert codes(client.diagnostics(uri, start=start)) == []
    hover = client.at("textDocument/hover", uri, *position(CONFIG_WF, "MyGPU", 1))
    assert hover is not None and "- CPUs: 8" in hover["contents"]["value"]
    items = client.at("textDocument/completion", uri, *position(CONFIG_WF, "MyGPU", 0))
    assert items is not None and "MyGPU" in [i["label"] for i in items["items"]]  # the gwfc.toml row


def test_watched_configuration_changes_check_again(tmp_path: Path) -> None:
    c = RawClient()
    try:
        c.initialize(WATCH_CAPS)
        wf = tmp_path / "w.yaml"
        uri = wf.as_uri()
        toml = tmp_path / "gwfc.toml"
        toml_uri = toml.as_uri()
        assert codes(c.open(uri, CONFIG_WF)) == ["GW321"]

        def changed(path: Path, kind: int) -> tuple[list[Message] | None, list[Message] | None]:
            start = c.mark()
            c.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": path.as_uri(), "type": kind}]})
            return c.diagnostics(toml_uri, start=start, timeout=5), c.diagnostics(uri, start=start)

        toml.write_text("[check\n")  # broken: GW601 on gwfc.toml itself
        on_toml, on_wf = changed(toml, 1)
        assert codes(on_toml) == ["GW601"] and codes(on_wf) == ["GW321"]
        toml.write_text('[check]\nignore = ["GW321"]\n')
        on_toml, on_wf = changed(toml, 2)
        assert codes(on_toml) == [] and codes(on_wf) == []
        toml.write_text("[check\n")
        on_toml, _ = changed(toml, 2)
        assert codes(on_toml) == ["GW601"]
        toml.unlink()
        on_toml, on_wf = changed(toml, 3)
        assert codes(on_toml) == [] and codes(on_wf) == ["GW321"]  # GW601 of the deleted file cleared
        pyproject = tmp_path / "pyproject.toml"
        pyproject.write_text('[project]\nname = "x"\n[tool.gwfc.check]\nignore = ["GW321"]\n')
        _, on_wf = changed(pyproject, 1)
        assert codes(on_wf) == []
    finally:
        c.stop()


# ---- 6. protocol corners ----------------------------------------------------------------------

def test_invalid_params_get_an_error(client: RawClient) -> None:
    i = client.request_async("textDocument/hover", {"textDocument": {"uri": "file:///a.yaml"},
                                                    "position": {"line": -1, "character": 0}})
    r = client.response(i, 5)
    assert r is not None and r["error"]["code"] == lsp.ErrorCodes.InvalidParams
    assert client.request("textDocument/hover", {"textDocument": {"uri": "file:///a.yaml"},
                                                 "position": {"line": 0, "character": 0}})["result"] is None


def test_shutdown_then_requests_are_invalid_and_exit_is_0() -> None:
    c = RawClient()
    c.initialize()
    assert c.request("shutdown")["result"] is None
    r = c.request("textDocument/hover", {"textDocument": {"uri": "file:///a.yaml"},
                                         "position": {"line": 0, "character": 0}})
    assert r["error"]["code"] == lsp.ErrorCodes.InvalidRequest
    c.notify("exit")
    assert c.proc.wait(10) == 0


def test_exit_without_shutdown_is_1() -> None:
    c = RawClient()
    c.initialize()
    c.notify("exit")
    assert c.proc.wait(10) == 1


def test_capabilities_and_options() -> None:
    c = RawClient()
    try:
        caps = c.initialize(options={"files": "*.yaml"})["result"]["capabilities"]
        assert "executeCommandProvider" not in caps  # the server has no commands
        log = c.wait(lambda m: m.get("method") == "window/logMessage", 5)
        assert log is not None and log["params"]["type"] == lsp.MessageType.Warning
        assert "files" in log["params"]["message"] and "list" in log["params"]["message"]
    finally:
        c.stop()


def test_diagnostics_past_the_end_are_clamped(client: RawClient) -> None:
    for text in ("jobs: [", "\ufeff", "jobs:\n  a: {uses: ["):
        diags = client.open("file:///tmp/qa/eof.yaml", text)
        lines = text.split("\n")
        for d in diags:
            for p in (d["range"]["start"], d["range"]["end"]):
                assert p["line"] < len(lines) and p["character"] <= len(lines[p["line"]].encode("utf-16-le")) // 2
        client.close_doc("file:///tmp/qa/eof.yaml")


def test_completion_edits_applied_by_the_client(client: RawClient) -> None:
    """What the client does with a completion: apply its text edit (QA: `needs: [‸]` in a flow
    job replaced the brackets)."""
    text = ("jobs:\n  prep: {uses: container@v1, with: {image: x}, outputs: {data: {type: volume}}}\n"
            "  train: {uses: container@v1, needs: [], with: {image: x}}\n")
    client.open("file:///tmp/qa/flow.yaml", text)
    items = client.at("textDocument/completion", "file:///tmp/qa/flow.yaml", *position(text, "needs: [", 8))
    item = next(i for i in items["items"] if i["label"] == "prep")
    new = apply_edits(text, [item["textEdit"]])
    assert "needs: [prep]," in new


def test_json_that_is_no_jsonrpc_message_is_an_invalid_request(client: RawClient) -> None:
    """`{}` reached pygls' dispatcher raw: a traceback on stderr and a 'dict has no attribute'
    message shown to the user."""
    start = client.mark()
    client.send({})
    client.send({"id": 7, "params": {}})  # no method, no result: not a request either
    err = client.wait(lambda m: "error" in m and m.get("id") == 7, start=start)
    assert err is not None and err["error"]["code"] == -32600
    assert not [m for m in client.messages[start:] if m.get("method") == "window/showMessage"]
    assert client.request("shutdown")["result"] is None  # still serving
