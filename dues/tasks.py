"""The dues' periodic task (Celery beat)."""

from celery import shared_task

from . import services


@shared_task(name="dues.tasks.invoices_issue", ignore_result=True)
def invoices_issue() -> int:
    """Invoice every member not yet invoiced for the current federation year: daily just after
    midnight UTC, so a year's invoices are issued on its first day (idempotent: reruns add none)."""
    return len(services.invoices_issue())
