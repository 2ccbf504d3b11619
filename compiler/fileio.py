"""Atomic file writes: a temporary file beside the target and a rename, so a failure never
leaves a partially written file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write(path: Path, text: str, mode: int = 0o644) -> None:
    """Write `text` to `path` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_output(path: Path, text: str) -> None:
    """Write a command's output file (`gwfc ir -o`): atomically for a regular file or a new
    one; straight into anything else that exists and is not a directory (`/dev/null`, a pipe,
    `/dev/stdout`), which a rename would replace."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(21, "is a directory; -o takes a file")
    if path.exists() and not path.is_file():
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        return
    atomic_write(path, text)
