from django.contrib import admin
from django.urls import path

from registry import views as registry_views

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("directory/", registry_views.directory, name="directory"),
    path("directory/<slug:slug>/", registry_views.affiliate_detail, name="affiliate-detail"),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "Federation Registry"
admin.site.site_title = "Federation Registry"
admin.site.index_title = "Secretariat"
