"""The dues' periodic tasks (Celery beat)."""

from celery import shared_task

from . import notices, services


@shared_task(name="dues.tasks.invoices_issue", ignore_result=True)
def invoices_issue() -> int:
    """Invoice every member not yet invoiced for the current federation year: daily just after
    midnight UTC, so a year's invoices are issued on its first day (idempotent: reruns add none)."""
    return len(services.invoices_issue())


@shared_task(name="dues.tasks.send_reminders", ignore_result=True)
def send_reminders() -> int:
    """Reminders of the invoices still open, before, on and after their due date: daily (Celery
    beat), after the day's invoices are issued."""
    return len(notices.reminders_send())
