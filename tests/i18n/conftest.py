import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _back_to_english():
    """A French request leaves French active in this thread (LocaleMiddleware activates, never
    deactivates): the tests that run next expect the default language."""
    yield
    translation.deactivate()
