"""Indices, scores and exports. ``reports.metrics`` and ``reports.exporters`` import neither Flask nor the DB."""
