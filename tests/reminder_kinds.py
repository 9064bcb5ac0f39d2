"""A reminder kind about a school, for the engine's tests (real kinds come with their apps).

Imported by tests/conftest.py, and by the Celery worker processes of the integration tests
(`celery worker -I tests.reminder_kinds`), which never load the conftest.
"""

from sro_portal.reminders.registry import Message, ReminderKind, register

TEST_KIND = "tests.school_check"

register(
    ReminderKind(
        key=TEST_KIND,
        label="School check (tests)",
        render=lambda reminder, school: Message(
            subject=f"Check on {school.name}",
            body=f"Time to check on {school.name}.",
            link="/",
        ),
    )
)
