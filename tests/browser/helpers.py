"""Things the browser tests make: QR images, phone photos, a phone clock that is wrong."""

import io
from pathlib import Path

import segno
from PIL import Image, ImageDraw

XSS = "<img src=x onerror=alert(1)>"


def qr_png(path: Path, text: str) -> Path:
    segno.make_qr(text, error="m").save(str(path), scale=10, border=4)
    return path


def camera_photo(path: Path, width=2400, height=1800) -> Path:
    """A large JPEG like a phone camera makes (the app must shrink it to 1600 px)."""
    img = Image.new("RGB", (width, height), (200, 60, 40))
    draw = ImageDraw.Draw(img)
    for i in range(0, width, 80):
        draw.line([(i, 0), (width - i, height)], fill=(255, 255, 255), width=6)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    path.write_bytes(buf.getvalue())
    return path


def slow_clock_script(hours: float) -> str:
    """An init script that sets the page's clock `hours` behind (a phone with a wrong clock)."""
    offset_ms = int(-hours * 3600 * 1000)
    return f"""
(() => {{
  const OFF = {offset_ms};
  const Real = Date;
  class PhoneDate extends Real {{
    constructor(...a) {{ if (a.length === 0) super(Real.now() + OFF); else super(...a); }}
    static now() {{ return Real.now() + OFF; }}
  }}
  globalThis.Date = PhoneDate;
}})();
"""
