"""gwfc.toml (DESIGN.md, Configuration).

Found from `--config`, else `gwfc.toml` in the current directory and its parents, else
`[tool.gwfc]` in the nearest `pyproject.toml`. Flags beat the file. Its problems are GW6xx
diagnostics at the line of the offending key.

```toml
profile = "default"              # or "local"
[check]
ignore = ["GW322"]               # codes or prefixes
strict = false
[limits]
file-size = "64MiB"
jobs = 50000
depth = 64
alias-nodes = 10000
reference-length = 4096
[instance-types.C5]              # change a built-in row or add one
cpus = 4
memory = "8GiB"
gpus = 0
gpu-kind = ""
[targets.argo]                   # any target's options (the same keys as --set)
namespace = "ml"
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .diagnostics import Sink
from .limits import DEFAULT_LIMITS, Limits
from .profiles import PROFILE_NAMES, InstanceType, Profile, make_profile
from .source import Span

TOP_KEYS = ("profile", "check", "limits", "instance-types", "targets")
CHECK_KEYS = ("ignore", "strict")
LIMIT_KEYS = {"file-size": "file_size", "jobs": "jobs", "depth": "depth", "alias-nodes": "alias_nodes",
              "reference-length": "reference_length"}
ROW_KEYS = ("cpus", "memory", "gpus", "gpu-kind", "source")

_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|TiB|KB|MB|GB|TB|K|M|G|T|Ki|Mi|Gi|Ti)?\s*\Z", re.I)
_UNITS = {"b": 1, "k": 1000, "kb": 1000, "m": 1000**2, "mb": 1000**2, "g": 1000**3, "gb": 1000**3,
          "t": 1000**4, "tb": 1000**4, "ki": 1024, "kib": 1024, "mi": 1024**2, "mib": 1024**2,
          "gi": 1024**3, "gib": 1024**3, "ti": 1024**4, "tib": 1024**4}


def parse_size(value: Any, default_unit: str = "b") -> int | None:
    """Bytes of `8GiB`, `512MiB`, `64MB` or a number (in `default_unit`); None if invalid."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value * _UNITS[default_unit.lower()]) if value >= 0 else None
    if not isinstance(value, str):
        return None
    m = _SIZE.match(value)
    if not m:
        return None
    unit = (m.group(2) or default_unit).lower()
    return int(float(m.group(1)) * _UNITS[unit])


@dataclass(slots=True)
class Config:
    """The effective configuration."""

    path: str | None = None
    profile_name: str = "default"
    ignore: tuple[str, ...] = ()
    strict: bool = False
    limits: Limits = DEFAULT_LIMITS
    instance_types: dict[str, InstanceType] = field(default_factory=dict)
    targets: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Line of each dotted key in the file, for target option diagnostics.
    key_lines: dict[str, int] = field(default_factory=dict)

    def profile(self) -> Profile:
        """The machine-type profile: built-in rows, then this file's rows, clamped if `local`."""
        return make_profile(self.profile_name, self.instance_types)

    def key_span(self, dotted: str) -> Span:
        """Where a key is written (line 1 when unknown)."""
        line = self.key_lines.get(dotted, 1)
        return Span.point(self.path or "gwfc.toml", line, 1)


def discover(start: Path) -> Path | None:
    """gwfc.toml in `start` or a parent, else a pyproject.toml with [tool.gwfc]."""
    start = start.resolve()
    for d in (start, *start.parents):
        p = d / "gwfc.toml"
        if p.is_file():
            return p
    for d in (start, *start.parents):
        p = d / "pyproject.toml"
        if p.is_file():
            import tomllib

            try:
                data = tomllib.loads(p.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
                continue
            if isinstance(data.get("tool"), dict) and "gwfc" in data["tool"]:
                return p
    return None


def _key_lines(text: str, pyproject: bool) -> dict[str, int]:
    """Dotted key → line, from a plain scan of the TOML text (tomllib keeps no positions)."""
    lines: dict[str, int] = {}
    table = ""
    for i, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        m = re.match(r"\[\[?\s*([^\]]+?)\s*\]\]?", s)
        if m:
            table = ".".join(part.strip().strip('"\'') for part in m.group(1).split("."))
            if pyproject and table.startswith("tool.gwfc"):
                table = table[len("tool.gwfc"):].lstrip(".")
            lines.setdefault(table, i)
            continue
        m = re.match(r"([A-Za-z0-9_\-\"'.]+)\s*=", s)
        if m:
            key = m.group(1).strip("\"'")
            lines.setdefault(f"{table}.{key}" if table else key, i)
    return lines


class _Loader:
    def __init__(self, path: str, sink: Sink, lines: dict[str, int]) -> None:
        self.path = path
        self.sink = sink
        self.lines = lines

    def span(self, dotted: str) -> Span:
        return Span.point(self.path, self.lines.get(dotted, 1), 1)

    def unknown(self, dotted: str, allowed: Any) -> None:
        from .schema import quote_list, suggest

        key = dotted.rsplit(".", 1)[-1]
        close = suggest(key, allowed)
        msg = f"unknown configuration key \"{dotted}\"" + (f"; did you mean \"{close}\"?" if close else "")
        self.sink.report("GW602", self.span(dotted), msg, notes=(f"allowed: {quote_list(allowed)}",))

    def bad(self, dotted: str, message: str) -> None:
        self.sink.report("GW603", self.span(dotted), f"`{dotted}`: {message}")


def config_path_problem(path: Path) -> str | None:
    """What is wrong with a `--config` path that is not a file (a usage error), or None."""
    if path.is_file():
        return None
    return f"--config {path}: " + ("a directory, not a file (give its gwfc.toml)" if path.is_dir() else "no such file")


def load_config(path: Path | None, sink: Sink, cwd: Path | None = None) -> Config:
    """Read a configuration file (or discover one); problems go to `sink` as GW6xx."""
    if path is None:
        path = discover(cwd or Path.cwd())
        if path is None:
            return Config()
    import tomllib

    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        sink.report("GW601", Span.point(name, 1, 1), f"cannot read the configuration: {exc}")
        return Config(path=name)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+), column (\d+)", str(exc))
        line, col = (int(m.group(1)), int(m.group(2))) if m else (1, 1)
        sink.report("GW601", Span.point(name, line, col), f"invalid TOML: {str(exc).split(' (at')[0]}")
        return Config(path=name)
    pyproject = path.name == "pyproject.toml"
    if pyproject:
        data = data.get("tool", {}).get("gwfc", {})
    lines = _key_lines(text, pyproject)
    return from_data(data, name, sink, lines)


def from_data(data: dict[str, Any], name: str, sink: Sink, lines: dict[str, int] | None = None) -> Config:
    """Build a Config from parsed TOML data."""
    ld = _Loader(name, sink, lines or {})
    cfg = Config(path=name, key_lines=lines or {})
    for key, value in data.items():
        if key == "profile":
            if value in PROFILE_NAMES:
                cfg.profile_name = value
            else:
                ld.bad("profile", f"must be one of {', '.join(PROFILE_NAMES)}, not {value!r}")
        elif key == "check":
            _check_table(ld, cfg, value)
        elif key == "limits":
            _limits(ld, cfg, value)
        elif key == "instance-types":
            _instance_types(ld, cfg, value)
        elif key == "targets":
            if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
                ld.bad("targets", "must hold one table per target, e.g. [targets.argo]")
            else:
                cfg.targets = value
        else:
            ld.unknown(key, TOP_KEYS)
    return cfg


def _check_table(ld: _Loader, cfg: Config, value: Any) -> None:
    if not isinstance(value, dict):
        ld.bad("check", "must be a table")
        return
    for k, v in value.items():
        if k == "ignore":
            if isinstance(v, list) and all(isinstance(x, str) for x in v):
                from .suppress import bad_pattern

                problems = [why for x in v if (why := bad_pattern(x))]
                for why in problems:
                    ld.bad("check.ignore", why)
                cfg.ignore = tuple(x for x in v if not bad_pattern(x))
            else:
                ld.bad("check.ignore", "must be a list of codes, e.g. [\"GW322\"]")
        elif k == "strict":
            if isinstance(v, bool):
                cfg.strict = v
            else:
                ld.bad("check.strict", "must be true or false")
        else:
            ld.unknown(f"check.{k}", CHECK_KEYS)


def _limits(ld: _Loader, cfg: Config, value: Any) -> None:
    if not isinstance(value, dict):
        ld.bad("limits", "must be a table")
        return
    changes: dict[str, int] = {}
    for k, v in value.items():
        attr = LIMIT_KEYS.get(k)
        if attr is None:
            ld.unknown(f"limits.{k}", LIMIT_KEYS)
            continue
        n = parse_size(v) if k == "file-size" else (v if isinstance(v, int) and not isinstance(v, bool) else None)
        if n is None or n <= 0:
            ld.bad(f"limits.{k}", "must be a positive " + ("size such as \"64MiB\"" if k == "file-size" else "integer"))
            continue
        changes[attr] = n
    cfg.limits = replace(DEFAULT_LIMITS, **changes)


def _instance_types(ld: _Loader, cfg: Config, value: Any) -> None:
    if not isinstance(value, dict):
        ld.bad("instance-types", "must hold one table per machine type")
        return
    base = make_profile("default").table
    for name, row in value.items():
        where = f"instance-types.{name}"
        if not isinstance(row, dict):
            ld.bad(where, "must be a table with cpus, memory, gpus")
            continue
        old = base.get(name)
        cpus: float = old.cpus if old else 0
        mem = old.memory_mib if old else 0
        gpus = old.gpus if old else 0
        kind = old.gpu_kind if old else ""
        source = f"gwfc.toml ({ld.path})"
        ok = True
        for k, v in row.items():
            if k == "cpus":
                if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0:
                    cpus = v
                else:
                    ld.bad(f"{where}.cpus", "must be a positive number")
                    ok = False
            elif k == "memory":
                b = parse_size(v, "gib")
                if b is None or b <= 0:
                    ld.bad(f"{where}.memory", "must be a size such as \"8GiB\" (a bare number is GiB)")
                    ok = False
                else:
                    mem = b // (1024 * 1024)
            elif k == "gpus":
                if isinstance(v, int) and not isinstance(v, bool) and v >= 0:
                    gpus = v
                else:
                    ld.bad(f"{where}.gpus", "must be a whole number ≥ 0")
                    ok = False
            elif k == "gpu-kind":
                if isinstance(v, str):
                    kind = v
                else:
                    ld.bad(f"{where}.gpu-kind", "must be a string")
                    ok = False
            elif k == "source":
                if isinstance(v, str):
                    source = v
            else:
                ld.unknown(f"{where}.{k}", ROW_KEYS)
        if ok and (cpus <= 0 or mem <= 0):
            ld.bad(where, "a new machine type needs at least cpus and memory")
            ok = False
        if ok:
            cfg.instance_types[name] = InstanceType(name, cpus, mem, gpus, kind, source)
