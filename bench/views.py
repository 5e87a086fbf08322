"""The bench-only views that the affiliate endpoint is compared with (mounted by ``bench.urls`` only).

- ``raw_affiliates``: the limit. The endpoint's own first-page SQL, run through a cursor,
  rows turned into the same JSON with ``orjson`` — no DRF, no form, no per-row model code.
- ``NaiveAffiliateList``: what plain DRF gives: ``ListAPIView`` + ``ModelSerializer`` with the
  region nested, page-number pagination (so a COUNT(*) per page). Good standing is the registry's
  own expression, the endpoint's, so that the two differ by what DRF does and not by the query plan.
- ``bare``: a ``JsonResponse`` and nothing else: the cost of the server and middleware alone.
"""

import orjson
from django.db import connections
from django.db.models import F
from django.http import HttpResponse, JsonResponse
from django_countries import countries
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.utils.urls import replace_query_param

from api.pagination import Cursor, encode_cursor, ordered
from registry.models import MembershipState, Organization, Region
from registry.selectors import affiliate_rows, organization_good_standing_value, today

from .routing import current_alias

# --- the limit: the same SQL through a cursor -----------------------------------------------------

COUNTRY_NAMES = {code: str(name) for code, name in countries}
_statements: dict[tuple[str, int], tuple[str, tuple, list[str]]] = {}


def first_page_statement(alias: str, page_size: int) -> tuple[str, tuple, list[str]]:
    """The SQL, parameters and column names of the endpoint's first page (name order), built once."""
    key = (alias, page_size)
    if key not in _statements:
        queryset = ordered(affiliate_rows(), "name")[: page_size + 1]
        query = queryset.query
        sql, params = query.get_compiler(alias).as_sql()
        # The order Django itself reads a values() row in (django.db.models.query.ValuesIterable).
        if query.selected:
            names = list(query.selected)
        else:
            names = [*query.extra_select, *query.values_select, *query.annotation_select]
        _statements[key] = (sql, tuple(params), names)
    return _statements[key]


def raw_affiliates(request):
    page_size = int(request.GET.get("page_size", 50))
    alias = current_alias()
    sql, params, names = first_page_statement(alias, page_size)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    c = {name: i for i, name in enumerate(names)}
    slug, name, acronym, country, region_code, region_name = (
        c["slug"],
        c["name"],
        c["acronym"],
        c["country"],
        c["region__code"],
        c["region__name"],
    )
    name_latin = c["name_latin"]
    city, website, category, admitted_on, good, updated_at = (
        c["city"],
        c["website"],
        c["category"],
        c["admitted_on"],
        c["in_good_standing"],
        c["updated_at"],
    )
    results = [
        {
            "slug": row[slug],
            "name": row[name],
            "name_latin": row[name_latin],
            "acronym": row[acronym],
            "country": {"code": row[country], "name": COUNTRY_NAMES.get(row[country], "")},
            "region": {"code": row[region_code], "name": row[region_name]},
            "city": row[city],
            "website": row[website],
            "category": row[category],
            "admitted_on": row[admitted_on],
            "in_good_standing": bool(row[good]),
            "updated_at": row[updated_at],
        }
        for row in rows[:page_size]
    ]
    following = None
    if len(rows) > page_size:
        last = rows[page_size - 1]
        cursor_value = encode_cursor(Cursor(ordering="name", value=last[name], pk=last[c["id"]]))
        following = replace_query_param(request.build_absolute_uri(), "cursor", cursor_value)
    body = {"next": following, "previous": None, "results": results}
    return HttpResponse(orjson.dumps(body, option=orjson.OPT_UTC_Z), content_type="application/json")


# --- plain DRF ------------------------------------------------------------------------------------------


class NaiveRegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name"]


class NaiveAffiliateSerializer(serializers.ModelSerializer):
    country = serializers.SerializerMethodField()
    region = NaiveRegionSerializer(read_only=True)
    category = serializers.CharField(read_only=True)
    admitted_on = serializers.DateField(read_only=True)
    in_good_standing = serializers.BooleanField(read_only=True)

    class Meta:
        model = Organization
        fields = [
            "slug",
            "name",
            "name_latin",
            "acronym",
            "country",
            "region",
            "city",
            "website",
            "category",
            "admitted_on",
            "in_good_standing",
            "updated_at",
        ]

    def get_country(self, organization) -> dict:
        return {"code": organization.country.code, "name": organization.country.name}


class NaivePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class NaiveAffiliateList(ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = NaiveAffiliateSerializer
    pagination_class = NaivePagination

    def get_queryset(self):
        return (
            Organization.objects.filter(memberships__state=MembershipState.ACTIVE)
            .annotate(
                category=F("memberships__category"),
                admitted_on=F("memberships__admitted_on"),
                in_good_standing=organization_good_standing_value(today()),
            )
            .select_related("region")
            .order_by("name", "id")
        )


# --- the floor ------------------------------------------------------------------------------------------


def bare(request):
    return JsonResponse({"ok": True})
