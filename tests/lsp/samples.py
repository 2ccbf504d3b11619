"""Workflow texts the LSP tests share, and a helper to find positions in them."""

from __future__ import annotations

from lsprotocol import types as lsp

# Line 7 (0-based 6) has non-ASCII text, an astral emoji included, before the error `bogus`.
BROKEN_REFS = """\
defaults:
  resources:
    instance-type: C5
jobs:
  prep:
    uses: container@v1
    with: {image: "é中😀", bogus: x}
    outputs:
      data:
        type: volume
  train:
    uses: script@v1
    with:
      image: python:3.11
      script: echo hi
    inputs:
      data: prep.outputs.dta
    outputs:
      model:
        type: dataset
        with:
          ref: my-model
"""

VALID = """\
defaults:
  resources:
    instance-type: C5
inputs:
  corpus:
    type: dataset
    with:
      ref: corpus:latest
jobs:
  prep:
    uses: container@v1
    with:
      image: bash:5
      args: ["sh", "-c", "cp -r /inputs/raw /outputs/data"]
    inputs:
      raw: workflow.inputs.corpus
    outputs:
      data:
        type: volume
  train:
    uses: script@v1
    needs: [prep]
    with:
      image: python:3.11
      script: ls /inputs/data > /outputs/model/files
    inputs:
      data: prep.outputs.data
    outputs:
      model:
        type: dataset
        with:
          ref: my-model
"""


def pos(text: str, needle: str, delta: int = 0, occurrence: int = 0) -> lsp.Position:
    """The LSP position (UTF-16) of `needle` (its n-th occurrence) in `text`, plus `delta`
    code points."""
    at = -1
    for _ in range(occurrence + 1):
        at = text.index(needle, at + 1)
    at += delta
    line = text.count("\n", 0, at)
    start = text.rfind("\n", 0, at) + 1
    return lsp.Position(line, len(text[start:at].encode("utf-16-le")) // 2)
