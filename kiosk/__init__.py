"""Tablet kiosks in the service centres (pairing, one-tap rating, offline queue)."""
