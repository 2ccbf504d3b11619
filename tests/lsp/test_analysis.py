"""One check of a document: the same diagnostics as `gwfc check`, in the client's encoding."""

from __future__ import annotations

from pathlib import Path

from gwfc.compiler.lsp.analysis import ConfigCache, analyse, file_name
from gwfc.compiler.lsp.server import GwfcLanguageServer
from gwfc.compiler.pipeline import Options, check_bytes
from lsprotocol import types as lsp

from .samples import BROKEN_REFS


def starts(a_diags: list[lsp.Diagnostic]) -> list[tuple[object, int, int]]:
    return [(d.code, d.range.start.line, d.range.start.character) for d in a_diags]


def test_same_diagnostics_as_check() -> None:
    a = analyse("untitled:x.yaml", BROKEN_REFS, 1)
    expected = check_bytes(BROKEN_REFS.encode(), "untitled:x.yaml", Options()).diagnostics
    assert [d.code for d in a.diagnostics] == [d.code for d in expected]
    assert [d.severity for d in a.diagnostics] == [lsp.DiagnosticSeverity.Error] * len(expected)


def test_columns_in_each_position_encoding() -> None:
    # `bogus` follows `é中😀` on its line: code point 25, UTF-16 unit 26, UTF-8 byte 31.
    for encoding, column in (("utf-32", 25), ("utf-16", 26), ("utf-8", 31)):
        a = analyse("untitled:x.yaml", BROKEN_REFS, 1, encoding=encoding)
        assert starts(a.diagnostics)[0] == ("GW312", 6, column)


def test_a_yaml_error_is_a_diagnostic() -> None:
    a = analyse("untitled:x.yaml", "jobs:\n  a: [\n", 1)
    assert [d.code for d in a.diagnostics] == ["GW101"]
    assert a.result.workflow is None


def test_gwfc_toml_is_read_from_the_files_folder(tmp_path: Path) -> None:
    (tmp_path / "gwfc.toml").write_text('[check]\nignore = ["GW312"]\n')
    wf = tmp_path / ".gradient" / "workflows" / "w.yaml"
    wf.parent.mkdir(parents=True)
    uri = wf.as_uri()
    assert file_name(uri) == str(wf)
    cfg, path, problems = ConfigCache().get(uri)
    assert path == tmp_path / "gwfc.toml" and problems == []
    a = analyse(uri, BROKEN_REFS, 1, cfg)
    assert [d.code for d in a.diagnostics] == ["GW309", "GW303"]


def test_config_errors_are_reported(tmp_path: Path) -> None:
    (tmp_path / "gwfc.toml").write_text("[check\n")
    _, _, problems = ConfigCache().get((tmp_path / "w.yaml").as_uri())
    assert [d.code for d in problems] == ["GW601"]


def test_files_patterns_limit_the_documents_served() -> None:
    assert GwfcLanguageServer().wants("file:///repo/other.yaml")
    server = GwfcLanguageServer(("*/.gradient/workflows/*.y*ml",))
    assert server.wants("file:///repo/.gradient/workflows/train.yml")
    assert not server.wants("file:///repo/docker-compose.yaml")


def test_symbols_read_from_the_text_agree_with_the_ast() -> None:
    from gwfc.compiler.lsp.symbols import from_text, from_workflow

    from .samples import VALID

    for text in (VALID, BROKEN_REFS):
        a = analyse("untitled:x.yaml", text, 1)
        assert a.result.workflow is not None
        ast, txt = from_workflow(a.result.workflow), from_text(text, "untitled:x.yaml")
        assert ast == txt
