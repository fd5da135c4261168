"""Pure functions over counts: survey indices, confidence intervals, bands."""
