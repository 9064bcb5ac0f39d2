"""Health check and error pages. Error pages say what happened and nothing about why."""

import json
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from sro_portal.core.ratelimit import rate_limit

logger = logging.getLogger(__name__)


@login_not_required
@never_cache
def healthz(request):
    """200 when the database (and Redis, where configured) answer; 503 otherwise."""
    checks = {"database": _check_database()}
    if settings.REDIS_URL:
        checks["redis"] = _check_redis()
    healthy = all(state == "ok" for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks},
        status=200 if healthy else 503,
    )


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("Health check: the database did not answer")
        return "error"
    return "ok"


def _check_redis() -> str:
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
        client.ping()
    except Exception:
        logger.exception("Health check: Redis did not answer")
        return "error"
    return "ok"


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # Rendered without the request: the failure may lie in the database or a context processor.
    return HttpResponseServerError(loader.get_template("errors/500.html").render())


def csrf_failure(request, reason=""):
    return render(request, "errors/csrf.html", status=403)


CSP_REPORT_MAX_BYTES = 16 * 1024
# The fields of a violation worth a log line. Never the sample or the page's address with its
# query string: either may carry what was on the page.
CSP_REPORT_FIELDS = ("effective-directive", "violated-directive", "blocked-uri", "line-number")
# The Reporting API (report-to) names the same fields in camelCase.
REPORTING_API_NAMES = {
    "documentURL": "document-uri",
    "effectiveDirective": "effective-directive",
    "blockedURL": "blocked-uri",
    "lineNumber": "line-number",
}


@csrf_exempt  # browsers post reports without a token, signed in or not
@login_not_required
@require_POST
@rate_limit("csp_report")
def csp_report(request):
    """Receives a browser's Content-Security-Policy violation report and logs one compact line:
    the directive, the blocked source (scheme and host only) and the page's path. 204 always."""
    if len(request.body) <= CSP_REPORT_MAX_BYTES:
        for report in _csp_reports(request.body):
            logger.warning("CSP violation: %s", _compact(report))
    return HttpResponse(status=204)


def _csp_reports(body: bytes) -> list[dict]:
    """The violations of a report-uri post ({"csp-report": {...}}) or of a Reporting API post
    ([{"type": "csp-violation", "body": {...}}, ...]); nothing for anything else."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested past Python's limit
        return []
    if isinstance(data, dict) and isinstance(data.get("csp-report"), dict):
        return [data["csp-report"]]
    if isinstance(data, list):
        return [
            {REPORTING_API_NAMES.get(name, name): value for name, value in item["body"].items()}
            for item in data[:10]
            if isinstance(item, dict) and isinstance(item.get("body"), dict)
        ]
    return []


def _compact(report: dict) -> str:
    fields = {name: report.get(name) for name in CSP_REPORT_FIELDS}
    fields["blocked-uri"] = _origin_only(fields["blocked-uri"])
    fields["page"] = urlsplit(str(report.get("document-uri") or "")).path
    # One line whatever the report says: a line break in a field would forge log lines.
    return " ".join(
        f"{name}={' '.join(str(value)[:200].split())}"
        for name, value in fields.items()
        if value not in (None, "")
    )


def _origin_only(uri) -> str:
    """'inline', 'eval' and the like as sent; a URL cut to its scheme and host."""
    parts = urlsplit(str(uri or ""))
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else str(uri or "")
