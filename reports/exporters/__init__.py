"""Exporters: data in, bytes out (XLSX, DOCX, CSV, ZIP, PNG). They import neither Flask nor the database."""
