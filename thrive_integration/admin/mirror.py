"""Mirrored Thrive objects, read-only and searchable, with the raw payload pretty-printed."""

from __future__ import annotations

import json

from django.contrib import admin
from django.db.models import Model
from django.utils.html import format_html

from ..sync.payloads import full_payloads
from ..sync.registry import RESOURCES
from .base import ReadOnlyModelAdmin

# Columns worth searching, where a model has them (remote_id always).
SEARCHABLE = ("name", "first_name", "last_name", "email", "title", "company_name", "file_name")


class MirrorAdmin(ReadOnlyModelAdmin):
    list_filter = ("connection", "remote_deleted_at")
    list_select_related = ("connection",)

    def get_list_display(self, request):
        return ("remote_id", "__str__", "connection", "remote_updated_at", "remote_deleted_at")

    def get_search_fields(self, request):
        names = {field.name for field in self.model._meta.concrete_fields}
        return ("remote_id", *(name for name in SEARCHABLE if name in names))

    def get_fields(self, request, obj=None):
        hidden = {"id", "remote_data"}
        names = [f.name for f in self.model._meta.concrete_fields if f.name not in hidden]
        return [*names, "payload"]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description="Raw Thrive payload")
    def payload(self, record: Model) -> str:
        # format_html escapes: note bodies are Thrive's HTML and may carry hostile markup.
        data = full_payloads(type(record), {record.pk: record.remote_data})[record.pk]
        text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)
        return format_html('<pre class="thrive-payload">{}</pre>', text)


def _mirror_models() -> list[type[Model]]:
    """Every mirrored model: each resource's and each of its children's."""
    found: list[type[Model]] = []
    for spec in RESOURCES:
        for model in (spec.model, *(child.model for child in spec.children)):
            if model not in found:
                found.append(model)
    return found


for _model in _mirror_models():
    admin.site.register(_model, MirrorAdmin)
