from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from . import views
from .meeting_views import MINUTES_PDF_ROUTE, MINUTES_PDF_VIEW, MeetingViewSet
from .motion_views import MotionViewSet
from .webhook_views import WebhookEndpointViewSet
from .workflow_views import ApplicationViewSet

workflow_router = SimpleRouter()
workflow_router.register("applications", ApplicationViewSet, basename="application")
workflow_router.register("motions", MotionViewSet, basename="motion")
workflow_router.register("meetings", MeetingViewSet, basename="meeting")
workflow_router.register("webhooks", WebhookEndpointViewSet, basename="webhook")

app_name = "api"

# The API docs' exceptions to the site's Content-Security-Policy (config/settings.py), for
# styles only: both templates have an inline <style>, Swagger UI and ReDoc (styled-components)
# insert styles at run time, and ReDoc's search runs in a Web Worker made from a blob: URL.
# Scripts stay 'self' only: no inline script, no eval, nothing from another origin.
DOCS_CSP = {"style-src": ["'unsafe-inline'"]}
REDOC_CSP = {"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]}

urlpatterns = [
    path("v1/affiliates/", views.AffiliateListView.as_view(), name="affiliate-list"),
    path("v1/affiliates/<slug:slug>/", views.AffiliateDetailView.as_view(), name="affiliate-detail"),
    path("v1/regions/", views.RegionListView.as_view(), name="region-list"),
    path("v1/changes/", views.ChangeFeedView.as_view(), name="change-list"),
    path("v1/decisions/", views.DecisionListView.as_view(), name="decision-list"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The site's Content-Security-Policy allows no inline script: the split view serves Swagger
    # UI's start-up script from this same address (?script), not inline in the page.
    path(
        "docs/",
        csp_update(DOCS_CSP)(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
    path(
        "redoc/",
        # Our template: drf-spectacular's own loads web fonts from Google.
        csp_update(REDOC_CSP)(
            SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html")
        ),
        name="redoc",
    ),
    # The workflow (applications, documents, transitions, reviews, votes): api/workflow_views.py.
    re_path(
        MINUTES_PDF_ROUTE,
        MeetingViewSet.as_view(**MINUTES_PDF_VIEW),
        name="meeting-minutes-pdf",
    ),
    path("v1/", include(workflow_router.urls)),
    # Keep last: any other address under /api/ gets a JSON 404 in the API's error format.
    # [\s\S], not ".": an address with an encoded line break (%0A) is caught too.
    re_path(r"^(?P<path>[\s\S]*)$", views.endpoint_not_found, name="not-found"),
]
