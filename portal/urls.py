"""The applicant portal (/applications/) and the committee pages (/committee/)."""

from django.urls import path

from portal.views import applicant, committee

urlpatterns = [
    path("applications/", applicant.my_applications, name="my-applications"),
    path("applications/new/", applicant.application_new, name="application-new"),
    path("applications/<int:pk>/", applicant.application_status, name="application-status"),
    path("applications/<int:pk>/edit/", applicant.application_edit, name="application-edit"),
    path("applications/<int:pk>/documents/", applicant.application_documents, name="application-documents"),
    path(
        "applications/<int:pk>/documents/<int:doc_id>/",
        applicant.document_download,
        name="application-document",
    ),
    path(
        "applications/<int:pk>/documents/<int:doc_id>/remove/",
        applicant.document_remove,
        name="application-document-remove",
    ),
    path("applications/<int:pk>/review/", applicant.application_review, name="application-review"),
    path("applications/<int:pk>/submit/", applicant.application_submit, name="application-submit"),
    path("applications/<int:pk>/withdraw/", applicant.application_withdraw, name="application-withdraw"),
    path("committee/", committee.committee_queue, name="committee-queue"),
    path("committee/applications/<int:pk>/", committee.committee_application, name="committee-application"),
]
