"""Dossier statistics from the one-stop system: import page, late dossiers and their apology letters."""
