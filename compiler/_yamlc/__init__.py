"""The C node-tree builder (`_fastyaml`, on a vendored libyaml 0.2.6): `build` is a drop-in
replacement for `loader._build`, giving the same tree and the same diagnostics.

`AVAILABLE` is False when the extension was not built (no C compiler at install time); the
loader then keeps its Python builder.
"""

from __future__ import annotations

from typing import Any

from ..diagnostics import Sink
from ..limits import Limits
from ..nodes import (
    _TYPED_CACHE,
    _TYPED_FIRST,
    COLLECTION_TAGS,
    SCALAR_TAGS,
    AnyNode,
    Map,
    Scalar,
    Seq,
    typed_value,
)
from ..source import SourceFile, Span

try:
    from . import _fastyaml
except ImportError:  # not built
    _fastyaml = None  # type: ignore[assignment]
    AVAILABLE = False
else:
    AVAILABLE = True
    _fastyaml.configure(Scalar, Seq, Map, typed_value, _TYPED_CACHE, _TYPED_FIRST, SCALAR_TAGS, COLLECTION_TAGS)

#: The stream name PyYAML's CParser gives a str input (it appears in reader errors).
_STREAM = "<unicode string>"


def _mark(data: tuple[int, int, int] | None) -> Any:
    import yaml

    # PyYAML's CParser makes its marks without buffer (so without a snippet); the pointer is unused.
    return None if data is None else yaml.Mark(_STREAM, data[0], data[1], data[2], None, 0)


def build(source: SourceFile, sink: Sink, limits: Limits) -> AnyNode | None:
    """`loader._build` in C: the root node or None; diagnostics go to the sink."""
    root, diags, error = _fastyaml.build(source.text, limits.depth, limits.alias_nodes)
    name = source.name
    report = sink.report
    for code, message, notes, line, column, end_line, end_column in diags:
        report(code, Span(name, line, column, end_line, end_column), message, notes=notes)
    if error is not None:
        _report_error(error, source, sink)
    return root  # type: ignore[no-any-return]


def _report_error(error: Any, source: SourceFile, sink: Sink) -> None:
    """Report libyaml's error exactly as `_build` reports PyYAML's exception for it."""
    import yaml  # only on a YAML error

    from ..loader import _report_yaml_error  # late: the loader imports this package

    if error[0] == "reader":
        from ..loader import report_reader_error

        _, problem, offset, value = error
        report_reader_error(source, sink, offset, value)
        return
    kind, context, context_mark, problem, problem_mark = error
    cls = yaml.scanner.ScannerError if kind == "scanner" else yaml.parser.ParserError
    _report_yaml_error(cls(context, _mark(context_mark), problem, _mark(problem_mark)), source, sink)
