"""gwfc front end: source → diagnostics-carrying tree → AST → IR."""
