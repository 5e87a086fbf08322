"""The applicant portal (/applications/), the committee pages (/committee/) and the member area (/member/)."""

from django.urls import path

from portal.views import applicant, committee, imports, meetings, member, motions, statistics

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
    path("applications/<int:pk>/delete/", applicant.application_delete, name="application-delete"),
    path("applications/<int:pk>/withdraw/", applicant.application_withdraw, name="application-withdraw"),
    path("committee/", committee.committee_queue, name="committee-queue"),
    path("committee/statistics/", statistics.committee_statistics, name="committee-statistics"),
    path("committee/applications/<int:pk>/", committee.committee_application, name="committee-application"),
    # The member area: unions and their representatives; the secretariat's change requests.
    path("member/", member.member_home, name="member-home"),
    path("member/<slug:slug>/", member.member_union, name="member-union"),
    path("member/<slug:slug>/profile/", member.member_profile, name="member-profile"),
    path("member/<slug:slug>/invitations/", member.member_invite, name="member-invite"),
    path(
        "member/<slug:slug>/invitations/<int:invitation_id>/revoke/",
        member.member_invitation_revoke,
        name="member-invitation-revoke",
    ),
    path(
        "member/<slug:slug>/representatives/<int:representative_id>/remove/",
        member.member_representative_remove,
        name="member-representative-remove",
    ),
    path(
        "member/<slug:slug>/representatives/<int:representative_id>/primary/",
        member.member_representative_primary,
        name="member-representative-primary",
    ),
    path("member/<slug:slug>/change-requests/", member.member_change_request, name="member-change-request"),
    path("member/<slug:slug>/motions/", member.member_motion, name="member-motion"),
    path("committee/meetings/", meetings.meeting_calendar, name="committee-meetings"),
    path("committee/meetings/new/", meetings.meeting_new, name="committee-meeting-new"),
    path("committee/meetings/<int:meeting_id>/", meetings.meeting_page, name="committee-meeting"),
    path("committee/meetings/<int:meeting_id>/edit/", meetings.meeting_edit, name="committee-meeting-edit"),
    path(
        "committee/meetings/<int:meeting_id>/papers/<int:paper_id>/",
        meetings.meeting_paper,
        name="committee-meeting-paper",
    ),
    path("committee/motions/", motions.committee_motions, name="committee-motions"),
    path("committee/motions/<int:motion_id>/", motions.committee_motion, name="committee-motion"),
    path("committee/members/<slug:slug>/", motions.committee_member, name="committee-member"),
    path(
        "committee/members/<slug:slug>/motions/",
        motions.committee_motion_propose,
        name="committee-motion-propose",
    ),
    path("member/<slug:slug>/return/", member.member_return, name="member-return"),
    path("member/<slug:slug>/certificate/", member.member_certificate, name="member-certificate"),
    path("member/<slug:slug>/certificate/pdf/", member.member_certificate_pdf, name="member-certificate-pdf"),
    path("invitations/<str:token>/", member.invitation, name="member-invitation"),
    path("committee/change-requests/", member.committee_change_requests, name="committee-change-requests"),
    path("committee/import/", imports.committee_import, name="committee-import"),
    path(
        "committee/import/<int:upload_id>/confirm/",
        imports.committee_import_confirm,
        name="committee-import-confirm",
    ),
    path(
        "committee/change-requests/<int:request_id>/",
        member.committee_change_request_decide,
        name="committee-change-request-decide",
    ),
]
