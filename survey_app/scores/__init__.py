"""Staff pages for the self-assessment score (the computation is in reports.scoring)."""
