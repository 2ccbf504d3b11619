"""The gwfc language server (`gwfc lsp`, GitHub issue #7).

    positions.py    gwfc spans (1-based, code points) ↔ LSP positions (0-based, UTF-16 units)
    documents.py    the open documents, kept in step with the editor by LSP's line rules
    outline.py      a tolerant reading of YAML by indentation, for files that do not parse
    flow.py         a tolerant reading of one-line flow collections (`{a: [b, c]}`)
    cursor.py       what is at a position: the path of keys and the scalar under it
    symbols.py      jobs, outputs and inputs with where they are defined
    schemainfo.py   keys, descriptions and values from the schema and the action catalogue
    analysis.py     one check of a document (`pipeline.check_bytes`), and the features' view
    diagnostics.py  gwfc diagnostics and fixes as LSP objects
    navigation.py   hover and go-to-definition
    completion.py   completion
    codeactions.py  quick fixes from a diagnostic's `fix`
    server.py       the pygls server: document sync, checks after a quiet period in a worker
                    thread, configuration files, features
    cli.py          the `gwfc lsp` command

pygls and lsprotocol are imported only inside this package, and `cli.py` imports the server
when the command runs, so the rest of gwfc works without them (`pip install 'gwfc[lsp]'`).
"""
