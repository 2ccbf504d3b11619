"""Benchmark (not a test): time from `didChange` to `publishDiagnostics` on a large workflow.

    python3 /work/shared/bench/gen_workloads.py 1000 /tmp/w1000
    .venv/bin/python tests/lsp/bench_lsp.py /tmp/w1000/gradient.yaml --runs 15

Starts the server (`gwfc lsp` with this interpreter, its log in a temporary file), opens the
file, then measures, in milliseconds (median, minimum, maximum):

- single edit: one one-character change (incremental, as editors send; `--full` sends the
  whole text), then the wait for the diagnostics of that version; `--runs` times;
- burst: `--burst` one-character insertions sent back to back (a paste, an undo of many
  steps, a fast typist's buffer), then the time from the last one to the diagnostics of the
  last version, how many checks the server ran for the burst (from its log), and how long a
  hover sent right after the burst waited; `--burst-runs` times;
- typing: `--keys` keystrokes `--interval` ms apart, then the time from the last one to the
  diagnostics of the last version;

and the time of the check alone (`check_bytes`, in this process) for comparison; `--profile
FILE` writes a cProfile of those checks (read it with `python -m pstats FILE`).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types as T
from pygls.lsp.client import LanguageClient

SERVER = [sys.executable, "-c", "import sys; from gwfc.compiler.cli import main; sys.argv[0] = 'gwfc'; main()", "lsp"]


class Bench:
    def __init__(self, path: Path, log: Path) -> None:
        self.path = path
        self.log = log
        self.text = path.read_text(encoding="utf-8")
        self.uri = path.resolve().as_uri()
        self.client = LanguageClient("gwfc-bench", "1")
        self.waiting: dict[int, asyncio.Future[float]] = {}
        self.version = 1

        @self.client.feature(T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def published(params: T.PublishDiagnosticsParams) -> None:
            fut = self.waiting.pop(params.version or 0, None)
            if fut is not None and not fut.done():
                fut.set_result(time.perf_counter())

    def expect(self, version: int) -> asyncio.Future[float]:
        fut: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[version] = fut
        return fut

    def checks(self) -> int:
        """Checks the server has run so far (its log has a line for each)."""
        return sum(1 for line in self.log.read_text(encoding="utf-8").splitlines() if " checked " in line)

    def change(self, line: int, start: int, end: int, text: str) -> None:
        self.version += 1
        change = T.TextDocumentContentChangePartial(range=T.Range(T.Position(line, start), T.Position(line, end)),
                                                    text=text)
        self.client.text_document_did_change(T.DidChangeTextDocumentParams(
            T.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version), [change]))

    async def start(self) -> None:
        await self.client.start_io(*SERVER, "--log-file", str(self.log), "--verbose")
        await self.client.initialize_async(T.InitializeParams(capabilities=T.ClientCapabilities()))
        self.client.initialized(T.InitializedParams())
        fut = self.expect(1)
        self.client.text_document_did_open(T.DidOpenTextDocumentParams(T.TextDocumentItem(self.uri, "yaml", 1,
                                                                                          self.text)))
        await asyncio.wait_for(fut, 60)

    async def stop(self) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()

    async def single(self, runs: int, full: bool) -> list[float]:
        """One-character edits of the first `image:` value, each waited for."""
        lines = self.text.split("\n")
        line = next(i for i, s in enumerate(lines) if "image:" in s)
        col = len(lines[line])
        times = []
        for run in range(runs):
            ch = "x" if run % 2 == 0 else "y"
            fut = self.expect(self.version + 1)
            start = time.perf_counter()
            if full:
                lines[line] = lines[line][:col - 1] + ch
                self.version += 1
                self.client.text_document_did_change(T.DidChangeTextDocumentParams(
                    T.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
                    [T.TextDocumentContentChangeWholeDocument(text="\n".join(lines))]))
            else:
                self.change(line, col - 1, col, ch)
            end = await asyncio.wait_for(fut, 60)
            times.append((end - start) * 1000)
            await asyncio.sleep(0.05)
        return times

    def _script_line(self) -> tuple[int, int]:
        """A place in the middle of the file: after `echo step 700` (as the QA reproducer)."""
        at = self.text.find("echo step 700 ")
        at = at + 5 if at >= 0 else len(self.text) // 2
        line = self.text.count("\n", 0, at)
        return line, at - (self.text.rfind("\n", 0, at) + 1)

    async def burst(self, runs: int, size: int) -> tuple[list[float], list[int], list[float]]:
        """`size` insertions sent back to back, then a hover; per run: ms from the last edit to
        the final diagnostics, checks run, ms the hover waited."""
        line, col = self._script_line()
        latencies, checks, hovers = [], [], []
        for _ in range(runs):
            await asyncio.sleep(0.3)
            before = self.checks()
            fut = self.expect(self.version + size)
            for i in range(size):
                self.change(line, col + i, col + i, "y")
            sent = time.perf_counter()
            h = await self.client.text_document_hover_async(T.HoverParams(
                T.TextDocumentIdentifier(self.uri), T.Position(5, 4)))
            hovered = time.perf_counter()
            assert h is not None
            end = await asyncio.wait_for(fut, 60)
            latencies.append((end - sent) * 1000)
            hovers.append((hovered - sent) * 1000)
            await asyncio.sleep(0.3)
            checks.append(self.checks() - before)
            col += size
        return latencies, checks, hovers

    async def typing(self, runs: int, keys: int, interval: float) -> list[float]:
        """`keys` insertions `interval` seconds apart; ms from the last to the final diagnostics."""
        line, col = self._script_line()
        col += 1  # away from the burst's insertions
        out = []
        for _ in range(runs):
            await asyncio.sleep(0.3)
            fut = self.expect(self.version + keys)
            for i in range(keys):
                if i:
                    await asyncio.sleep(interval)
                self.change(line, col + i, col + i, "z")
            sent = time.perf_counter()
            end = await asyncio.wait_for(fut, 60)
            out.append((end - sent) * 1000)
            col += keys
        return out


def check_only(path: Path, runs: int, profile: str | None) -> list[float]:
    from gwfc.compiler.pipeline import Options, check_bytes

    data = path.read_bytes()
    check_bytes(data, str(path), Options())
    out = []
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile()
    for _ in range(runs):
        start = time.perf_counter()
        if prof is not None:
            prof.enable()
        check_bytes(data, str(path), Options())
        if prof is not None:
            prof.disable()
        out.append((time.perf_counter() - start) * 1000)
    if prof is not None and profile:
        prof.dump_stats(profile)
    return out


def figures(values: list[float]) -> str:
    return f"median {statistics.median(values):.0f} ms (min {min(values):.0f}, max {max(values):.0f})"


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(args.file, Path(tmp) / "server.log")
        await bench.start()
        single = await bench.single(args.runs, args.full)
        burst = await bench.burst(args.burst_runs, args.burst) if args.burst_runs else None
        typed = await bench.typing(args.burst_runs, args.keys, args.interval / 1000) if args.burst_runs else None
        await bench.stop()
    checks = check_only(args.file, max(args.runs // 2, 3), args.profile)
    sync = "full" if args.full else "incremental"
    print(f"{args.file}: {len(args.file.read_text().splitlines())} lines, {sync} sync")
    print(f"single edit, didChange → publishDiagnostics ({args.runs} runs): {figures(single)}")
    if burst is not None:
        latencies, counts, hovers = burst
        print(f"burst of {args.burst} edits, last edit → final diagnostics ({args.burst_runs} runs): "
              f"{figures(latencies)}; checks per burst: {sorted(counts)}; hover after the burst: {figures(hovers)}")
    if typed is not None:
        print(f"typing, {args.keys} keys {args.interval:g} ms apart, last key → final diagnostics "
              f"({args.burst_runs} runs): {figures(typed)}")
    print(f"check_bytes alone: {figures(checks)}" + (" under cProfile" if args.profile else ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", type=Path, nargs="?", default=Path("/tmp/w1000/gradient.yaml"))
    ap.add_argument("--runs", type=int, default=15, help="single edits")
    ap.add_argument("--full", action="store_true", help="send the whole text on each single edit")
    ap.add_argument("--burst", type=int, default=50, help="edits in a burst")
    ap.add_argument("--burst-runs", type=int, default=7, help="bursts (and typing runs); 0: none")
    ap.add_argument("--keys", type=int, default=20, help="keystrokes in a typing run")
    ap.add_argument("--interval", type=float, default=30, help="ms between keystrokes")
    ap.add_argument("--profile", help="write a cProfile of check_bytes to this file")
    args = ap.parse_args()
    if not args.file.is_file():
        sys.exit(f"{args.file}: no such file; generate it with "
                 "`python3 /work/shared/bench/gen_workloads.py 1000 /tmp/w1000`")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
