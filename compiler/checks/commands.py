"""Lints from the commands gwfc can read (SPEC.md §11): `script` of script@v1 and `args` of
container@v1.

- GW323/GW324: a command reads `/inputs/X` or writes `/outputs/X` for an `X` the job does not
  declare (X is the first path component: up to the next `/`, blank, quote or shell
  metacharacter; lines whose first non-blank character is `#` are skipped).
- GW325: the relative `inputs/X` (as in the docs' deployment example) where `/inputs/X` was
  meant, for a declared `X`.
- GW326 (info): a `$VAR` in a shell command that neither `env`, `defaults.env`, the script
  itself nor the usual image environment defines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..ast import Job, Value
from ..diagnostics import Edit, Fix
from ..scalarpos import locate
from ..schema import quote_list, suggest
from . import Context

# The literal comes first and the look-behind (not after a word, `.`, `/`, `$` or `-`) after
# it: a pattern that starts with a look-behind cannot use the engine's fast literal search.
_IO_PATH = re.compile(r"/(?<![\w./$})-]/)(inputs|outputs)/([^/\s'\"`;|&()<>]*)")
_REL_PATH = re.compile(r"(?<![\w./$})-])(inputs|outputs)/([A-Za-z0-9_-]+)")
_NAME_OK = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\Z")
# `${X:-d}`, `${X-d}`, `${X:=d}`, `${X+d}`, `${X:?m}` … deal with an unset X themselves: only a
# plain `${X}`, `${X…}` with another operator, or `$X` is looked at (group 1 or 2).
# The name is possessive (`*+`): backtracking must not shorten `${NAME:-x}` to `NAM`.
_VAR = re.compile(r"\$(?<!\$\$)(?:\{([A-Za-z_][A-Za-z0-9_]*+)(?![:]?[-=+?])[^}]*\}|([A-Za-z_][A-Za-z0-9_]*))")
_ASSIGN = re.compile(
    r"(?:^|[\s;&|(`{])(?:export\s+|local\s+|(?:declare|typeset)\s+(?:[-+]\w+\s+)*|readonly\s+)?"
    r"([A-Za-z_][A-Za-z0-9_]*)(?:\[[^\]\n]*\])?\+?="
    r"|\b(?:declare|typeset|local|readonly)\s+(?:[-+]\w+\s+)*([A-Za-z_][A-Za-z0-9_]*(?:[ \t]+[A-Za-z_][A-Za-z0-9_]*)*)"
    r"(?=\s*(?:$|[;&|)]))"
    r"|\bfor\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\b"
    r"|\bread\s+(?:-\w+\s+)*([A-Za-z_][A-Za-z0-9_ ]*)"
    r"|\bexport\s+([A-Za-z_][A-Za-z0-9_]*)\s*(?:$|[;\n])"
    r"|\bprintf\s+-v\s+([A-Za-z_][A-Za-z0-9_]*)"
    r"|\bgetopts\s+(?:\S+)\s+([A-Za-z_][A-Za-z0-9_]*)"
    r"|\bselect\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\b"
    r"|\b(?:mapfile|readarray)\s+(?:-\w+\s+(?:\S+\s+)?)*([A-Za-z_][A-Za-z0-9_]*)"
    r"|\blet\s+([A-Za-z_][A-Za-z0-9_]*)"
    r"|\(\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:[-+*/%]?=|\+\+|--)",
    re.M)
_SHELL_NAMES = ("bash", "sh", "zsh", "ash", "dash")
_SHELL_C = ("-c", "-lc", "-ec", "-xc", "-ceu", "-euc", "-exc", "-xec")

#: Variables an image or the shell defines (not worth an info when read).
WELL_KNOWN = frozenset("""
_ HOME PATH PWD OLDPWD USER LOGNAME HOSTNAME SHELL TERM LANG LC_ALL LC_CTYPE TZ TMPDIR UID EUID
PPID RANDOM SECONDS LINENO IFS OPTARG OPTIND REPLY PIPESTATUS FUNCNAME BASH BASH_VERSION
BASH_SOURCE BASHPID BASH_REMATCH BASH_ARGV BASH_ARGC BASH_LINENO BASH_COMMAND BASH_SUBSHELL
BASHOPTS BASH_VERSINFO EPOCHSECONDS EPOCHREALTIME SRANDOM GROUPS DIRSTACK HISTFILE HOSTTYPE OSTYPE MACHTYPE
SHLVL PS1 PS2 PS4 COLUMNS LINES DEBIAN_FRONTEND
PYTHONPATH PYTHONUNBUFFERED PYTHONHOME VIRTUAL_ENV CONDA_PREFIX CONDA_DEFAULT_ENV
LD_LIBRARY_PATH LIBRARY_PATH CPATH CUDA_HOME CUDA_PATH CUDA_VERSION CUDA_VISIBLE_DEVICES
NVIDIA_VISIBLE_DEVICES NVIDIA_DRIVER_CAPABILITIES NCCL_VERSION CUDNN_VERSION JAVA_HOME
GOPATH GOROOT NODE_PATH NODE_ENV HF_HOME TRANSFORMERS_CACHE TORCH_HOME XDG_CACHE_HOME
XDG_CONFIG_HOME XDG_DATA_HOME SSL_CERT_FILE REQUESTS_CA_BUNDLE HTTP_PROXY HTTPS_PROXY
NO_PROXY http_proxy https_proxy no_proxy
""".split())


def check(ctx: Context) -> None:
    """Run the command lints over every job with readable commands."""
    defaults_env = set(ctx.wf.env)
    for job in ctx.wf.jobs.values():
        commands = list(command_values(job))
        if not commands:
            continue
        io_paths(ctx, job, commands)
        shell = [v for v, is_shell in commands if is_shell]
        if shell:
            variables(ctx, job, shell, defaults_env | set(job.env))


def command_values(job: Job) -> Iterator[tuple[Value, bool]]:
    """The command strings of a job, each with whether a shell interprets it."""
    action = job.action
    if action == "script@v1":
        p = job.params.get("script")
        if p is not None and p.value.is_str:
            yield p.value, True
    elif action == "container@v1":
        p = job.params.get("args")
        if p is None or p.items is None:
            return
        items = [i for i in p.items if i.is_str]
        cmd = job.params.get("command")
        words = ([cmd.value.value] if cmd is not None and cmd.value.is_str else []) + [i.value for i in items]
        shell_at = -1
        for k in range(len(words) - 1):
            if words[k].rsplit("/", 1)[-1] in _SHELL_NAMES and words[k + 1] in _SHELL_C:
                shell_at = k + 2
                break
        offset = 1 if cmd is not None and cmd.value.is_str else 0
        for idx, item in enumerate(items):
            yield item, (idx + offset) == shell_at


def _is_comment_at(text: str, pos: int) -> bool:
    """Whether the line holding `pos` is a comment (first non-blank character `#`)."""
    start = text.rfind("\n", 0, pos) + 1
    return text[start:pos + 1].lstrip().startswith("#")


def io_paths(ctx: Context, job: Job, commands: list[tuple[Value, bool]]) -> None:
    """GW323, GW324, GW325."""
    # Inputs and outputs that are written but did not build are reported there already.
    declared = {"inputs": set(job.inputs) | job.broken_inputs, "outputs": set(job.outputs) | job.broken_outputs}
    reported: set[tuple[str, str]] = set()
    for value, _ in commands:
        text = value.value
        if "puts/" not in text:
            continue
        # One C-level pass collects the (where, name) pairs; only when some are undeclared is
        # the text walked once more to find where each first appears outside a comment.
        bad = {(w, n) for w, n in set(_IO_PATH.findall(text)) - reported
               if n and n not in declared[w] and (_NAME_OK.match(n) or not any(c in n for c in "$*?{[~"))}
        if bad:
            for m in _IO_PATH.finditer(text):
                key = m.group(1, 2)
                if key not in bad or key in reported or _is_comment_at(text, m.start()):
                    continue
                reported.add(key)
                _undeclared(ctx, job, value, key[0], key[1], m.start(2), sorted(declared[key[0]]))
        # A relative `inputs/X` exists only if not every `inputs/` is part of `/inputs/`.
        if text.count("inputs/") > text.count("/inputs/") or text.count("outputs/") > text.count("/outputs/"):
            for where, name in set(_REL_PATH.findall(text)):
                if name not in declared[where]:
                    continue
                for m in _REL_PATH.finditer(text):
                    if m.group(1, 2) != (where, name) or _is_comment_at(text, m.start()):
                        continue
                    span = locate(ctx.source, value.node, m.start(1), len(where) + 1 + len(name))
                    ctx.sink.report("GW325", span,
                                    f"`{where}/{name}` is relative; the {where[:-1]} is at `/{where}/{name}`",
                                    notes=("a relative path depends on the image's working directory",),
                                    fix=Fix(f"write /{where}/{name}", (Edit(span, f"/{where}/{name}"),)))


def _undeclared(ctx: Context, job: Job, value: Value, where: str, name: str, offset: int, names: list[str]) -> None:
    """GW323/GW324 for one path."""
    span = locate(ctx.source, value.node, offset, len(name))
    close = suggest(name, names)
    code = "GW323" if where == "inputs" else "GW324"
    verb = "reads" if where == "inputs" else "writes"
    msg = f"the command {verb} `/{where}/{name}`, but job \"{job.name.text}\" declares no {where[:-1]} \"{name}\""
    notes = [f"declared {where}: {quote_list(names)}" if names else f"the job declares no {where}"]
    fix = None
    if close:
        msg += f"; did you mean \"{close}\"?"
        fix = Fix(f"replace with {close}", (Edit(span, close),))
    elif where == "inputs":
        notes.append("only declared inputs are mounted under `/inputs`")
    else:
        notes.append("only declared outputs are kept; anything else written under `/outputs` is lost")
    ctx.sink.report(code, span, msg, notes=notes, fix=fix)


def variables(ctx: Context, job: Job, commands: list[Value], env: set[str]) -> None:
    """GW326 (info): `$VAR` that nothing defines."""
    known = env | WELL_KNOWN
    candidates = []
    for v in commands:
        text = v.value
        if "$" not in text:
            continue
        for m in _VAR.finditer(text):
            name = m.group(1) or m.group(2)
            if m.start() > 0 and text[m.start() - 1] == "\\":
                continue  # `\$X` is not expanded
            if name not in known and text[m.start():m.start() + 3] != "${{":
                candidates.append((v, m, name))
    if not candidates:
        return
    defined: set[str] = set()
    for v in commands:
        for m in _ASSIGN.finditer(v.value):
            for g in m.groups():
                if g:
                    defined.update(g.split())
    reported: set[str] = set()
    heredocs: dict[int, list[tuple[int, int]]] = {}
    for v, m, name in candidates:
        if name in defined or name in reported:
            continue
        text = v.value
        at = m.start()
        if id(v) not in heredocs:
            heredocs[id(v)] = _quoted_heredoc_ranges(text)
        if _is_comment_at(text, at) or any(a <= at < b for a, b in heredocs[id(v)]):
            continue
        line_start = text.rfind("\n", 0, at) + 1
        if _in_single_quotes(text[line_start:at], at - line_start):
            continue
        reported.add(name)
        span = locate(ctx.source, v.node, at, m.end() - m.start())
        ctx.sink.report("GW326", span,
                        f"`${name}` is not set by the job's `env`, `defaults.env` or the command itself",
                        notes=(f"add `{name}: …` under `env:` (or `{name}: secret:NAME` for a secret)",))


def _in_single_quotes(line: str, pos: int) -> bool:
    """Whether `pos` lies inside '…' on this line (no expansion there)."""
    inside = False
    dq = False
    for i, ch in enumerate(line[:pos]):
        if ch == "'" and not dq:
            inside = not inside
        elif ch == '"' and not inside and (i == 0 or line[i - 1] != "\\"):
            dq = not dq
    return inside


def _quoted_heredoc_ranges(text: str) -> list[tuple[int, int]]:
    """Offsets of the bodies of `<<'EOF'` heredocs (no expansion inside)."""
    out = []
    for m in re.finditer(r"<<-?\s*(['\"])(\w+)\1", text):
        end_word = m.group(2)
        start = text.find("\n", m.end())
        if start < 0:
            continue
        end = re.search(rf"^\s*{re.escape(end_word)}\s*$", text[start + 1:], re.M)
        out.append((start, start + 1 + (end.start() if end else len(text))))
    return out
