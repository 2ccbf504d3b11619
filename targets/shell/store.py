"""The local dataset and model store (DESIGN.md, Local state), as `gwfc dataset` sees it.

Layout under the state root (`.gwfc/` unless `--state`), the same that run.sh reads and
writes (templates/engine/store.sh):

    datasets/<name>/v1, v2, …        versions, each committed by renaming a finished
                                     temporary directory; `latest` is the highest
    datasets/<name>/.claims/vN       a version number claimed (mkdir is atomic), so two
                                     writers never take the same one
    datasets/<name>/tags/<tag>       a file holding the version the tag names
    models/<name>/vN/model.json      registered models (create-model@v1), files in files/
    runs/<workflow>/<run-id>/…       runs: steps/<job>/{inputs,outputs,log,status,hash}
    runs/<workflow>/workflow, source the workflow's name and file: runs of another
                                     workflow in the same directory are refused

`team/name` nests (`datasets/team/name/v1`).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_VERSION = re.compile(r"v(\d+)")


class StoreError(Exception):
    """A dataset operation that cannot be done (a user error, with the message to show)."""


class SourceError(StoreError):
    """A directory that `dataset add` refuses (it holds the store, or files that are no data):
    a usage error."""


#: What a directory entry that is not a regular file, a directory or a symbolic link is.
_SPECIAL = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
            (stat.S_ISBLK, "a block device"))
ONLY = "only regular files, directories and symbolic links can be added"


def _special(mode: int) -> str | None:
    return next((what for test, what in _SPECIAL if test(mode)), None)


def special_files(src: Path, limit: int = 5) -> list[str]:
    """`PATH is a FIFO` (socket, device) for the first `limit` entries under `src` (symbolic
    links not followed) that a dataset cannot hold: reading a FIFO would wait forever, a
    socket or a device is no data."""
    out: list[str] = []
    for top, dirs, files in os.walk(src):
        dirs.sort()
        for entry in sorted(files):
            path = os.path.join(top, entry)
            try:
                what = _special(os.lstat(path).st_mode)
            except OSError:
                continue  # the copy says why it cannot read it
            if what:
                out.append(f"{path} is {what}")
                if len(out) >= limit:
                    return out
    return out


def _copy_file(src: str, dst: str) -> None:
    """copytree's copy of one file: regular files only (checked again here: an entry can
    become a FIFO after `special_files` looked)."""
    mode = os.stat(src).st_mode
    what = _special(mode)
    if what or not stat.S_ISREG(mode):
        raise shutil.Error([(src, dst, f"{src} is {what or 'not a regular file'}: {ONLY}")])
    shutil.copy2(src, dst)


def valid_name(name: str) -> bool:
    """Whether NAME can be a dataset in the store: `/`-separated parts of letters, digits,
    `.`, `_`, `-`, none of them a version (`v3`) or `tags`."""
    parts = name.split("/")
    return all(_PART.fullmatch(p) and not _VERSION.fullmatch(p) and p != "tags" for p in parts)


def name_problem(name: str) -> str | None:
    """Why NAME cannot be a dataset name, or None."""
    if valid_name(name):
        return None
    return (f"\"{name}\" is not a dataset name: use letters, digits, '.', '_', '-' and '/' between parts, "
            "each part starting with a letter or digit (not a version such as v2, nor \"tags\")")


def tag_problem(tag: str) -> str | None:
    """Why TAG cannot be a tag, or None: a tag is a word that does not read as a version
    (`latest`, `v2`, `2`), since `name:v2` and `name:2` mean versions."""
    if not _PART.fullmatch(tag):
        return (f"\"{tag}\" is not a tag: use letters, digits, '.', '_' and '-', starting with a letter "
                "or digit")
    if tag == "latest" or re.fullmatch(r"v?\d+", tag):
        return f"\"{tag}\" is not a tag: it reads as a version (latest, v2, 2); choose a word such as \"best\""
    return None


def split_ref(ref: str) -> tuple[str, str]:
    """`name[:suffix]` → (name, suffix)."""
    name, _, suffix = ref.partition(":")
    return name, suffix


@dataclass(frozen=True, slots=True)
class DatasetInfo:
    """One dataset: its versions (lowest first) and tags (tag → version)."""

    name: str
    versions: tuple[str, ...]
    tags: tuple[tuple[str, str], ...]

    @property
    def latest(self) -> str:
        """The highest version."""
        return self.versions[-1] if self.versions else ""


class Store:
    """The state root: datasets and models."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def datasets(self) -> Path:
        """`<root>/datasets`."""
        return self.root / "datasets"

    def versions(self, name: str) -> list[str]:
        """Committed versions of a dataset, lowest first."""
        return [f"v{n}" for n in self._numbers(self.datasets / name, claims=False)]

    @staticmethod
    def _numbers(d: Path, claims: bool) -> list[int]:
        found: set[int] = set()
        for base in ([d, d / ".claims"] if claims else [d]):
            if not base.is_dir():
                continue
            for p in base.iterdir():
                m = _VERSION.fullmatch(p.name)
                if m and p.is_dir():
                    found.add(int(m.group(1)))
        return sorted(found)

    def resolve(self, ref: str) -> Path:
        """The directory of a dataset reference (`name`, `name:latest`, `name:vN`, `name:N`,
        `name:TAG`); StoreError naming the command that fixes it."""
        name, suffix = split_ref(ref)
        if not valid_name(name):
            raise StoreError(f"\"{ref}\" is not a dataset reference this store can hold")
        have = self.versions(name)
        if not have:
            raise StoreError(f"dataset \"{name}\" is not in the store ({self.datasets}): "
                             f"add it with: gwfc dataset add {name} DIR")
        if suffix and not _PART.fullmatch(suffix):
            raise StoreError(f"\"{ref}\": \"{suffix}\" is not a version or tag")
        d = self.datasets / name
        version = ""
        if suffix in ("", "latest"):
            version = have[-1]
        elif re.fullmatch(r"v?\d+", suffix) and (d / f"v{suffix.lstrip('v')}").is_dir():
            version = f"v{suffix.lstrip('v')}"
        elif (d / "tags" / suffix).is_file():
            version = (d / "tags" / suffix).read_text(encoding="utf-8").strip()
        if not _VERSION.fullmatch(version) or not (d / version).is_dir():
            raise StoreError(f"dataset \"{name}\" has no version or tag \"{suffix}\" "
                             f"(versions: {' '.join(have)})")
        return d / version

    def add(self, name: str, src: Path, tag: str | None = None) -> str:
        """Copy directory `src` in as the next version of `name` (created on its first
        version); tag it when asked. Returns the version (`v1`, …)."""
        problem = name_problem(name) or (tag_problem(tag) if tag is not None else None)
        if problem:
            raise StoreError(problem)
        src = Path(src)
        if not src.is_dir():
            raise StoreError(f"{src} is not a directory")
        root = self.datasets / name
        try:
            inside = root.resolve().is_relative_to(src.resolve())
        except OSError:
            inside = False
        if inside:
            raise SourceError(f"{src} holds the dataset store ({self.root}): it cannot be copied into itself")
        special = special_files(src)
        if special:
            raise SourceError("; ".join(special) + f": {ONLY}")
        try:
            (root / ".claims").mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".tmp.add.", dir=root))
        except OSError as exc:
            raise StoreError(f"cannot write to the store {self.datasets}: {exc.strerror or exc}") from None
        try:
            try:
                shutil.copytree(src, tmp / "d", symlinks=True, copy_function=_copy_file)
            except shutil.Error as exc:
                problems = [why if why.startswith(a) else f"{a}: {why}" for a, _, why in exc.args[0]][:5]
                raise StoreError(f"cannot copy {src}: " + "; ".join(problems)) from None
            except OSError as exc:
                raise StoreError(f"cannot copy {src}: {exc.filename or ''}: {exc.strerror or exc}") from None
            while True:
                n = max(self._numbers(root, claims=True), default=0) + 1
                try:
                    (root / ".claims" / f"v{n}").mkdir()
                except FileExistsError:
                    continue
                break
            os.rename(tmp / "d", root / f"v{n}")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        version = f"v{n}"
        if tag is not None:
            self.tag(name, tag, version)
        return version

    def tag(self, name: str, tag: str, version: str) -> None:
        """Point `tag` at `version` (atomically)."""
        tags = self.datasets / name / "tags"
        tags.mkdir(parents=True, exist_ok=True)
        tmp = tags / f".{tag}.tmp.{os.getpid()}"
        tmp.write_text(version, encoding="utf-8")
        os.replace(tmp, tags / tag)

    def entries(self) -> list[DatasetInfo]:
        """Every dataset with at least one version, sorted by name."""
        out: list[DatasetInfo] = []
        if not self.datasets.is_dir():
            return out
        for d in sorted(self.datasets.rglob("*")):
            if not d.is_dir() or any(p.startswith(".") for p in d.relative_to(self.datasets).parts):
                continue
            name = d.relative_to(self.datasets).as_posix()
            if not valid_name(name):
                continue
            versions = self.versions(name)
            if not versions:
                continue
            tags = []
            if (d / "tags").is_dir():
                for t in sorted((d / "tags").iterdir()):
                    if t.is_file() and not t.name.startswith("."):
                        tags.append((t.name, t.read_text(encoding="utf-8").strip()))
            out.append(DatasetInfo(name, tuple(versions), tuple(tags)))
        return out

    def models(self, name: str) -> list[Path]:
        """The version directories of a registered model, lowest first."""
        dirname = re.sub(r"[^A-Za-z0-9._-]", "_", name)
        if dirname.startswith("."):
            dirname = "_" + dirname[1:]
        d = self.root / "models" / dirname
        return [d / f"v{n}" for n in self._numbers(d, claims=False)]
