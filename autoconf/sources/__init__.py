"""Sources: thin async adapters, one module per source: request → I/O → pure parser."""
