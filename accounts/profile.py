"""/account/profile/: a signed-in person sees and changes their name.

Their e-mail address, password and two-factor are allauth's pages, linked from the same
account menu (templates/allauth/layouts/manage.html).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .forms import NameForm
from .people import person_rename


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def profile(request):
    """The person's name (a form) and e-mail address; saving the name returns here."""
    user = request.user
    if request.method != "POST":
        form = NameForm(initial={"name": user.get_full_name()})
    else:
        form = NameForm(request.POST)
        if form.is_valid():
            person_rename(user=user, name=form.cleaned_data["name"])
            messages.success(request, gettext("Your name is saved."))
            return redirect("account-profile")
    return render(request, "accounts/profile.html", {"form": form})


# Included at /account/profile/ (config/urls.py).
urlpatterns = [
    path("", profile, name="account-profile"),
]
