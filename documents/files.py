"""What an uploaded file is, judged from its bytes, and whether Cohort takes it.

The name and the browser's content type are never trusted: `filetype` reads the magic
bytes; a file it does not recognise is text only if it is UTF-8 with no NUL. Images are
opened with Pillow under its decompression-bomb limit, PDFs with pdfium (malformed and
encrypted ones are refused). The allow-list is `settings.DOCUMENTS_KINDS`.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import unicodedata
import warnings
from dataclasses import dataclass
from typing import IO

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CHUNK = 64 * 1024
MAX_NAME_CHARS = 200
IMAGE_KINDS = {"image/png", "image/jpeg", "image/gif", "image/webp"}
# Shown in the browser (inline) after the permission check; everything else is a download.
INLINE_KINDS = IMAGE_KINDS | {"application/pdf"}
TEXT_BY_SUFFIX = {".md": "text/markdown", ".markdown": "text/markdown", ".csv": "text/csv"}
# Bidirectional overrides, isolates and marks, and line separators: they make
# "cv.exe.pdf" look like "cv.fdp.exe", or a name look like two.
BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A),
                                  0x200E, 0x200F, 0x061C, 0x2028, 0x2029)}


@dataclass(frozen=True)
class Checked:
    kind: str
    size: int
    sha256: str


def clean_name(name: object) -> str:
    """The file name as shown: no folder part, no control character, not empty."""
    if not isinstance(name, str):
        raise ValidationError(_("The file has no name."))
    name = unicodedata.normalize("NFC", name).strip()
    if not name or name in {".", ".."}:
        raise ValidationError(_("The file has no name."))
    if "/" in name or "\\" in name:
        raise ValidationError(_("A file name cannot contain / or \\."))
    if any(unicodedata.category(c) in {"Cc", "Cs"} or c in BIDI_CONTROLS for c in name):
        raise ValidationError(_("A file name cannot contain control characters."))
    if len(name) > MAX_NAME_CHARS:
        raise ValidationError(_("A file name has at most %(max)d characters.")
                              % {"max": MAX_NAME_CHARS})
    return name


def _digest_and_text(stream: IO[bytes]) -> tuple[int, str, bool]:
    """Size, SHA-256, and whether the whole file is UTF-8 text without NUL, read in chunks."""
    stream.seek(0)
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    size = 0
    text = True
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        digest.update(chunk)
        if text:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                text = False
            if b"\0" in chunk:
                text = False
    if text:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            text = False
    stream.seek(0)
    return size, digest.hexdigest(), text


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def _check_image(stream: IO[bytes]) -> None:
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(_("This image has too many pixels.")) from None
    except (OSError, SyntaxError, ValueError):  # what Pillow raises for a bad file
        raise ValidationError(_("This image is damaged or not an image we can read.")) \
            from None
    finally:
        stream.seek(0)


def _check_pdf(stream: IO[bytes]) -> None:
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(stream)
    except pypdfium2.PdfiumError as error:
        if "password" in str(error).lower():
            raise ValidationError(_("This PDF is protected by a password: upload a copy "
                                    "without one.")) from None
        raise ValidationError(_("This PDF is damaged or not a PDF.")) from None
    finally:
        stream.seek(0)
    try:
        if len(pdf) < 1:
            raise ValidationError(_("This PDF has no page."))
    finally:
        pdf.close()
        stream.seek(0)


def check(stream: IO[bytes], name: str) -> Checked:
    """What the file is, or a ValidationError that says why it is refused."""
    size, sha256, is_text = _digest_and_text(stream)
    if size == 0:
        raise ValidationError(_("The file is empty."))
    if size > settings.DOCUMENTS_MAX_BYTES:
        raise ValidationError(too_large_message())
    head = stream.read(8192)
    stream.seek(0)
    guessed = filetype.guess(head)
    if guessed is not None:
        kind = guessed.mime
    elif is_text:
        kind = TEXT_BY_SUFFIX.get(_suffix(name), "text/plain")
    else:
        kind = "application/octet-stream"
    if kind not in settings.DOCUMENTS_KINDS:
        raise ValidationError(_("This kind of file is not accepted here (%(kind)s).")
                              % {"kind": kind})
    if kind in IMAGE_KINDS:
        _check_image(stream)
    elif kind == "application/pdf":
        _check_pdf(stream)
    return Checked(kind=kind, size=size, sha256=sha256)


class NotStored(Exception):
    """The server could not write an upload (its disk is full, say): nothing was kept."""

    def __init__(self, error: OSError) -> None:
        super().__init__(not_stored_message(error))
        self.error = error


def not_stored_message(error: OSError) -> str:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return _("The server has no room left to store this file: nothing was saved. "
                 "Try again later, and tell an admin.")
    return _("The server could not store this file: nothing was saved. Try again later, "
             "and tell an admin if it goes on.")


def too_large_message() -> str:
    return _("A file has at most %(size)s.") % {"size": human_size(settings.DOCUMENTS_MAX_BYTES)}


def human_size(size: int) -> str:
    """1.5 MB, 300 KB: decimal units, as file managers show them."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" or value >= 100 else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"
