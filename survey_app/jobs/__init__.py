"""Background jobs: progress pages and result downloads."""
