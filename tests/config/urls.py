"""A page that enqueues a task, for the logging tests (``pytest.mark.urls``)."""

from django.http import HttpResponse
from django.urls import path

from tests.config.tasks import log_something


def enqueue(request):
    log_something.delay(token=request.GET["token"])
    return HttpResponse("enqueued\n", content_type="text/plain")


urlpatterns = [path("enqueue/", enqueue)]
