"""Dashboards: the commune's, the city's and the public transparency page."""
