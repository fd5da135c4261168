"""Citizen satisfaction surveys: questionnaire definitions, the public form, paper entry and QR codes."""
