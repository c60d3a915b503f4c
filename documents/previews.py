"""Previews, made from the file alone (nothing is sent elsewhere), by the task worker.

- Images: turned upright, re-encoded as WebP without any metadata (no EXIF, no GPS),
  at most PREVIEW_PIXELS a side; Pillow's decompression-bomb limit holds.
- PDFs: the first page drawn by pdfium; the text of every page kept for search.
- Text and Markdown: rendered through the same Markdown and sanitiser as chat.
- Anything else: no preview (the page shows a card).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

import pypdfium2
from PIL import Image, ImageOps

from documents import rendering

log = logging.getLogger(__name__)

PREVIEW_PIXELS = 800
TEXT_KEEP_CHARS = 1_000_000  # extracted text kept for search
TEXT_PREVIEW_CHARS = 100_000  # of a text file, rendered on its page


@dataclass
class Made:
    state: str  # ready, none or failed
    image: bytes | None = None  # WebP
    html: str = ""
    pages: int | None = None
    text: str = ""


def _image(data: bytes) -> Made:
    with Image.open(io.BytesIO(data)) as original:
        original.seek(0)
        upright = ImageOps.exif_transpose(original)
        upright.thumbnail((PREVIEW_PIXELS, PREVIEW_PIXELS))
        if upright.mode not in ("RGB", "RGBA"):
            upright = upright.convert("RGBA")
        out = io.BytesIO()
        upright.save(out, "WEBP", quality=82)  # no exif= given: none is written
    return Made(state="ready", image=out.getvalue())


def _pdf(data: bytes) -> Made:
    pdf = pypdfium2.PdfDocument(data)
    try:
        pages = len(pdf)
        first = pdf[0]
        width, height = first.get_size()
        scale = PREVIEW_PIXELS / max(width, height, 1)
        bitmap = first.render(scale=scale)
        image = bitmap.to_pil()
        out = io.BytesIO()
        image.save(out, "WEBP", quality=82)
        texts: list[str] = []
        kept = 0
        for index in range(pages):
            if kept >= TEXT_KEEP_CHARS:
                break
            page_text = pdf[index].get_textpage().get_text_range()
            texts.append(page_text)
            kept += len(page_text)
        return Made(state="ready", image=out.getvalue(), pages=pages,
                    text="\n".join(texts)[:TEXT_KEEP_CHARS])
    finally:
        pdf.close()


def _text(data: bytes, kind: str) -> Made:
    text = data.decode("utf-8", errors="replace")
    shown = text[:TEXT_PREVIEW_CHARS]
    if kind == "text/markdown":
        html, _mentioned = rendering.render(shown)
    else:
        html, _mentioned = rendering.render(f"```\n{shown.replace('```', '` ` `')}\n```")
    return Made(state="ready", html=html, text=text[:TEXT_KEEP_CHARS])


def make(data: bytes, kind: str) -> Made:
    """The preview of a file of `kind` (as documents.files judged it)."""
    try:
        if kind.startswith("image/"):
            return _image(data)
        if kind == "application/pdf":
            return _pdf(data)
        if kind.startswith("text/"):
            return _text(data, kind)
    except Exception:  # a file that passed the upload checks but cannot be drawn
        log.warning("no preview of a %s file", kind, exc_info=True)
        return Made(state="failed")
    return Made(state="none")
