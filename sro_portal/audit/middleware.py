from django.conf import settings
from pghistory.middleware import HistoryMiddleware


class AuditContextMiddleware(HistoryMiddleware):
    """Tags every change made by a request with who made it and on which page.

    pghistory passes the context by prefixing SQL with PostgreSQL's set_config(); on SQLite (the
    local demo) there is nothing to tag, since no audit trigger exists there.
    """

    def __call__(self, request):
        if not settings.USING_POSTGRES:
            return self.get_response(request)
        return super().__call__(request)
