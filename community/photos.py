"""Profile photos: checked, turned upright, cropped square, re-encoded without metadata."""

from __future__ import annotations

import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def photo_normalise(upload: UploadedFile) -> ContentFile[bytes]:
    """A JPEG of at most COHORT_PHOTO_SIZE pixels a side, with no EXIF (no GPS, no camera)."""
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The photo is larger than 5 MB."))
    try:
        with Image.open(upload) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise ValidationError(_("Upload a JPEG, PNG, WebP or GIF image."))
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as original:
            original.load()
            upright = ImageOps.exif_transpose(original).convert("RGB")
        size = settings.COHORT_PHOTO_SIZE
        square = ImageOps.fit(upright, (size, size), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        square.save(out, "JPEG", quality=85, optimize=True)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise ValidationError(_("This file is not an image we can read.")) from None
    return ContentFile(out.getvalue(), name="photo.jpg")
