"""Demo applications in several states, so that every page has something to show.

They go through the services, as a real application would, and are created
only once (by organization name).
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.roles import EXECUTIVE_COMMITTEE, REVIEWERS, SECRETARIAT
from registry.demo import DEMO_PASSWORD
from workflows import services
from workflows.models import MembershipApplication

# A one-page PDF, small enough to keep in the source, with the cross-reference table that the
# upload check requires (it refuses a PDF a reader would have to repair).
DEMO_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)

# (applicant e-mail, stage reached, application data)
DEMO_APPLICATIONS = [
    (
        "applicant@demo.example",
        "draft",
        {
            "name": "Lesotho National Students Union",
            "acronym": "LNSU",
            "country": "LS",
            "city": "Maseru",
            "email": "info@lnsu.example.org",
            "founded_year": 2012,
            "students_represented": 22000,
            "motivation": "We want to learn from other national unions and represent Basotho students internationally.",
        },
    ),
    (
        "union.malawi@demo.example",
        "submitted",
        {
            "name": "Malawi National Students Union",
            "acronym": "MANSU",
            "country": "MW",
            "city": "Lilongwe",
            "email": "secretary@mansu.example.org",
            "founded_year": 2009,
            "students_represented": 45000,
            "motivation": "MANSU represents students of all public universities in Malawi.",
        },
    ),
    (
        "union.thailand@demo.example",
        "under_review",
        {
            "name": "Students' Union of Thailand",
            "acronym": "SUT",
            "country": "TH",
            "city": "Bangkok",
            "email": "international@sut.example.org",
            "founded_year": 2001,
            "students_represented": 350000,
            "motivation": "We bring together student councils from 40 universities across Thailand.",
        },
    ),
    (
        "union.ecuador@demo.example",
        "executive_vote",
        {
            "name": "Federación de Estudiantes Universitarios del Ecuador",
            "acronym": "FEUE",
            "country": "EC",
            "city": "Quito",
            "email": "relaciones@feue.example.org",
            "founded_year": 1944,
            "students_represented": 300000,
            "motivation": "FEUE has defended free public higher education in Ecuador since 1944.",
        },
    ),
]
STAGES = ["draft", "submitted", "under_review", "executive_vote"]


def _user(email: str):
    User = get_user_model()
    user, created = User.objects.get_or_create(username=email, defaults={"email": email})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def seed_demo_applications() -> int:
    """Create the demo applications that do not exist yet; return how many were created."""
    User = get_user_model()
    secretariat = User.objects.filter(groups__name=SECRETARIAT).order_by("pk").first()
    reviewers = list(User.objects.filter(groups__name=REVIEWERS).order_by("pk")[:2])
    if (
        secretariat is None
        or len(reviewers) < 2
        or not User.objects.filter(groups__name=EXECUTIVE_COMMITTEE).exists()
    ):
        return 0
    created = 0
    for email, stage, data in DEMO_APPLICATIONS:
        if MembershipApplication.objects.filter(name=data["name"]).exists():
            continue
        applicant = _user(email)
        application = services.application_create(
            applicant=applicant,
            data=data,
            contacts=[
                {"name": "International officer", "role": "International officer", "email": data["email"]}
            ],
        )
        created += 1
        if STAGES.index(stage) < 1:
            continue
        for kind in ("statutes", "registration"):
            upload = SimpleUploadedFile(f"{kind}.pdf", DEMO_PDF, content_type="application/pdf")
            services.document_add(application=application, actor=applicant, kind=kind, upload=upload)
        application = services.application_submit(application=application, actor=applicant)
        if STAGES.index(stage) < 2:
            continue
        application = services.application_start_review(
            application=application, actor=secretariat, reviewers=reviewers
        )
        if STAGES.index(stage) < 3:
            continue
        for reviewer in reviewers:
            services.review_submit(
                application=application,
                reviewer=reviewer,
                recommendation="admit",
                comment="The statutes are democratic and the union is representative.",
            )
        application = services.application_complete_review(application=application, actor=secretariat)
        services.vote_open(
            application=application,
            actor=secretariat,
            deadline=timezone.now() + datetime.timedelta(days=10),
            comment="For the Executive Committee's online meeting.",
        )
    return created
