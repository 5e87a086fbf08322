from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from accounts.language import set_language
from ops import health
from registry import certificate_views
from registry import views as registry_views

# The admin's log-in is allauth's: the same rate limits and two-factor apply there.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", registry_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("directory/", registry_views.directory, name="directory"),
    path("directory/<slug:slug>/", registry_views.affiliate_detail, name="affiliate-detail"),
    path("language/", set_language, name="set_language"),  # the switcher on every page
    path("privacy/", registry_views.privacy, name="privacy"),
    path("statistics/", registry_views.statistics, name="statistics"),
    path(
        ".well-known/federation-registry-keys.json",
        certificate_views.certificate_keys,
        name="certificate-keys",
    ),
    path("verify/<str:token>/", certificate_views.certificate_verify, name="certificate-verify"),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("accounts/", include("allauth.urls")),
    path("account/tokens/", include("accounts.tokens")),  # personal API tokens
    path("account/profile/", include("accounts.profile")),  # the person's name
    path("", include("portal.urls")),
]

admin.site.site_header = "Federation Registry"
admin.site.site_title = "Federation Registry"
admin.site.index_title = "Secretariat"
