"""Celery entry points of the dashboards: the annual report's PDF, rendered in the background,
and the daily deletion of old report files."""

from celery import shared_task

from sro_portal import rls
from sro_portal.dashboards import services


@shared_task
def report_file_render_task(report_file_id: int) -> bool:
    """Queued by a request (services.report_file_request): runs in that request's agency,
    carried in the message's header (sro_portal/celery.py). Not retried: a failure is recorded
    on the request, and the supervisor asks again."""
    return services.report_file_render(report_file_id=report_file_id) is not None


@shared_task
def report_files_purge_task() -> int:
    """The beat job: delete report files older than a week, agency by agency (row-level
    security shows one agency at a time)."""
    return sum(services.report_files_purge(agency_id) for agency_id in rls.agencies_in_turn())
