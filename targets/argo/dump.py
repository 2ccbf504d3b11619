"""The one YAML writer of the Argo target (STYLE.md: structured outputs are data, serialised
by one configured dumper).

No line wrapping (a wrapped line could split a `{{ }}` tag), `|` block style for multi-line
strings, the key order of the data (built in a stable order), no anchors or aliases. Strings
that Kubernetes' YAML reader (go-yaml v2, YAML 1.1) would take for a number, a boolean, a null
or a timestamp are quoted, even where PyYAML would not quote them (`y`, `1e3`, `+Inf`).
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_STR = "tag:yaml.org,2002:str"

#: Plain scalars that go-yaml v2 resolves to something other than a string (its resolve map).
_GO_SPECIAL = frozenset(
    "y Y yes Yes YES n N no No NO true True TRUE false False FALSE on On ON off Off OFF "
    "~ null Null NULL .nan .NaN .NAN .inf .Inf .INF +.inf +.Inf +.INF -.inf -.Inf -.INF <<".split()
) | {""}
#: What go-yaml v2 reads as a number: strconv.ParseInt (base 0) or ParseFloat, tried on plain
#: scalars that start with a sign, a digit or a dot, underscores removed. (Timestamps stay
#: strings when the target field is a string.)
_GO_NUMBER = re.compile(
    r"[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[0-9]+"
    r"|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
    r"|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][-+]?[0-9]+"
    r"|(?i:inf|infinity|nan))"
)


def _go_number(text: str) -> bool:
    """Whether go-yaml v2 would read the plain scalar `text` as a number."""
    return text[:1] in "+-.0123456789" and bool(_GO_NUMBER.fullmatch(text.replace("_", "")))
#: Characters that YAML readers fold into line breaks inside block scalars: keep them escaped.
_BREAKS = re.compile("[\r\x85\u2028\u2029]")


class _Dumper(yaml.SafeDumper):
    """SafeDumper without aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _plain(dumper: _Dumper, data: str) -> bool:
    """Whether PyYAML would write `data` as a plain scalar (in block context)."""
    analysis = dumper.analyze_scalar(data)
    tag = dumper.resolve(yaml.ScalarNode, data, (True, False))  # type: ignore[no-untyped-call]
    return bool(analysis.allow_block_plain) and tag == _STR


def _represent_str(dumper: _Dumper, data: str) -> yaml.ScalarNode:
    style: str | None = None
    if _BREAKS.search(data):
        style = '"'
    elif "\n" in data:
        style = "|"  # PyYAML falls back to double quotes where a block cannot hold the text
    elif data in _GO_SPECIAL or _go_number(data):
        style = "'"
    elif "'" in data and '"' not in data and "\\" not in data and not _plain(dumper, data):
        style = '"'  # where quotes are needed, `"` reads better than doubled `''`
    return dumper.represent_scalar(_STR, data, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(data: Any) -> str:
    """Serialise data built of dicts, lists, strings, ints and bools; deterministic."""
    text = yaml.dump(data, Dumper=_Dumper, default_flow_style=False, sort_keys=False, allow_unicode=True,
                     width=float("inf"), indent=2)
    assert isinstance(text, str)
    return text
