"""What the applicant's pages and the committee's pages share: the committee's door, a refusal's
per-field errors put next to the fields, and what an application still lacks before it can be sent.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts import roles
from workflows import rules
from workflows.errors import WorkflowError
from workflows.models import DocumentKind, MembershipApplication


def committee_required(view):
    """Signed-in members of Secretariat, Reviewers or Executive Committee; others get 403."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not roles.has_committee_role(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def officer_required(view):
    """Signed-in members of the Secretariat or the Executive Committee (the meetings' people);
    others get 403."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not roles.is_officer(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def secretariat_required(view):
    """Signed-in members of the Secretariat; others get 403."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not roles.is_secretariat(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def apply_errors(exc: WorkflowError, form, formset=None) -> bool:
    """Put the service's per-field errors next to the fields; True when some field got one."""
    placed = False
    for key, messages_ in (exc.details or {}).items():
        if key.startswith("contacts.") and formset is not None:
            index = int(key.split(".", 1)[1])
            if index < len(formset.forms):
                contact_form = formset.forms[index]
                for field, errors in messages_.items():
                    contact_form.add_error(field if field in contact_form.fields else None, errors)
                placed = True
        elif form is not None and key in form.fields and isinstance(messages_, list | tuple):
            form.add_error(key, list(messages_))
            placed = True
    return placed


def missing(application: MembershipApplication) -> tuple[list[str], list[str]]:
    """Labels of the missing fields and documents, as the submit guards see them."""
    labels = {
        "region": _("Region"),
        "email": _("Public e-mail address of your union"),
        "motivation": _("Why does your union want to join the federation?"),
    }
    fields = [
        str(labels.get(name) or MembershipApplication._meta.get_field(name).verbose_name).capitalize()
        for name in rules.missing_fields(application)
    ]
    documents = [str(DocumentKind(kind).label) for kind in rules.missing_document_kinds(application)]
    return fields, documents
