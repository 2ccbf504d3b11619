"""The public facade: check a file, lower it to IR.

    result = check_bytes(data, "workflow.yaml", Options())
    result.diagnostics          # sorted, suppressions applied, fingerprints set
    result.ir                   # the IR when the file has no errors (and lowering was asked)

Each stage adds to one sink and the next runs where it safely can: a YAML error stops the
stages after it, a structure error still lets references be checked. An exception is a bug:
it becomes GW901 for that file only and `internal` is set, so the CLI exits 3.
"""

from __future__ import annotations

import gc
import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .actions_images import ActionImages
from .ast import Workflow
from .build import build
from .checks import Context, run_checks
from .config import Config
from .diagnostics import Diagnostic, Severity, Sink
from .loader import load
from .nodes import AnyNode
from .resolve import Resolution, resolve
from .source import SourceFile, Span
from .suppress import ignored, scan

if TYPE_CHECKING:
    from .ir import IR


@dataclass(slots=True)
class Options:
    """What a check run is asked to do."""

    config: Config = field(default_factory=Config)
    #: Codes or prefixes to drop (`--ignore`), on top of the config's.
    ignore: tuple[str, ...] = ()
    #: Lower to IR when the file has no errors.
    want_ir: bool = False
    #: The IR's workflow name (`--name`); default: the file's stem.
    name: str | None = None
    images: ActionImages = field(default_factory=ActionImages)
    #: After the check, move what is alive out of the collector's reach for good
    #: (`gc.freeze`). Right for a short process such as the CLI; wrong for a long-running one
    #: (objects frozen there and later part of garbage cycles would never be collected), which
    #: gets them in the oldest generation instead. Off by default.
    freeze_gc: bool = False


@dataclass(slots=True)
class Result:
    """Everything known about one file after checking."""

    file: str
    diagnostics: list[Diagnostic]
    source: SourceFile | None = None
    #: The YAML node tree (None when the file did not parse).
    root: AnyNode | None = None
    workflow: Workflow | None = None
    resolution: Resolution | None = None
    ir: IR | None = None
    #: An internal error (a bug) happened; its traceback, for --debug.
    internal: str = ""

    @property
    def has_errors(self) -> bool:
        """Whether any reported diagnostic is an error."""
        return any(d.severity is Severity.ERROR for d in self.diagnostics)


#: A workflow's name (the IR's `name`): what targets turn into file, job and resource names.
WORKFLOW_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}\Z")


def workflow_name(file: str, explicit: str | None = None) -> str:
    """The IR's name: --name (which must match WORKFLOW_NAME: ValueError otherwise), else the
    file's stem with other characters replaced by `-`, else `workflow` (stdin)."""
    if explicit is not None:
        if not WORKFLOW_NAME.match(explicit):
            raise ValueError(f"--name {explicit!r}: a workflow name has letters, digits, `.`, `_` and `-`, "
                             "starts with a letter or digit, and has at most 63 characters")
        return explicit
    if file in ("-", "<stdin>", ""):
        return "workflow"
    name = Path(file).name
    for ext in (".yaml", ".yml", ".json"):
        if name.endswith(ext):
            name = name[: -len(ext)]
            break
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name).lstrip("._-")[:63].rstrip("-")
    return name or "workflow"


def check_bytes(data: bytes, file: str, opts: Options | None = None) -> Result:
    """Check one workflow given as bytes; `file` is the name diagnostics carry."""
    opts = opts or Options()
    sink = Sink()
    result = Result(file, [])
    # The front end makes many small acyclic objects; the cyclic collector would rescan
    # them again and again (half the time of a 5,000-job file). Nothing here makes cycles
    # worth collecting, so it is paused for the check and restored after.
    gc_enabled = gc.isenabled()
    gc.disable()
    try:
        _run(data, file, opts, sink, result)
    except Exception:
        result.internal = traceback.format_exc()
        sink.report("GW901", Span.point(file, 1, 1),
                    "internal error in gwfc while checking this file; please report it "
                    "(run with --debug for the traceback)")
    finally:
        if gc_enabled:
            gc.freeze()
            if not opts.freeze_gc:
                # A long-running process: put what the check made in the oldest generation
                # (freeze, then unfreeze: two O(1) list moves), where cycles are still
                # collected but young collections do not rescan it all on its way up.
                gc.unfreeze()
            gc.enable()
    result.diagnostics = finish(sink.items, result.source, opts, result.root)
    return result


def _run(data: bytes, file: str, opts: Options, sink: Sink, result: Result) -> None:
    cfg = opts.config
    doc = load(data, file, sink, cfg.limits)
    if doc is None:
        return
    result.source = doc.source
    result.root = doc.root
    if doc.root is None:
        return
    wf = build(doc.root, file, sink, cfg.limits, doc.source)
    if wf is None:
        return
    result.workflow = wf
    res = resolve(wf, doc.source, sink)
    result.resolution = res
    run_checks(Context(wf, doc.source, sink, res, cfg.profile()))
    if opts.want_ir and not sink.has_errors and res.order is not None:
        from .lower import lower  # only commands that need an IR pay for the lowering modules

        result.ir = lower(wf, res, workflow_name(file, opts.name), opts.images)


def finish(items: list[Diagnostic], source: SourceFile | None, opts: Options,
           root: AnyNode | None = None) -> list[Diagnostic]:
    """Apply `--ignore`, config ignores and `# gwfc: ignore` comments; fingerprint; sort."""
    ignore = tuple(opts.ignore) + tuple(opts.config.ignore)
    sup = scan(source, root) if source is not None else None
    out = []
    for d in items:
        if d.code != "GW901" and (ignored(d.code, ignore) or (sup is not None and sup.suppresses(d))):
            continue
        context = source.line_text(d.span.line) if source is not None and d.span.file == source.name else ""
        out.append(d.with_fingerprint(context))
    out.sort(key=Diagnostic.sort_key)
    return out


def check_path(path: Path, opts: Options | None = None, display: str | None = None) -> Result:
    """Check one file on disk (GW115 when it cannot be read)."""
    name = display or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        sink = Sink()
        sink.report("GW115", Span.point(name, 1, 1), f"cannot read the file: {exc.strerror or exc}")
        return Result(name, sink.items)
    return check_bytes(data, name, opts)
