"""`gwfc lsp`: the language server over stdio (registered by `gwfc.compiler.cli`)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    """Add the `lsp` command to the gwfc command line."""

    @app.command()
    def lsp(
        stdio: bool = typer.Option(False, "--stdio", help="Accepted for clients that pass it: stdio is the "
                                   "only transport."),
        log_file: Optional[Path] = typer.Option(None, "--log-file", help="Write the server's log to this file."),
        verbose: bool = typer.Option(False, "--verbose", "-v", help="Log every check (with --log-file)."),
        files: list[str] = typer.Option([], "--files", help="Serve only files whose path matches this pattern "
                                        "(fnmatch, e.g. '*/.gradient/workflows/*.y*ml'). Repeatable. Default: all."),
    ) -> None:
        """Start the gwfc language server (diagnostics, hover, definition, completion, quick fixes)."""
        try:
            from .server import serve
        except ModuleNotFoundError as exc:  # pygls is an optional dependency
            typer.echo(f"gwfc lsp needs pygls ({exc.name} is missing): pip install 'gwfc[lsp]'", err=True)
            raise typer.Exit(2) from exc
        if log_file is not None:
            logging.basicConfig(filename=str(log_file), level=logging.INFO if verbose else logging.WARNING,
                                format="%(asctime)s %(name)s %(levelname)s %(message)s")
        serve(tuple(files))
