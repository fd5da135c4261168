"""Printable PDFs: the A4 poster, the A6 counter card, a centre's sheet of cards, the blank questionnaire.

Fonts: DejaVu Sans (shipped in static/fonts, free licence) so every Vietnamese diacritic prints.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from reports.exporters.fonts import register_pdf_fonts

from .definition import Definition
from .qrcodes import qr_image

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
BRAND = (0.70, 0.15, 0.12)


def _fonts() -> None:
    register_pdf_fonts()


@dataclass(frozen=True)
class PosterItem:
    """What one poster or card says: where the QR leads and which centre/counter it belongs to."""

    unit_name: str
    centre_name: str
    url: str
    counter_label: str | None = None


def _wrap(canvas: Canvas, text: str, font: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if canvas.stringWidth(candidate, font, size) <= width:
                line = candidate
            else:
                if line:
                    lines.append(line)
                line = word
        lines.append(line)
    return lines


def _centred(canvas: Canvas, text: str, font: str, size: float, x: float, y: float, width: float) -> float:
    """Draw wrapped, centred text from baseline y downwards; return the next baseline."""
    canvas.setFont(font, size)
    for line in _wrap(canvas, text, font, size, width):
        canvas.drawCentredString(x, y, line)
        y -= size * 1.3
    return y


def _draw_card(canvas: Canvas, item: PosterItem, x0: float, y0: float, w: float, h: float) -> None:
    """One poster/card laid out proportionally inside the box (x0, y0, w, h)."""
    scale = w / A4[0]
    cx = x0 + w / 2
    margin = 14 * mm * scale
    canvas.setFillColorRGB(*BRAND)
    canvas.rect(x0, y0 + h - 34 * mm * scale, w, 34 * mm * scale, stroke=0, fill=1)
    canvas.setFillColorRGB(1, 1, 1)
    y = y0 + h - 15 * mm * scale
    y = _centred(canvas, "ĐÁNH GIÁ SỰ HÀI LÒNG", "DejaVu-Bold", 30 * scale, cx, y, w - 2 * margin)
    _centred(canvas, "về phục vụ hành chính công", "DejaVu", 16 * scale, cx, y + 2 * mm * scale, w - 2 * margin)
    canvas.setFillColorRGB(0, 0, 0)
    y = y0 + h - 46 * mm * scale
    y = _centred(canvas, f"UBND {item.unit_name}", "DejaVu-Bold", 18 * scale, cx, y, w - 2 * margin)
    y = _centred(canvas, item.centre_name, "DejaVu", 14 * scale, cx, y, w - 2 * margin)
    if item.counter_label:
        y = _centred(canvas, item.counter_label, "DejaVu-Bold", 20 * scale, cx, y - 2 * mm * scale, w - 2 * margin)
    size = min(125 * mm * scale, y - y0 - 88 * mm * scale)
    canvas.drawImage(ImageReader(qr_image(item.url)), cx - size / 2, y - size - 4 * mm * scale, size, size)
    y = y - size - 14 * mm * scale
    steps = [
        "1. Mở camera hoặc Zalo trên điện thoại, quét mã QR",
        "2. Trả lời phiếu (khoảng 2 phút, không cần đăng nhập)",
        "3. Bấm “Gửi đánh giá”",
    ]
    canvas.setFont("DejaVu", 14 * scale)
    for step in steps:
        canvas.drawString(x0 + margin + 8 * mm * scale, y, step)
        y -= 14 * scale * 1.5
    y -= 3 * mm * scale
    y = _centred(canvas, "Không quét được mã? Gõ địa chỉ:", "DejaVu", 12 * scale, cx, y, w - 2 * margin)
    y = _centred(canvas, item.url, "DejaVu-Bold", 15 * scale, cx, y, w - 2 * margin)
    _centred(canvas, "Phiếu ẩn danh. Cán bộ không biết Ông/Bà đánh giá thế nào.", "DejaVu", 11 * scale, cx,
             y0 + 12 * mm * scale, w - 2 * margin)


def _new_canvas(buffer: io.BytesIO, pagesize, title: str) -> Canvas:
    _fonts()
    canvas = Canvas(buffer, pagesize=pagesize)
    canvas.setTitle(title)
    canvas.setAuthor("Hài Lòng")
    return canvas


def poster_pdf(item: PosterItem) -> bytes:
    """A4 poster for the centre's wall or door."""
    buffer = io.BytesIO()
    canvas = _new_canvas(buffer, A4, f"Áp phích khảo sát – {item.centre_name}")
    _draw_card(canvas, item, 0, 0, *A4)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def card_pdf(item: PosterItem) -> bytes:
    """A6 card for a counter."""
    buffer = io.BytesIO()
    canvas = _new_canvas(buffer, A6, f"Thẻ khảo sát – {item.counter_label or item.centre_name}")
    _draw_card(canvas, item, 0, 0, *A6)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def sheet_pdf(items: list[PosterItem], title: str) -> bytes:
    """A4 pages holding four A6 cards each (cut along the lines): every counter of a centre."""
    buffer = io.BytesIO()
    canvas = _new_canvas(buffer, A4, title)
    w, h = A4[0] / 2, A4[1] / 2
    for index, item in enumerate(items):
        slot = index % 4
        if index and slot == 0:
            canvas.showPage()
        x0, y0 = (slot % 2) * w, (1 - slot // 2) * h
        _draw_card(canvas, item, x0, y0, w, h)
        canvas.setDash(3, 3)
        canvas.setStrokeColorRGB(0.6, 0.6, 0.6)
        canvas.rect(x0, y0, w, h, stroke=1, fill=0)
        canvas.setDash()
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


#: Type sizes of the paper questionnaire (points): nothing under 11 pt, so it reads well printed and for older
#: respondents; the title and part headings larger.
PAPER_BODY_PT, PAPER_CHOICE_PT, PAPER_PART_PT, PAPER_TITLE_PT = 12, 11, 13, 14


def blank_questionnaire_pdf(definition: Definition, version_number: int, unit_name: str | None = None) -> bytes:
    """The paper questionnaire: every question with boxes to tick, to print and key in later."""
    buffer = io.BytesIO()
    canvas = _new_canvas(buffer, A4, definition.title["vi"])
    width, height = A4
    left, right = 18 * mm, width - 18 * mm
    y = height - 18 * mm
    body, choice_pt, line = PAPER_BODY_PT, PAPER_CHOICE_PT, PAPER_BODY_PT * 1.3
    box = 4 * mm

    def need(space: float) -> None:
        nonlocal y
        if y - space < 18 * mm:
            canvas.showPage()
            y = height - 18 * mm

    canvas.setFont("DejaVu", choice_pt)
    canvas.drawString(left, y, f"Số phiếu: ............   Phiên bản {version_number}")
    canvas.drawRightString(right, y, "Ngày: ..../..../........")
    y -= 11 * mm
    if unit_name:
        y = _centred(canvas, f"UBND {unit_name}", "DejaVu-Bold", PAPER_PART_PT, width / 2, y, right - left)
    y = _centred(canvas, definition.title["vi"].upper(), "DejaVu-Bold", PAPER_TITLE_PT, width / 2, y, right - left)
    y = _centred(canvas, definition.intro["vi"], "DejaVu", choice_pt, width / 2, y - 2, right - left) - 4
    for section in definition.sections:
        need(34 * mm)
        canvas.setFont("DejaVu-Bold", PAPER_PART_PT)
        canvas.drawString(left, y, section.title["vi"])
        y -= 7 * mm
        for question in section.questions:
            lines = _wrap(canvas, question.label("vi") + (" *" if question.required else ""), "DejaVu", body,
                          right - left)
            choices = [] if question.type == "text" else question.choices("vi")
            need(len(lines) * line + (2 * line if choices else 3 * line))
            canvas.setFont("DejaVu", body)
            for text_line in lines:
                canvas.drawString(left, y, text_line)
                y -= line
            if question.type == "text":
                canvas.setStrokeColorRGB(0.5, 0.5, 0.5)
                for _ in range(2):
                    y -= line
                    canvas.line(left, y, right, y)
                y -= line
                continue
            x = left + 4 * mm
            canvas.setFont("DejaVu", choice_pt)
            for value, label in choices:
                text = f"{label}" if question.type != "scale5" else f"{value or '–'}. {label}"
                box_w = box + 2 + canvas.stringWidth(text, "DejaVu", choice_pt) + 5 * mm
                if x + box_w > right:
                    y -= choice_pt * 1.6
                    need(choice_pt * 1.6)
                    x = left + 4 * mm
                    canvas.setFont("DejaVu", choice_pt)
                canvas.rect(x, y - 1.5, box, box)
                canvas.drawString(x + box + 2, y, text)
                x += box_w
            y -= choice_pt * 2
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
