"""The console e-mail backend of the quick start: each e-mail once, readable, in a file of
its own.

Django's console backend prints the whole MIME message on the sending process's stdout,
the terminal where the server writes its access log: the text quoted-printable (a long
link cut with `=` at 76 characters, `=3D` for each `=` of its query), and any HTML
alternative repeating every link. Here each e-mail's text part is written decoded (links
whole, each on one line) to its own file, `data/mail.log` by default, which
`tail -f data/mail.log` follows apart from the access log; the log (stderr) gets one line
per e-mail saying to whom and where it went. A file rather than stderr because the task
worker that sends the e-mails shares the terminal with the server: lines of an e-mail
and of the access log would interleave.

The file is bounded: once past MAX_BYTES it is renamed `mail.log.1` (the previous one is
dropped) and a new one begun, readable by its owner alone (the e-mails hold sign-in and
password-reset links). Each e-mail is one `write` in append mode, so the server
processes and the task worker may write at once.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger("cohort.mail")

MAX_BYTES = 5 * 1024 * 1024
RULE = "-" * 72


def rendered(message: EmailMessage) -> str:
    """The e-mail as a person reads it: its headers, then its text, decoded."""
    body = message.body
    alternatives = getattr(message, "alternatives", ()) or ()
    if not body and alternatives:
        body = str(alternatives[0][0])  # an HTML-only e-mail: its source, once
    lines = [
        RULE,
        f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC",
        f"From: {message.from_email or settings.DEFAULT_FROM_EMAIL}",
        f"To: {', '.join(message.to)}",
    ]
    if message.cc:
        lines.append(f"Cc: {', '.join(message.cc)}")
    if message.bcc:
        lines.append(f"Bcc: {', '.join(message.bcc)}")
    lines.append(f"Subject: {message.subject}")
    for attachment in message.attachments:
        name = getattr(attachment, "filename", None) or "(unnamed)"
        kind = getattr(attachment, "mimetype", None) or "application/octet-stream"
        lines.append(f"Attachment: {name} ({kind})")
    return "\n".join(lines) + "\n\n" + body.rstrip("\n") + "\n\n"


class ConsoleEmailBackend(BaseEmailBackend):
    """Writes each e-mail's decoded text to `path` (MAILERS' OPTIONS) and logs one line."""

    def __init__(self, *args: Any, path: str = "mail.log", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.path = Path(path)
        self.lock = threading.Lock()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        with self.lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            for message in email_messages:
                if not message.recipients():
                    continue
                self.rotate()
                # Readable by this account alone: the e-mails hold sign-in, invitation
                # and password-reset links.
                descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT,
                                     0o600)
                os.fchmod(descriptor, 0o600)  # a file an older version left readable
                with os.fdopen(descriptor, "a", encoding="utf-8") as stream:
                    stream.write(rendered(message))
                logger.info("E-mail to %s, “%s”: written to %s",
                            ", ".join(message.recipients()), message.subject, self.path)
                sent += 1
        return sent

    def rotate(self) -> None:
        try:
            if self.path.stat().st_size > MAX_BYTES:
                self.path.replace(self.path.with_name(self.path.name + ".1"))
        except FileNotFoundError:
            pass
