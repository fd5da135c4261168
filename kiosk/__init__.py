"""Tablet kiosks in the service centres: pairing, the one-tap rating screen, the offline queue.

The tablet page and its service worker live here; the kiosk API stores ratings through
``survey_app.services.kiosks``, so a kiosk rating is an ordinary survey response.
"""
