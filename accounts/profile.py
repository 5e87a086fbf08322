"""/account/profile/: a signed-in person sees and changes their name and their language.

Their e-mail address, password and two-factor are allauth's pages, linked from the same
account menu (templates/allauth/layouts/manage.html).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import get_language, gettext, override
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .forms import LanguageForm, NameForm
from .language import language_choose, languages_of
from .people import person_rename


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def profile(request):
    """The person's name (a form) and e-mail address; saving the name returns here."""
    user = request.user
    form = NameForm(initial={"name": user.get_full_name()})
    language_form = LanguageForm(initial={"language": languages_of([user.pk]).get(user.pk) or get_language()})
    if request.method == "POST" and "language" in request.POST:
        language_form = LanguageForm(request.POST)
        if language_form.is_valid():
            language_choose(user=user, language=language_form.cleaned_data["language"], request=request)
            with override(language_form.cleaned_data["language"]):
                messages.success(request, gettext("Your language is saved."))
            response = redirect("account-profile")
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language_form.cleaned_data["language"])
            return response
    elif request.method == "POST":
        form = NameForm(request.POST)
        if form.is_valid():
            person_rename(user=user, name=form.cleaned_data["name"])
            messages.success(request, gettext("Your name is saved."))
            return redirect("account-profile")
    return render(request, "accounts/profile.html", {"form": form, "language_form": language_form})


# Included at /account/profile/ (config/urls.py).
urlpatterns = [
    path("", profile, name="account-profile"),
]
