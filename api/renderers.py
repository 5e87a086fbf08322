"""JSON through orjson, CSV streamed, and ``?format=`` that wins over ``Accept``.

The CSV text itself is ``registry.csv_export.csv_lines``'s (formula cells escaped), as for every CSV.
"""

import decimal

import orjson
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, renderers
from rest_framework.negotiation import DefaultContentNegotiation


def _default(value):
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise TypeError


class ORJSONRenderer(renderers.BaseRenderer):
    """JSON through orjson. A date is written YYYY-MM-DD and a date-time in UTC with a ``Z``, as
    ``api.serializers.iso_datetime`` writes it (the affiliate list leaves its dates to orjson)."""

    media_type = "application/json"
    format = "json"
    charset = None  # JSON is UTF-8 by definition

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        return orjson.dumps(data, default=_default, option=orjson.OPT_UTC_Z)


class CSVRenderer(renderers.BaseRenderer):
    """Declares ``text/csv`` for content negotiation; the list view streams the body itself."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        raise NotImplementedError("CSV is streamed by the view; errors are rendered as JSON")


class FormatFirstContentNegotiation(DefaultContentNegotiation):
    """``?format=csv`` picks the CSV renderer whatever ``Accept`` says; an unknown format is a 406."""

    def select_renderer(self, request, renderers, format_suffix=None):
        wanted = format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        if not wanted:
            return super().select_renderer(request, renderers, format_suffix)
        for renderer in renderers:
            if renderer.format == wanted:
                return renderer, renderer.media_type
        available = ", ".join(renderer.format for renderer in renderers)
        raise exceptions.NotAcceptable(
            _("Unknown format '%(format)s'. This endpoint offers: %(available)s.")
            % {"format": wanted[:20], "available": available}
        )
