"""Benchmark (not a test): time from `didChange` to `publishDiagnostics` on a large workflow.

    python3 /work/shared/bench/gen_workloads.py 1000 /tmp/w1000
    .venv/bin/python tests/lsp/bench_lsp.py /tmp/w1000/gradient.yaml --runs 15

Starts the server (`python -m gwfc.compiler.lsp` with this interpreter: the same server as
`gwfc lsp`), opens the file, then edits one character (an incremental change, as editors send;
`--full` sends the whole text) and waits for the diagnostics of that version, `--runs` times.
Prints the median, the minimum and the maximum in milliseconds, and the time of the check alone
(`check_bytes`, in this process) for comparison; `--profile FILE` writes a cProfile of those
checks (read it with `python -m pstats FILE`).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types as T
from pygls.lsp.client import LanguageClient

SERVER = [sys.executable, "-m", "gwfc.compiler.lsp"]


async def bench(path: Path, runs: int, full: bool) -> list[float]:
    text = path.read_text(encoding="utf-8")
    uri = path.resolve().as_uri()
    client = LanguageClient("gwfc-bench", "1")
    waiting: dict[int, asyncio.Future[float]] = {}

    @client.feature(T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: T.PublishDiagnosticsParams) -> None:
        fut = waiting.pop(params.version or 0, None)
        if fut is not None and not fut.done():
            fut.set_result(time.perf_counter())

    await client.start_io(*SERVER)
    await client.initialize_async(T.InitializeParams(capabilities=T.ClientCapabilities()))
    client.initialized(T.InitializedParams())
    loop = asyncio.get_running_loop()
    waiting[1] = loop.create_future()
    client.text_document_did_open(T.DidOpenTextDocumentParams(T.TextDocumentItem(uri, "yaml", 1, text)))
    await asyncio.wait_for(waiting[1], 60)
    # The line to edit: the first `image:` value; its last character toggles between two letters.
    lines = text.split("\n")
    line = next(i for i, s in enumerate(lines) if "image:" in s)
    col = len(lines[line])
    times = []
    for run in range(runs):
        version = run + 2
        ch = "x" if run % 2 == 0 else "y"
        fut = loop.create_future()
        waiting[version] = fut
        if full:
            lines[line] = lines[line][:col - 1] + ch
            change: T.TextDocumentContentChangeEvent = T.TextDocumentContentChangeWholeDocument(text="\n".join(lines))
        else:
            change = T.TextDocumentContentChangePartial(
                range=T.Range(T.Position(line, col - 1), T.Position(line, col)), text=ch)
        start = time.perf_counter()
        client.text_document_did_change(T.DidChangeTextDocumentParams(
            T.VersionedTextDocumentIdentifier(uri=uri, version=version), [change]))
        end = await asyncio.wait_for(fut, 60)
        times.append((end - start) * 1000)
        await asyncio.sleep(0.05)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return times


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", type=Path, nargs="?", default=Path("/tmp/w1000/gradient.yaml"))
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--full", action="store_true", help="send the whole text on each change")
    ap.add_argument("--profile", help="write a cProfile of check_bytes to this file")
    args = ap.parse_args()
    if not args.file.is_file():
        sys.exit(f"{args.file}: no such file; generate it with "
                 "`python3 /work/shared/bench/gen_workloads.py 1000 /tmp/w1000`")
    times = asyncio.run(bench(args.file, args.runs, args.full))
    checks = check_only(args.file, max(args.runs // 2, 3), args.profile)
    sync = "full" if args.full else "incremental"
    print(f"{args.file}: {len(args.file.read_text().splitlines())} lines, {sync} sync, {args.runs} runs")
    print(f"didChange → publishDiagnostics: median {statistics.median(times):.0f} ms "
          f"(min {min(times):.0f}, max {max(times):.0f})")
    print(f"check_bytes alone:             median {statistics.median(checks):.0f} ms "
          f"(min {min(checks):.0f}, max {max(checks):.0f})" + (" under cProfile" if args.profile else ""))


if __name__ == "__main__":
    main()
