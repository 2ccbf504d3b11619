"""The target contract (DESIGN.md, Target, Names, Bundles).

A target is an object with a `name`, a typed options model (a dataclass), a support matrix
over IR features, `support(ir, placement, options, ctx)` (GW5xx diagnostics) and
`emit(ir, placement, options, ctx) -> Bundle`. It never re-parses YAML or expressions.
Targets are found through the `gwfc.targets` entry-point group; the built-in ones are
registered the same way (pyproject.toml).

Every IR field is either mapped or reported: `SUPPORT_FIELDS` lists the IR's fields and each
target's `matrix` says, per field, "mapped", "info" (metadata without meaning on the target,
reported as GW502) or "error" (GW504); a test walks grammar/ir.schema.json and asserts every
matrix covers every field.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

from gwfc.compiler.diagnostics import Diagnostic, Sink
from gwfc.compiler.ir import IR, Placement
from gwfc.compiler.profiles import Profile, make_profile
from gwfc.compiler.source import Span


@dataclass(frozen=True, slots=True)
class BundleFile:
    """One generated file."""

    text: str
    mode: int = 0o644


@dataclass(slots=True)
class Bundle:
    """A target's output: relative path → file. Written atomically by `write_bundle`."""

    files: dict[str, BundleFile] = field(default_factory=dict)

    def add(self, path: str, text: str, mode: int = 0o644) -> None:
        """Add a file (a relative path with `/` separators)."""
        if path.startswith("/") or ".." in path.split("/"):
            raise ValueError(f"bundle paths are relative and stay inside: {path!r}")
        self.files[path] = BundleFile(text, mode)


@dataclass(slots=True)
class EmitContext:
    """What a target may read besides the IR: the machine-type profile and where to report."""

    profile: Profile = field(default_factory=lambda: make_profile("default"))
    sink: Sink = field(default_factory=Sink)
    #: Values given at compile time (`--input`, `--context`), baked in by targets that cannot
    #: take them at submit time; others use them as defaults.
    inputs: dict[str, str] = field(default_factory=dict)
    context: dict[str, str] = field(default_factory=dict)
    #: Where each option was given (its line in gwfc.toml, or `--set`), for diagnostics about
    #: option values; options absent here were not given (defaults).
    option_spans: dict[str, Span] = field(default_factory=dict)

    def option_span(self, key: str) -> Span:
        """Where option `key` was given (a point on `--set` when unknown)."""
        return self.option_spans.get(key) or Span.point("--set", 1, 1)


class Target(Protocol):
    """What every backend provides."""

    name: str
    #: The options dataclass; its fields are the keys of `--set` and `[targets.NAME]`.
    options_model: type
    #: IR field (as in SUPPORT_FIELDS) → "mapped", "info" or "error".
    matrix: dict[str, str]
    #: Output files, for `--help` and docs.
    files: tuple[str, ...]

    def support(self, ir: IR, placement: Placement, options: Any, ctx: EmitContext) -> None:
        """Report what the target cannot express (GW5xx) into ctx.sink."""

    def emit(self, ir: IR, placement: Placement, options: Any, ctx: EmitContext) -> Bundle:
        """Generate the artifacts. Deterministic: the same IR gives byte-identical files."""


#: The IR's fields that a target must map or report (paths into grammar/ir.schema.json).
SUPPORT_FIELDS = (
    "name", "source", "inputs", "context", "context_used", "trigger", "cluster_id", "registries", "secrets", "spans",
    "steps.name", "steps.span", "steps.action", "steps.run.image", "steps.run.command", "steps.run.args",
    "steps.run.files", "steps.run.env", "steps.run.mounts", "steps.run.shell", "steps.op", "steps.inputs",
    "steps.outputs", "steps.needs", "steps.after", "steps.resources",
)


# ---- options ---------------------------------------------------------------------------

def option_keys(model: type) -> dict[str, dataclasses.Field[Any]]:
    """Option key (kebab-case) → dataclass field."""
    return {f.name.replace("_", "-"): f for f in dataclasses.fields(model)}


def parse_options(model: type, raw: dict[str, Any], sink: Sink, where: str,
                  span_of: Any = None) -> Any:
    """Build an options object from `--set`/gwfc.toml values (strings or TOML values).

    Unknown keys are GW602, values of the wrong type GW603 (with `where` naming the source).
    """
    keys = option_keys(model)
    kwargs: dict[str, Any] = {}
    for key, value in raw.items():
        norm = key.replace("_", "-")
        f = keys.get(norm)
        span = span_of(key) if span_of else Span.point(where, 1, 1)
        if f is None:
            from gwfc.compiler.schema import quote_list, suggest

            close = suggest(norm, keys)
            sink.report("GW602", span, f"unknown option \"{key}\""
                        + (f"; did you mean \"{close}\"?" if close else ""),
                        notes=(f"options: {quote_list(keys)}",))
            continue
        try:
            kwargs[f.name] = _coerce(f, value)
        except ValueError as exc:
            sink.report("GW603", span, f"option \"{norm}\": {exc}")
    return model(**kwargs)


def _coerce(f: dataclasses.Field[Any], value: Any) -> Any:
    t = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
    if t.startswith("bool"):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "yes", "1", "on"):
            return True
        if isinstance(value, str) and value.lower() in ("false", "no", "0", "off"):
            return False
        raise ValueError(f"expected true or false, not {value!r}")
    if t.startswith("int"):
        if isinstance(value, bool):
            raise ValueError(f"expected a whole number, not {value!r}")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ValueError(f"expected a whole number, not {value!r}") from None
    if t.startswith("tuple") or t.startswith("list"):
        if isinstance(value, (list, tuple)):
            return tuple(str(v) for v in value)
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
        raise ValueError(f"expected a list, not {value!r}")
    if isinstance(value, (dict, list)):
        raise ValueError(f"expected a string, not {value!r}")
    choices = f.metadata.get("choices") if f.metadata else None
    text = str(value).lower() if isinstance(value, bool) else str(value)
    if choices and text not in choices:
        raise ValueError(f"expected one of {', '.join(choices)}, not {text!r}")
    return text


# ---- names -----------------------------------------------------------------------------

_DNS_BAD = re.compile(r"[^a-z0-9-]+")


def dns_label(name: str, limit: int = 63) -> str:
    """A lower-case RFC 1123 label for a name (Argo, Kubernetes): `Train_Model` → `train-model`."""
    s = _DNS_BAD.sub("-", name.lower()).strip("-")
    s = re.sub(r"-{2,}", "-", s)
    if not s:
        s = "x"
    if not s[0].isalnum():
        s = "x" + s
    return s[:limit].rstrip("-") or "x"


def shell_word(name: str) -> str:
    """A name as a file or variable-safe word (shell, Slurm): letters, digits, `_`, `-`."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)


def map_names(names: Iterable[tuple[str, Span | None]], mapper: Any, what: str, target: str,
              sink: Sink) -> dict[str, str]:
    """Map names with `mapper`; two names that map to one identifier are a GW501 error,
    never merged (DESIGN.md, Names)."""
    out: dict[str, str] = {}
    taken: dict[str, str] = {}
    for name, span in names:
        ident = mapper(name)
        first = taken.get(ident)
        if first is not None and first != name:
            sink.report("GW501", span or Span.point("<ir>", 1, 1),
                        f"{what} \"{name}\" and \"{first}\" both become \"{ident}\" on {target}",
                        notes=(f"{target} needs {what} names that differ after mapping; rename one of them",))
            continue
        taken[ident] = name
        out[name] = ident
    return out


# ---- registry --------------------------------------------------------------------------

class PluginError(Exception):
    """A target plugin could not be loaded (its entry point raised)."""


def _load(ep: metadata.EntryPoint) -> Target:
    obj = ep.load()
    return obj() if isinstance(obj, type) else obj  # type: ignore[no-any-return]


def registry() -> dict[str, Target]:
    """Targets by name, from the `gwfc.targets` entry points (built-ins included). A plugin
    that fails to load is left out here; `get_target` reports why."""
    out: dict[str, Target] = {}
    for ep in metadata.entry_points(group="gwfc.targets"):
        try:
            out[ep.name] = _load(ep)
        except Exception:  # a broken plugin must not break the other targets
            continue
    return dict(sorted(out.items()))


def get_target(name: str) -> Target | None:
    """One target by name; None if no plugin has that name; PluginError if it fails to load."""
    for ep in metadata.entry_points(group="gwfc.targets"):
        if ep.name == name:
            try:
                return _load(ep)
            except Exception as exc:
                raise PluginError(f"the target plugin {name!r} ({ep.value}) failed to load: {exc!r}") from exc
    return None


# ---- values from outside -------------------------------------------------------------------

def check_context_flags(ir: IR, given: Iterable[str], sink: Sink) -> None:
    """GW604 for a `--context PATH=…` the workflow does not read and the format does not
    define (a misspelt path would otherwise be dropped without a word), with a did-you-mean."""
    import difflib

    from gwfc.compiler.expr import GITHUB_CONTEXT

    # Giving a GitHub path a workflow does not read is harmless: a CI script may pass both to
    # every workflow.
    used = list(ir.context_used)
    known = [*used, *(p for p in GITHUB_CONTEXT if p not in used), *(p for p, _ in ir.context if p not in used)]
    for raw in given:
        path = raw.removeprefix("context.")
        if path in known:
            continue
        close = difflib.get_close_matches(path, known, n=1, cutoff=0.6)
        msg = f"--context \"{raw}\": the workflow reads no context value `context.{path}`"
        if close:
            msg += f"; did you mean `{close[0]}`?"
        notes = (f"it reads {', '.join(f'`context.{p}`' for p in used)}" if used
                 else "it reads no context values",)
        sink.report("GW604", Span.point("--context", 1, 1), msg, notes=notes)


# ---- writing ---------------------------------------------------------------------------

#: The file gwfc leaves in every directory it writes with `-o`: only such a directory (or an
#: empty one) is ever replaced, so `-o .` or `-o ~` can never delete what the user keeps there.
BUNDLE_MARKER = ".gwfc-bundle"


class OutputError(Exception):
    """`-o` names a place gwfc must not write a bundle to (a usage error)."""


def write_bundle(bundle: Bundle, out_dir: Path) -> None:
    """Write a bundle into `out_dir` through a temporary directory and a rename, so an error
    leaves nothing behind. An existing `out_dir` is replaced, once the new one is complete,
    only when it is empty or an earlier bundle (it holds BUNDLE_MARKER); anything else is an
    OutputError and nothing is written."""
    out_dir = Path(os.path.abspath(out_dir))  # not resolve(): a symlink is replaced, not its target
    if out_dir.is_symlink():
        raise OutputError(f"{out_dir} is a symbolic link; gwfc replaces the directory it writes, so give the "
                          f"directory itself ({os.path.realpath(out_dir)})")
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir} exists and is not a directory; -o takes a directory (new, empty, "
                          "or written by gwfc before)")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / BUNDLE_MARKER).is_file():
        raise OutputError(f"{out_dir} is not empty and was not written by gwfc (it has no {BUNDLE_MARKER}); "
                          "gwfc replaces only its own output directories: choose a new or empty directory")
    parent = out_dir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=parent))
    except OSError as exc:
        raise OutputError(f"cannot create {out_dir}: {exc.strerror or exc}") from None
    try:
        for rel, f in sorted(bundle.files.items()):
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(f.text)
            os.chmod(path, f.mode)
        with open(tmp / BUNDLE_MARKER, "w", encoding="utf-8", newline="\n") as fh:
            fh.write("written by `gwfc compile -o`; gwfc replaces this directory when it compiles into it "
                     "again\n")
        os.chmod(tmp, 0o755)
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old.", dir=parent))
            os.rename(out_dir, old / "d")
            os.rename(tmp, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out_dir)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {out_dir}: {exc.strerror or exc}") from None
        raise


def collect(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics sorted for output."""
    return sorted(diags, key=Diagnostic.sort_key)
