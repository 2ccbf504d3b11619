"""A raw JSON-RPC client for `gwfc lsp` (Content-Length framing over stdio), for the tests
that need what a library client hides: malformed requests, requests after `shutdown`, the
exit code, the server's own requests (`client/registerCapability`), exact timing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SERVER = [sys.executable, "-c", "import sys; from gwfc.compiler.cli import main; sys.argv[0] = 'gwfc'; main()", "lsp"]

Message = dict[str, Any]


class RawClient:
    """One server process; every message it sends is kept in `messages`, in order."""

    def __init__(self, *args: str, cwd: Path | None = None) -> None:
        self.proc = subprocess.Popen([*SERVER, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, cwd=cwd)
        self.messages: list[Message] = []
        self.requests_answered: list[Message] = []
        self._cv = threading.Condition()
        self._next_id = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            headers: dict[str, str] = {}
            while True:
                line = out.readline()
                if not line:
                    with self._cv:
                        self._cv.notify_all()
                    return
                text = line.decode("ascii").strip()
                if not text:
                    break
                name, _, value = text.partition(":")
                headers[name.lower()] = value.strip()
            body = out.read(int(headers["content-length"]))
            msg = json.loads(body)
            msg["_t"] = time.monotonic()
            with self._cv:
                self.messages.append(msg)
                self._cv.notify_all()
            if "id" in msg and "method" in msg:  # a request of the server: accept it
                self.requests_answered.append(msg)
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": None})

    def send(self, obj: Message) -> None:
        data = json.dumps(obj).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
        self.proc.stdin.flush()

    def notify(self, method: str, params: Any = None) -> None:
        msg: Message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def request_async(self, method: str, params: Any = None) -> int:
        self._next_id += 1
        msg: Message = {"jsonrpc": "2.0", "id": self._next_id, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return self._next_id

    def wait(self, pred: Callable[[Message], bool], timeout: float = 10, start: int = 0) -> Message | None:
        end = time.monotonic() + timeout
        with self._cv:
            while True:
                for m in self.messages[start:]:
                    if pred(m):
                        return m
                left = end - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._reader.is_alive()):
                    return None
                self._cv.wait(left)

    def response(self, msg_id: int, timeout: float = 10) -> Message | None:
        return self.wait(lambda m: m.get("id") == msg_id and "method" not in m, timeout)

    def request(self, method: str, params: Any = None, timeout: float = 10) -> Message:
        r = self.response(self.request_async(method, params), timeout)
        assert r is not None, f"no response to {method}"
        return r

    def initialize(self, capabilities: Message | None = None, options: Any = None) -> Message:
        caps = capabilities if capabilities is not None else {
            "workspace": {"workspaceEdit": {"documentChanges": True}},
            "textDocument": {"publishDiagnostics": {"versionSupport": True}}}
        params: Message = {"processId": os.getpid(), "rootUri": None, "capabilities": caps}
        if options is not None:
            params["initializationOptions"] = options
        r = self.request("initialize", params)
        self.notify("initialized", {})
        return r

    def mark(self) -> int:
        """The number of messages so far (wait for the ones after it)."""
        with self._cv:
            return len(self.messages)

    def diagnostics(self, uri: str, version: int | None = None, timeout: float = 10,
                    start: int = 0) -> list[Message] | None:
        def ok(m: Message) -> bool:
            return (m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
                    and (version is None or m["params"].get("version") == version))
        m = self.wait(ok, timeout, start)
        return None if m is None else list(m["params"]["diagnostics"])

    def open(self, uri: str, text: str, version: int = 1) -> list[Message]:
        start = self.mark()
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": version,
                                                              "text": text}})
        diags = self.diagnostics(uri, version, start=start)
        assert diags is not None, f"no diagnostics for {uri}"
        return diags

    def change(self, uri: str, version: int, changes: list[Message], wait: bool = True) -> list[Message] | None:
        start = self.mark()
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                               "contentChanges": changes})
        return self.diagnostics(uri, version, start=start) if wait else None

    def close_doc(self, uri: str) -> None:
        self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})

    def at(self, method: str, uri: str, line: int, character: int, **extra: Any) -> Any:
        r = self.request(method, {"textDocument": {"uri": uri}, "position": {"line": line, "character": character},
                                  **extra})
        return r.get("result")

    def stop(self) -> int:
        """shutdown, exit; the exit code."""
        if self.proc.poll() is None:
            try:
                self.request("shutdown", None, timeout=5)
                self.notify("exit")
                self.proc.wait(5)
            except (AssertionError, OSError, subprocess.TimeoutExpired):
                pass
        if self.proc.poll() is None:
            self.proc.kill()
        return self.proc.wait()


def codes(diags: list[Message] | None) -> list[str]:
    assert diags is not None
    return [d["code"] for d in diags]


def position(text: str, needle: str, delta: int = 0) -> tuple[int, int]:
    """(line, UTF-16 character) of `needle` in `text`, plus `delta` code points."""
    at = text.index(needle) + delta
    line = text.count("\n", 0, at)
    start = text.rfind("\n", 0, at) + 1
    return line, len(text[start:at].encode("utf-16-le")) // 2


def apply_edits(text: str, edits: list[Message]) -> str:
    """Apply LSP text edits (UTF-16 positions, lines split at LF) to a text."""
    def offset(p: Message) -> int:
        lines = text.split("\n")
        base = sum(len(x) + 1 for x in lines[:p["line"]])
        line = lines[p["line"]] if p["line"] < len(lines) else ""
        used = i = 0
        while i < len(line) and used < p["character"]:
            used += len(line[i].encode("utf-16-le")) // 2
            i += 1
        return base + i
    for e in sorted(edits, key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]),
                    reverse=True):
        a, b = offset(e["range"]["start"]), offset(e["range"]["end"])
        text = text[:a] + e["newText"] + text[b:]
    return text
