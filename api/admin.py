from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from .models import PartnerKey

# The API accepts partner keys only; the package's generic key would not work, so it is not offered.
if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)


@admin.register(PartnerKey)
class PartnerKeyAdmin(APIKeyModelAdmin):
    list_display = [
        "prefix",
        "organization_name",
        "name",
        "contact_email",
        "created",
        "expiry_date",
        "_has_expired",
        "revoked",
    ]
    list_filter = ["revoked", "created", "expiry_date"]
    search_fields = ["organization_name", "name", "prefix", "contact_email"]
    fields = ["organization_name", "contact_email", "name", "prefix", "expiry_date", "revoked"]

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        key = PartnerKey.objects.assign_key(obj)
        obj.save()
        messages.warning(
            request,
            _(
                "The API key for {partner} is: {key} — copy it now and send it to the partner safely. "
                "It is stored hashed and will not be shown again."
            ).format(partner=obj.organization_name, key=key),
        )
