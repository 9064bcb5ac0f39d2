"""The reminder kind the benchmark seeds, registered at import.

Real kinds are registered by their apps; the test suite registers its own in tests/conftest.py.
The benchmark imports this module in its own process, and the Celery workers import it through
`celery worker -I bench.bench_kinds` (Celery imports `--include` modules after django.setup(),
before the prefork children are forked), so both sides know how to render the kind.
Import it under this one name only: a second import under another name would register a second,
different render function and the registry would refuse it.
"""

from sro_portal.reminders.registry import Message, ReminderKind, register

KIND = "bench.school_check"


def _render(reminder, school) -> Message:
    return Message(
        subject=f"Check on {school.name}",
        body=f"Time to check on {school.name}.",
        link="/",
    )


register(ReminderKind(key=KIND, label="School check (bench)", render=_render))
