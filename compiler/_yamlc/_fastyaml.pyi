"""Types of the C extension (`_fastyaml.c`)."""

from collections.abc import Callable
from typing import Any

_Mark = tuple[int, int, int]
#: (code, message, notes, line, column, end_line, end_column)
Diag = tuple[str, str, tuple[str, ...], int, int, int, int]
#: ("reader", problem, offset, value) or ("scanner" | "parser", context, context mark, problem, problem mark)
Error = tuple[str, str, int, int] | tuple[str, str | None, _Mark | None, str, _Mark | None]

def configure(scalar: type, seq: type, map: type, typed_value: Callable[[str, str, str | None], Any],
              typed_cache: dict[str, Any] | None, typed_first: frozenset[str], scalar_tags: frozenset[str],
              collection_tags: frozenset[str], /) -> None: ...
def build(text: str, depth_limit: int, alias_limit: int, /) -> tuple[Any, list[Diag], Error | None]: ...
def events(text: str, /) -> tuple[list[tuple[Any, ...]], Error | None]: ...
def libyaml_version() -> str: ...
