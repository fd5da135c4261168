"""Staff pages that manage a commune's set-up: centres, counters, officers, departments, users."""
