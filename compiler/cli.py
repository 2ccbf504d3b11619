"""The `gwfc` command line: flags in, library calls, exit codes; nothing else.

Exit status: 0 clean (warnings allowed unless --strict), 1 problems, 2 usage error,
3 internal error (a short message asking for a report; the traceback with --debug).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any, NoReturn, Optional

import typer

from .codes import REGISTRY, RULES
from .config import Config, config_path_problem, load_config
from .diagnostics import Diagnostic, Severity, Sink
from .pipeline import Options, Result, check_bytes, check_path
from .render import FORMATS, Report, renderer
from .source import SourceFile, Span

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

app = typer.Typer(
    name="gwfc",
    help="Check, compile and run Paperspace Gradient workflows.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Usage(Exception):
    """A usage error: exit 2 with this message."""


def usage(message: str) -> NoReturn:
    """Stop with a usage error (exit 2)."""
    raise Usage(message)


def _err(text: str) -> None:
    sys.stderr.write(text if text.endswith("\n") else text + "\n")


def _color(stream: Any, no_color: bool) -> bool:
    return not no_color and "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


def load_cfg(path: Optional[Path], sink: Sink) -> Config:
    """The configuration (GW6xx diagnostics into sink)."""
    problem = config_path_problem(path) if path is not None else None
    if problem:
        usage(problem)
    cfg = load_config(path, sink)
    if cfg.targets:  # [targets.NAME] tables must name installed targets
        from gwfc.targets.base import registry

        from .schema import quote_list, suggest

        known = registry()
        for name in cfg.targets:
            if name not in known:
                close = suggest(name, known)
                sink.report("GW602", cfg.key_span(f"targets.{name}"),
                            f"unknown target \"{name}\" in [targets.{name}]" + (f"; did you mean \"{close}\"?" if close else ""),
                            notes=(f"the targets are {quote_list(known)}",))
    return cfg


def default_workflow_files() -> list[Path]:
    """`.gradient/workflows/*.y*ml` of the current git repository (or directory)."""
    top = Path.cwd()
    try:
        out = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=False)
        if out.returncode == 0 and out.stdout.strip():
            top = Path(out.stdout.strip())
    except OSError:
        pass
    wdir = top / ".gradient" / "workflows"
    found = sorted(p for p in wdir.glob("*.y*ml") if p.is_file()) if wdir.is_dir() else []
    return [Path(os.path.relpath(p)) for p in found]


def expand_paths(paths: list[str]) -> list[str]:
    """Files as given; directories → their `*.yaml`/`*.yml` files, recursively, sorted; each
    file once (by its resolved path)."""
    out: list[str] = []
    seen: set[str] = set()
    for p in _expand(paths):
        key = p if p == "-" else os.path.realpath(p)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _expand(paths: list[str]) -> list[str]:
    out: list[str] = []
    for p in paths:
        if p == "-":
            out.append(p)
            continue
        path = Path(p)
        if path.is_dir():
            found = sorted(q for q in path.rglob("*") if q.suffix in (".yaml", ".yml") and q.is_file())
            if not found:
                usage(f"{p} is a directory with no .yaml or .yml file in it")
            out.extend(str(q) for q in found)
        elif path.exists() or path.is_symlink():
            out.append(p)
        else:
            usage(f"no such file or directory: {p}")
    return out


def emit_report(diags: list[Diagnostic], sources: dict[str, SourceFile], fmt: str, files: int,
                no_color: bool, stream: Any = None) -> None:
    """Print diagnostics in a format."""
    stream = stream or sys.stdout
    report = Report(diags, sources, files)
    if fmt == "text":
        from .render.text import render as render_text

        text = render_text(report, color=_color(stream, no_color))
        if not diags and files <= 1:
            text = ""
    else:
        text = renderer(fmt)(report)
    stream.write(text)
    stream.flush()


def exit_status(diags: list[Diagnostic], strict: bool, internal: bool) -> int:
    """0, 1 or 3 from what was found."""
    if internal:
        return EXIT_INTERNAL
    worst = max((d.severity for d in diags), default=None)
    if worst is Severity.ERROR or (strict and worst is Severity.WARNING):
        return EXIT_PROBLEMS
    return EXIT_OK


def internal_message(results: list[Result], debug: bool) -> None:
    """The short report request of exit status 3."""
    for r in results:
        if r.internal:
            _err(f"gwfc: internal error while checking {r.file}; this is a bug in gwfc.")
            _err("Please report it at https://github.com/gwfc/gwfc/issues with the file that caused it.")
            if debug:
                _err(r.internal)
            else:
                _err("Run with --debug to see the traceback.")


# ---- check -------------------------------------------------------------------------------

@app.command()
def check(
    paths: list[str] = typer.Argument(None, help="Files or directories; `-` reads stdin. Default: "
                                      ".gradient/workflows/*.y*ml of the current repository."),
    fmt: str = typer.Option("text", "--format", "-f", help="Output format: text, json, sarif, github."),
    ignore: list[str] = typer.Option([], "--ignore", help="Ignore a code or a prefix (GW322, GW32). Repeatable."),
    strict: bool = typer.Option(False, "--strict", help="Warnings fail the check too."),
    config: Optional[Path] = typer.Option(None, "--config", help="gwfc.toml to use."),
    stdin_filename: Optional[str] = typer.Option(None, "--stdin-filename", help="File name to report for stdin."),
    target: Optional[str] = typer.Option(None, "--target", "-t", help="Also run this target's support checks."),
    no_color: bool = typer.Option(False, "--no-color", help="Plain text output."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of internal errors."),
) -> None:
    """Check workflow files and report every problem with file, line, column and code."""
    if fmt not in FORMATS:
        usage(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    check_ignores(ignore)
    sink = Sink()
    cfg = load_cfg(config, sink)
    files = expand_paths(paths) if paths else [str(p) for p in default_workflow_files()]
    if not files:
        usage("no workflow files to check (give paths, or run inside a repository with .gradient/workflows/)")
    tgt = None
    if target is not None:
        tgt = find_target(target)
    opts = Options(config=cfg, ignore=tuple(ignore), want_ir=tgt is not None, freeze_gc=True)
    results: list[Result] = []
    for f in files:
        if f == "-":
            name = stdin_filename or "<stdin>"
            results.append(check_bytes(sys.stdin.buffer.read(), name, opts))
        else:
            results.append(check_path(Path(f), opts, display=f))
    diags: list[Diagnostic] = list(sink.items)
    sources: dict[str, SourceFile] = {}
    for r in results:
        diags.extend(r.diagnostics)
        if r.source is not None:
            sources[r.file] = r.source
        if tgt is not None and r.ir is not None:
            diags.extend(target_support(tgt, r, cfg, opts))
    diags.sort(key=Diagnostic.sort_key)
    emit_report(diags, sources, fmt, len(files), no_color)
    internal = any(r.internal for r in results)
    if internal:
        internal_message(results, debug)
    raise typer.Exit(exit_status(diags, strict or cfg.strict, internal))


def find_target(name: str) -> Any:
    """A target by name, or a usage error naming the available ones (or why a plugin broke)."""
    from gwfc.targets.base import PluginError, get_target, registry

    try:
        tgt = get_target(name)
    except PluginError as exc:
        usage(str(exc))
    if tgt is None:
        usage(f"unknown target {name!r}; available: {', '.join(registry()) or 'none'}")
    return tgt


def target_support(tgt: Any, r: Result, cfg: Config, opts: Options, sets: dict[str, str] | None = None) -> list[Diagnostic]:
    """The target's support diagnostics for a checked file (with suppressions applied)."""
    from gwfc.compiler.ir import trivial_placement
    from gwfc.compiler.pipeline import finish
    from gwfc.targets.base import EmitContext, parse_options

    sink = Sink()
    raw = dict(cfg.targets.get(tgt.name, {}))
    raw.update(sets or {})
    options = parse_options(tgt.options_model, raw, sink, cfg.path or "--set")
    assert r.ir is not None
    ctx = EmitContext(profile=cfg.profile(), sink=sink)
    tgt.support(r.ir, trivial_placement(r.ir), options, ctx)
    return finish(sink.items, r.source, opts, r.root)


# ---- explain, rules, schema ---------------------------------------------------------------

@app.command()
def explain(code: str = typer.Argument(..., help="A diagnostic code, e.g. GW309.")) -> None:
    """Explain a diagnostic code, with an example that triggers it."""
    r = REGISTRY.get(code.upper())
    if r is None:
        usage(f"unknown code {code!r}; `gwfc rules` lists them")
    lines = [f"{r.code} {r.name} ({r.severity.label})", "", r.summary + ".", "", r.explanation]
    if r.example:
        lines += ["", "Example:", ""] + ["    " + line for line in r.example.rstrip("\n").split("\n")]
    if r.target:
        lines += ["", f"Reported by `gwfc check --target {r.target}` and `gwfc compile --target {r.target}`."]
    sys.stdout.write("\n".join(lines) + "\n")


@app.command()
def rules(markdown: bool = typer.Option(False, "--markdown", help="Print docs/rules.md.")) -> None:
    """List every diagnostic code."""
    if markdown:
        from .rules_doc import rules_markdown

        sys.stdout.write(rules_markdown())
        return
    for r in RULES:
        sys.stdout.write(f"{r.code}  {r.severity.label:<7}  {r.name:<26} {r.summary}\n")


@app.command()
def schema(ir: bool = typer.Option(False, "--ir", help="Print the IR's schema instead.")) -> None:
    """Print the workflow JSON Schema (for yaml-language-server and other editors)."""
    from importlib import resources

    name = "ir.schema.json" if ir else "workflow.schema.json"
    sys.stdout.write(resources.files("gwfc.grammar").joinpath(name).read_text(encoding="utf-8"))


# ---- ir, graph -------------------------------------------------------------------------------

def check_ignores(patterns: list[str]) -> None:
    """A usage error for an `--ignore` that is not a code or a code prefix."""
    from .suppress import bad_pattern

    for p in patterns:
        why = bad_pattern(p)
        if why:
            usage(f"--ignore {why}")


def check_name(name: Optional[str]) -> None:
    """A usage error for a `--name` that is not a workflow name."""
    if name is None:
        return
    from .pipeline import workflow_name

    try:
        workflow_name("", name)
    except ValueError as exc:
        usage(str(exc))


def load_checked(file: str, config: Optional[Path], name: Optional[str], stdin_filename: Optional[str],
                 no_color: bool, debug: bool, ignore: list[str] | None = None) -> tuple[Result, Config]:
    """Check a file for a command that needs its IR; diagnostics go to stderr; exit 1 on errors."""
    sink = Sink()
    cfg = load_cfg(config, sink)
    check_name(name)
    opts = Options(config=cfg, want_ir=True, name=name, ignore=tuple(ignore or ()), freeze_gc=True)
    if file == "-":
        r = check_bytes(sys.stdin.buffer.read(), stdin_filename or "<stdin>", opts)
    else:
        if not Path(file).exists():
            usage(f"no such file: {file}")
        r = check_path(Path(file), opts, display=file)
    diags = sorted(list(sink.items) + r.diagnostics, key=Diagnostic.sort_key)
    if diags:
        emit_report(diags, {r.file: r.source} if r.source else {}, "text", 1, no_color, stream=sys.stderr)
    if r.internal:
        internal_message([r], debug)
        raise typer.Exit(EXIT_INTERNAL)
    if any(d.severity is Severity.ERROR for d in diags) or r.ir is None:
        raise typer.Exit(EXIT_PROBLEMS)
    return r, cfg


@app.command("ir")
def ir_cmd(
    file: str = typer.Argument(..., help="Workflow file (`-` for stdin)."),
    name: Optional[str] = typer.Option(None, "--name", help="Workflow name (default: the file's stem)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write the IR to this file."),
    config: Optional[Path] = typer.Option(None, "--config"),
    stdin_filename: Optional[str] = typer.Option(None, "--stdin-filename"),
    no_color: bool = typer.Option(False, "--no-color"),
    debug: bool = typer.Option(False, "--debug"),
) -> None:
    """Print the workflow's IR as JSON (grammar/ir.schema.json)."""
    r, _ = load_checked(file, config, name, stdin_filename, no_color, debug)
    assert r.ir is not None
    text = r.ir.dumps()
    if output is None or str(output) == "-":
        sys.stdout.write(text)
    else:
        from .fileio import write_output

        try:
            write_output(output, text)
        except OSError as exc:
            usage(f"-o {output}: {exc.strerror or exc}")


@app.command()
def graph(
    file: str = typer.Argument(..., help="Workflow file (`-` for stdin)."),
    fmt: str = typer.Option("mermaid", "--format", "-f", help="mermaid or dot."),
    config: Optional[Path] = typer.Option(None, "--config"),
    stdin_filename: Optional[str] = typer.Option(None, "--stdin-filename"),
    no_color: bool = typer.Option(False, "--no-color"),
    debug: bool = typer.Option(False, "--debug"),
) -> None:
    """Print the job graph, edges labelled with what flows along them (name and kind)."""
    from .graph import to_dot, to_mermaid

    if fmt not in ("mermaid", "dot"):
        usage(f"unknown graph format {fmt!r}; choose mermaid or dot")
    r, _ = load_checked(file, config, None, stdin_filename, no_color, debug)
    assert r.ir is not None
    sys.stdout.write(to_mermaid(r.ir) if fmt == "mermaid" else to_dot(r.ir))


# ---- compile ---------------------------------------------------------------------------------

def parse_pairs(pairs: list[str], flag: str) -> dict[str, str]:
    """`KEY=VALUE` items of a repeatable flag."""
    out: dict[str, str] = {}
    for p in pairs:
        key, sep, value = p.partition("=")
        if not sep or not key:
            usage(f"{flag} takes KEY=VALUE, not {p!r}")
        out[key] = value
    return out


@app.command("compile")
def compile_cmd(
    file: str = typer.Argument(..., help="Workflow file (`-` for stdin), or an IR file with --from-ir."),
    target: str = typer.Option(..., "--target", "-t", help="The target: shell or argo (or an installed plugin's name)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Directory to write the bundle into."),
    sets: list[str] = typer.Option([], "--set", help="Target option KEY=VALUE, the keys of the targets.NAME "
                                   "table of gwfc.toml. Repeatable."),
    from_ir: bool = typer.Option(False, "--from-ir", help="Read an IR (from `gwfc ir`) instead of a workflow."),
    name: Optional[str] = typer.Option(None, "--name", help="Workflow name (default: the file's stem)."),
    profile: Optional[str] = typer.Option(None, "--profile", help="Machine profile: default or local."),
    namespace: Optional[str] = typer.Option(None, "--namespace", help="Alias of --set namespace=…"),
    inputs: list[str] = typer.Option([], "--input", help="Workflow input NAME=VALUE (a default for targets "
                                     "that take values at submit time). Repeatable."),
    contexts: list[str] = typer.Option([], "--context", help="Context value PATH=VALUE, e.g. event.github.url=…"),
    config: Optional[Path] = typer.Option(None, "--config"),
    stdin_filename: Optional[str] = typer.Option(None, "--stdin-filename"),
    no_color: bool = typer.Option(False, "--no-color"),
    debug: bool = typer.Option(False, "--debug"),
) -> None:
    """Compile a workflow into a target's artifacts (written atomically with -o)."""
    from gwfc.compiler.ir import trivial_placement
    from gwfc.targets.base import EmitContext, OutputError, check_context_flags, parse_options, write_bundle

    tgt = find_target(target)
    set_values = parse_pairs(sets, "--set")
    if namespace is not None:
        if set_values.get("namespace", namespace) != namespace:
            usage(f"--namespace {namespace!r} and --set namespace={set_values['namespace']!r} disagree; give one")
        set_values["namespace"] = namespace
    sink = Sink()
    source: SourceFile | None = None
    if from_ir:
        cfg = load_cfg(config, sink)
        ir = read_ir(file)
    else:
        r, cfg = load_checked(file, config, name, stdin_filename, no_color, debug)
        assert r.ir is not None
        ir = r.ir
        source = r.source
    if profile is not None:
        if profile not in ("default", "local"):
            usage(f"unknown profile {profile!r}; choose default or local")
        cfg.profile_name = profile
    raw = dict(cfg.targets.get(tgt.name, {}))
    raw.update(set_values)
    def span_of(key: str) -> Span:
        if key == "namespace" and namespace is not None:
            return Span.point("--namespace", 1, 1)
        if key in set_values:
            return Span.point("--set", 1, 1)
        return cfg.key_span(f"targets.{tgt.name}.{key}")

    options = parse_options(tgt.options_model, raw, sink, cfg.path or "--set", span_of=span_of)
    ctx = EmitContext(profile=cfg.profile(), sink=sink, inputs=parse_pairs(inputs, "--input"),
                      context=parse_pairs(contexts, "--context"),
                      option_spans={k.replace("_", "-"): span_of(k) for k in raw})
    check_context_flags(ir, ctx.context, sink)
    placement = trivial_placement(ir)
    bundle = None
    try:
        tgt.support(ir, placement, options, ctx)
        if not sink.has_errors:
            bundle = tgt.emit(ir, placement, options, ctx)
    except Exception:
        _err(f"gwfc: internal error in the {tgt.name} target; this is a bug in gwfc.")
        _err(traceback.format_exc() if debug else "Run with --debug to see the traceback.")
        raise typer.Exit(EXIT_INTERNAL) from None
    diags = sorted(sink.items, key=Diagnostic.sort_key)
    if source is not None:
        from .pipeline import finish

        diags = finish(diags, source, Options(config=cfg))
    if diags:
        emit_report(diags, {source.name: source} if source else {}, "text", 1, no_color, stream=sys.stderr)
    if bundle is None or any(d.severity is Severity.ERROR for d in diags):
        raise typer.Exit(EXIT_PROBLEMS)
    if output is not None:
        if str(output) == "-":
            usage("-o takes a directory; without -o a one-file target prints to stdout")
        try:
            write_bundle(bundle, output)
        except OutputError as exc:
            usage(f"-o: {exc}")
        return
    if len(bundle.files) != 1:
        usage(f"the {tgt.name} target writes {len(bundle.files)} files "
              f"({', '.join(sorted(bundle.files))}); give -o DIR")
    (only,) = bundle.files.values()
    sys.stdout.write(only.text)


def read_ir(file: str) -> Any:
    """An IR file, checked against grammar/ir.schema.json (usage error when it does not fit)."""
    from gwfc.compiler.ir import IR
    from gwfc.compiler.irschema import validate_ir

    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        usage(f"cannot read the IR {file}: {exc}")
    version = data.get("gwfc-ir") if isinstance(data, dict) else None
    if isinstance(data, dict) and version != 1:
        usage(f"{file} is a gwfc IR of version {version!r}; this gwfc reads version 1 (write it again with "
              "this gwfc's `gwfc ir`)" if version is not None else f"{file} is not a gwfc IR: it has no \"gwfc-ir\" "
              "version (write it with `gwfc ir`)")
    problems = validate_ir(data)
    if problems:
        usage(f"{file} is not a gwfc IR: " + "; ".join(problems[:5]))
    try:
        return IR.from_json(data)
    except (KeyError, ValueError, TypeError) as exc:
        raise Usage(f"{file} is not a gwfc IR: {exc}") from None


def _version_text() -> str:
    from importlib import metadata

    try:
        v = metadata.version("gwfc")
    except metadata.PackageNotFoundError:
        v = "unknown"
    return f"gwfc {v}\n"


@app.command()
def version() -> None:
    """Print gwfc's version."""
    sys.stdout.write(_version_text())


def _version_flag(value: bool) -> None:
    if value:
        sys.stdout.write(_version_text())
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    show_version: bool = typer.Option(False, "--version", "-V", callback=_version_flag, is_eager=True,
                                      help="Print gwfc's version and exit."),
) -> None:
    """Check, compile and run Paperspace Gradient workflows."""


def _register_extensions() -> None:
    """Commands that live beside their subsystem (run and dataset: the shell target; lsp)."""
    import importlib

    for mod in ("gwfc.targets.shell.cli", "gwfc.compiler.lsp.cli"):
        try:
            m = importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name and mod.startswith(exc.name):
                continue
            raise
        m.register(app)


def main() -> None:
    """Entry point of the `gwfc` console script."""
    _register_extensions()
    if "NO_COLOR" in os.environ:
        # Plain help and usage errors: rich would drop the colours but keep bold and dim.
        import typer.core
        import typer.main

        typer.core.HAS_RICH = typer.main.HAS_RICH = False  # type: ignore[attr-defined]
    try:
        app()  # click's standalone mode: its usage errors exit 2, typer.Exit exits with its code
    except Usage as exc:
        _err(f"gwfc: error: {exc}")
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        _err("gwfc: interrupted")
        sys.exit(130)
    except Exception:
        _err("gwfc: internal error; this is a bug in gwfc. Please report it at "
             "https://github.com/gwfc/gwfc/issues.")
        _err(traceback.format_exc() if "--debug" in sys.argv else "Run with --debug to see the traceback.")
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":
    main()
