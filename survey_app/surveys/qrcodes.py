"""QR code images (PNG, SVG) for a URL. Error correction M: survives a scratched or creased poster."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from PIL import Image


def _qr(url: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_image(url: str) -> Image.Image:
    return _qr(url).make_image(fill_color="black", back_color="white").get_image().convert("RGB")


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    qr_image(url).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def qr_svg(url: str) -> bytes:
    buffer = io.BytesIO()
    _qr(url).make_image(image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
    return buffer.getvalue()
