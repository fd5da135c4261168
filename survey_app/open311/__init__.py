"""Open311 GeoReport v2 for apps: services (the categories), and requests (cases) to file and follow."""
