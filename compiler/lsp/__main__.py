"""`python -m gwfc.compiler.lsp`: the language server over stdio (as `gwfc lsp`)."""

from .server import serve

if __name__ == "__main__":
    serve()
