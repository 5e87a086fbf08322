"""The language a person reads: chosen on any page (the switcher), kept on their account.

- A visitor's first page is in the language their browser asks for (``Accept-Language``,
  Django's ``LocaleMiddleware``); the switcher's choice is then kept in a cookie.
- A signed-in person's choice is also kept on their account (``Preferences.language``): it
  is copied into the session when they log in, so every page follows it without a query
  (``PreferredLanguageMiddleware``), and their e-mails are written in it (``language_of``).
- Signing up records the language the person signed up in as their choice.
"""

from django.conf import settings
from django.db.models.functions import Lower
from django.http import HttpResponseRedirect
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import LANGUAGE_QUERY_PARAMETER
from django.views.i18n import set_language as django_set_language

from .models import Preferences

SESSION_KEY = "preferred_language"


def supported(code: str | None) -> str:
    """``code`` if it is one of ``settings.LANGUAGES``, else the empty string."""
    return code if code and code in dict(settings.LANGUAGES) else ""


def language_of(user) -> str:
    """The language ``user``'s e-mails are written in: their choice, else the site's default."""
    if user is None or not getattr(user, "pk", None):
        return settings.LANGUAGE_CODE
    return languages_of([user.pk]).get(user.pk, settings.LANGUAGE_CODE)


def languages_of(user_ids) -> dict[int, str]:
    """{user id: their chosen language} for those of ``user_ids`` who chose one (one query)."""
    ids = {pk for pk in user_ids if pk is not None}
    if not ids:
        return {}
    chosen = Preferences.objects.filter(user_id__in=ids).exclude(language="")
    return {user_id: code for user_id, code in chosen.values_list("user_id", "language") if supported(code)}


def loaded_language(user) -> str | None:
    """``user``'s choice when it was read with the account (``select_related("preferences")``):
    the code, or "" when none is chosen (or no longer offered); None when it was not read."""
    related = type(user).preferences.related
    if not related.is_cached(user):
        return None
    preferences = related.get_cached_value(user)
    return supported(preferences.language) if preferences is not None else ""


def languages_of_addresses(addresses) -> dict[str, str]:
    """{lower-cased e-mail address: the chosen language} for the accounts with those addresses that
    chose one (one query); an address without an account is left out."""
    lowered = {address.lower() for address in addresses if address}
    if not lowered:
        return {}
    chosen = (
        Preferences.objects.annotate(address=Lower("user__email"))
        .filter(address__in=lowered)
        .exclude(language="")
        .values_list("address", "language")
    )
    return {address: code for address, code in chosen if supported(code)}


def language_choose(*, user, language: str, request=None) -> None:
    """Keep ``language`` as ``user``'s choice (and in ``request``'s session, for the next pages).

    Check the code, save it on the account, copy it into the session.
    """
    language = supported(language)
    if not language:
        raise ValueError(f"Unsupported language {language!r}")
    Preferences.objects.update_or_create(user=user, defaults={"language": language})
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = language


@require_POST
def set_language(request):
    """Django's ``set_language`` (the cookie, back to the page), and for a signed-in person the
    choice kept on their account too."""
    response = django_set_language(request)
    language = supported(request.POST.get(LANGUAGE_QUERY_PARAMETER))
    if language and request.user.is_authenticated and isinstance(response, HttpResponseRedirect):
        language_choose(user=request.user, language=language, request=request)
    return response


class PreferredLanguageMiddleware:
    """After ``AuthenticationMiddleware``: a signed-in person's pages are in the language kept on their
    account (copied into the session at log-in), whatever the cookie or the browser says."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        language = supported(session.get(SESSION_KEY)) if session is not None else ""
        if language and request.user.is_authenticated:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            # After logging out, the pages stay in the person's language.
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response


def on_logged_in(sender, request, user, **kwargs) -> None:
    """Copy the person's chosen language into the session; keep the one they browse in otherwise."""
    if request is None or not hasattr(request, "session"):
        return
    chosen = languages_of([user.pk]).get(user.pk, "")
    if chosen:
        request.session[SESSION_KEY] = chosen
        translation.activate(chosen)
        request.LANGUAGE_CODE = chosen


def on_signed_up(sender, request, user, **kwargs) -> None:
    """A new account's language is the one its person signed up in."""
    language = supported(translation.get_language())
    if language:
        Preferences.objects.get_or_create(user=user, defaults={"language": language})
        if request is not None and hasattr(request, "session"):
            request.session[SESSION_KEY] = language
