"""Domain operations. They flush but never commit: the request or the CLI command owns the transaction."""
