"""Fonts for generated PDFs and images: DejaVu Sans (free licence, shipped in the project) has every Vietnamese
glyph, so nothing depends on what the server has installed."""

from __future__ import annotations

from pathlib import Path

FONT_DIR = Path(__file__).resolve().parents[2] / "survey_app" / "static" / "fonts"
REGULAR = FONT_DIR / "DejaVuSans.ttf"
BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"


def register_pdf_fonts() -> tuple[str, str]:
    """Register DejaVu with reportlab once; return the (regular, bold) font names."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "DejaVu" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVu", str(REGULAR)))
        pdfmetrics.registerFont(TTFont("DejaVu-Bold", str(BOLD)))
    return "DejaVu", "DejaVu-Bold"
