"""The applicant portal (/applications/) and the committee pages (/committee/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("applications/", views.my_applications, name="my-applications"),
    path("applications/new/", views.application_new, name="application-new"),
    path("applications/<int:pk>/", views.application_status, name="application-status"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application-edit"),
    path("applications/<int:pk>/documents/", views.application_documents, name="application-documents"),
    path(
        "applications/<int:pk>/documents/<int:doc_id>/",
        views.document_download,
        name="application-document",
    ),
    path(
        "applications/<int:pk>/documents/<int:doc_id>/remove/",
        views.document_remove,
        name="application-document-remove",
    ),
    path("applications/<int:pk>/review/", views.application_review, name="application-review"),
    path("applications/<int:pk>/submit/", views.application_submit, name="application-submit"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw, name="application-withdraw"),
    path("committee/", views.committee_queue, name="committee-queue"),
    path("committee/applications/<int:pk>/", views.committee_application, name="committee-application"),
]
