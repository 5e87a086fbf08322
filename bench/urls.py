"""The site's URLs with the bench-only views in front (``bench.settings`` only; never in production)."""

from django.urls import path

from config.urls import urlpatterns as site_urlpatterns

from . import views

urlpatterns = [
    path("bench/raw/affiliates/", views.raw_affiliates, name="bench-raw-affiliates"),
    path("bench/naive/affiliates/", views.NaiveAffiliateList.as_view(), name="bench-naive-affiliates"),
    path("bench/bare/", views.bare, name="bench-bare"),
    *site_urlpatterns,
]
