"""Reminder kinds. Each app registers its own in its AppConfig.ready(); the engine never imports
a domain app.

A kind says what the reminder is called (for the user's preferences) and how to word it. Its
`render` receives the reminder and the object it is about (already fetched within the reminder's
agency) and returns the message. The wording must never contain a student's name: emails,
notification lists and logs all show it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    link: str  # a path inside the portal, such as "/team/"


def _always(reminder, obj) -> bool:
    return True


@dataclass(frozen=True)
class ReminderKind:
    key: str  # "<app>.<what>", e.g. "drills.upcoming"
    label: str | Promise
    render: Callable[..., Message]
    # Asked at delivery: is this still worth sending? (A compliance warning checks compliance
    # then.) False cancels the reminder quietly.
    still_due: Callable[..., bool] = _always
    # Called after the reminder was delivered or found no longer due, outside its transaction:
    # a recurring check schedules its next occurrence here.
    then: Callable[..., None] | None = None


_kinds: dict[str, ReminderKind] = {}


def register(kind: ReminderKind) -> ReminderKind:
    if kind.key in _kinds and _kinds[kind.key] != kind:
        raise ValueError(f"Reminder kind {kind.key!r} is registered twice.")
    _kinds[kind.key] = kind
    return kind


def get(key: str) -> ReminderKind:
    return _kinds[key]


def all_kinds() -> list[ReminderKind]:
    return sorted(_kinds.values(), key=lambda kind: kind.key)
