"""What documents tell the apps beside them, through functions `server.features` registers
(siblings never import each other): who a comment mentions, for the notification centre."""

from __future__ import annotations

from collections.abc import Callable

from community.models import User

# (mentioned member, author, document name, the comment's URL)
Mentioned = Callable[[User, User, str, str], None]
_mentioned: list[Mentioned] = []


def register_mentioned(hook: Mentioned) -> None:
    if hook not in _mentioned:
        _mentioned.append(hook)


def mentioned(user: User, author: User, document_name: str, url: str) -> None:
    """Called inside the comment's transaction, for each member it newly mentions."""
    for hook in _mentioned:
        hook(user, author, document_name, url)
