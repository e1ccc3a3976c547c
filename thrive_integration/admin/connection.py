"""Connection admin: the key goes in write-only, is checked against Thrive, and shows as a hint.

As in dj-stripe, the add form calls the API before anything is saved: a key Thrive refuses (or
a Thrive that cannot be reached) is an error on the form, while a key that merely lacks some
permissions is saved and the missing ones are shown, so the admin can ask Thrive for them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy

from ..conf import integration_settings
from ..connections import (
    check_deletable,
    create_connection,
    delete_connection,
    disconnect,
    rotate_api_key,
    validate_api_key,
    validate_base_url,
)
from ..exceptions import ConfigurationError, SyncLocked
from ..models import Connection, ConnectionStatus, RunStatus, SyncRun
from ..schedules import check_schedulable, sync_schedules
from ..sync.runner import request_sync
from ..verify import verify_connection
from .sync import queue_runs

# Verification outcomes that mean the key cannot be used at all: refuse to save it.
UNUSABLE = (ConnectionStatus.INVALID_KEY, ConnectionStatus.UNREACHABLE)


def _checked(check, value: str) -> str:
    try:
        return check(value)
    except ConfigurationError as exc:
        raise ValidationError(str(exc)) from None


def api_key_field() -> forms.CharField:
    # render_value=False: a form shown again after an error never echoes the key.
    return forms.CharField(
        label="API key",
        max_length=500,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )


def base_url_field() -> forms.URLField:
    return forms.URLField(label="Base URL", max_length=500, assume_scheme="https")


class ConnectionAddForm(forms.ModelForm):
    base_url = base_url_field()
    api_key = api_key_field()

    class Meta:
        model = Connection
        fields = ("owner", "name", "base_url")

    def clean_base_url(self) -> str:
        return _checked(validate_base_url, self.cleaned_data["base_url"])

    def clean_api_key(self) -> str:
        return _checked(validate_api_key, self.cleaned_data["api_key"])

    def _post_clean(self) -> None:
        # After the model's own checks (unique owner + name), as UserCreationForm does for
        # passwords: only a form valid in every other way costs a round of calls to Thrive.
        super()._post_clean()
        if not self.errors:
            self._create_verified()

    def _create_verified(self) -> None:
        """Create and verify in a savepoint; undo it if Thrive refused the key."""
        data = self.cleaned_data
        with transaction.atomic():
            connection = create_connection(
                owner=data["owner"],
                name=data["name"],
                api_key=data["api_key"],
                base_url=data["base_url"],
            )
            verify_connection(connection)
            if connection.status in UNUSABLE:
                transaction.set_rollback(True)
                error = connection.permission_report.get("error", "")
                self.add_error(
                    "api_key", f"{connection.get_status_display()}: {error}".rstrip(": ")
                )
                return
        self.instance = connection


class ConnectionChangeForm(forms.ModelForm):
    # The base URL changes only with a new key (the replace-key form): a stored key is never
    # sent to a URL it was not entered for.
    class Meta:
        model = Connection
        fields = (
            "name",
            "import_enabled",
            "import_interval_minutes",
            "export_enabled",
            "export_interval_minutes",
        )

    def _post_clean(self) -> None:
        # After the form's values are on the instance: the core decides what may be scheduled.
        super()._post_clean()
        try:
            check_schedulable(self.instance)
        except ConfigurationError as exc:
            self.add_error(None, str(exc))


class RotateKeyForm(forms.Form):
    api_key = api_key_field()
    base_url = forms.URLField(
        label="New base URL",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="Leave empty to keep the current base URL.",
    )

    def clean_base_url(self) -> str:
        url = self.cleaned_data["base_url"]
        return _checked(validate_base_url, url) if url else ""

    def clean_api_key(self) -> str:
        return _checked(validate_api_key, self.cleaned_data["api_key"])


@contextmanager
def _naming(connection: Connection) -> Iterator[None]:
    """A refusal of one of several connections, naming it."""
    try:
        yield
    except SyncLocked as exc:
        raise SyncLocked(f"“{connection}”: {exc}") from None


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "masked_key", "status", "verified_at", "latest_run")
    list_filter = ("status",)
    search_fields = ("name", "owner")
    actions = ("delete_selected", "verify_selected", "sync_selected", "disconnect_selected")
    readonly_fields = (
        "owner",
        "base_url",
        "masked_key",
        "status",
        "verified_at",
        "permission_summary",
        "latest_run",
        "rotate_key_link",
    )

    def get_form(self, request: HttpRequest, obj: Connection | None = None, **kwargs: Any):
        kwargs["form"] = ConnectionAddForm if obj is None else ConnectionChangeForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Connection | None = None):
        if obj is None:
            return ("owner", "name", "base_url", "api_key")
        return (*ConnectionChangeForm.Meta.fields, *self.readonly_fields)

    def get_readonly_fields(self, request: HttpRequest, obj: Connection | None = None):
        return () if obj is None else self.readonly_fields

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("owner", integration_settings.OWNER_RESOLVER(request) or "")
        initial.setdefault("base_url", integration_settings.DEFAULT_BASE_URL)
        return initial

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The newest run's id, kind and status in the same query: no query per listed row.
        newest = SyncRun.objects.filter(connection=OuterRef("pk")).order_by("-id")
        return (
            super()
            .get_queryset(request)
            .annotate(
                latest_run_id=Subquery(newest.values("pk")[:1]),
                latest_run_kind=Subquery(newest.values("kind")[:1]),
                latest_run_status=Subquery(newest.values("status")[:1]),
            )
        )

    def save_model(self, request, obj: Connection, form, change: bool) -> None:
        # A new connection was created and verified by its form; a change may touch the
        # schedule, whose django-q rows must follow.
        with transaction.atomic():
            obj.save()
            sync_schedules(obj)
        if not change and obj.missing_permissions:
            self.message_user(
                request,
                f"Saved, but the key lacks {len(obj.missing_permissions)} permissions.",
                messages.WARNING,
            )

    # ---- delete ----------------------------------------------------------------------
    # Refused while a run of the connection is active (the core raises SyncLocked): the
    # confirmation page is not shown and, should a run start after it was, the deletion is
    # undone (Django's log of it too) and the page says why instead of failing.
    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple:
        """What deleting connections takes with them, counted per kind of record.

        Their runs, mirrors and outbox are read-only in the admin yet belong to them, so
        deleting a connection needs only the permission to delete it (Django would ask for
        the permission to delete each kind, which nobody has); and an imported account holds
        hundreds of thousands of records, too many to list on a page.
        """
        connections = list(objs)
        counts = {}
        for model in apps.get_app_config("thrive_integration").get_models():
            owned = [
                field
                for field in model._meta.concrete_fields
                if field.many_to_one and field.related_model is Connection
            ]
            if owned:
                lookup = {f"{owned[0].name}__in": connections}
                if count := model._default_manager.filter(**lookup).count():
                    counts[model._meta.verbose_name_plural] = count
        return [str(connection) for connection in connections], counts, set(), []

    def delete_model(self, request: HttpRequest, obj: Connection) -> None:
        delete_connection(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        with transaction.atomic():
            for connection in queryset:
                with _naming(connection):
                    delete_connection(connection)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        connection = self.get_object(request, unquote(object_id))
        try:
            if connection is not None and self.has_delete_permission(request, connection):
                check_deletable(connection)
            return super().delete_view(request, object_id, extra_context)
        except SyncLocked as exc:
            self.message_user(request, f"Not deleted. {exc}", messages.ERROR)
            change_url = reverse("admin:thrive_integration_connection_change", args=[object_id])
            return HttpResponseRedirect(change_url)

    @admin.action(
        permissions=["delete"],
        description=gettext_lazy("Delete selected %(verbose_name_plural)s"),
    )
    def delete_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        """Django's own action, refused as a whole while a selected connection is busy."""
        try:
            for connection in queryset:
                with _naming(connection):
                    check_deletable(connection)
            if not request.POST.get("post"):  # the confirmation page
                return django_delete_selected(self, request, queryset)
            with transaction.atomic():
                return django_delete_selected(self, request, queryset)
        except SyncLocked as exc:
            self.message_user(request, f"Nothing was deleted. {exc}", messages.ERROR)
            return None

    # ---- display ---------------------------------------------------------------------
    @admin.display(description="API key")
    def masked_key(self, connection: Connection) -> str:
        return f"••••{connection.api_key_hint}" if connection.api_key_hint else "••••"

    @admin.display(description="Latest permission report")
    def permission_summary(self, connection: Connection) -> str:
        report = connection.permission_report
        if not report:
            return "Not verified yet."
        if report.get("error"):
            return format_html("<strong>{}</strong>", report["error"])
        granted, missing = report.get("granted", []), report.get("missing", [])
        summary = format_html(
            "{} of {} required operations granted.", len(granted), len(granted) + len(missing)
        )
        created = report.get("created_by_probes", [])
        if created:
            summary = format_html(
                "{}<ul class='created-by-probes'>{}</ul>",
                summary,
                format_html_join(
                    "",
                    "<li>Thrive accepted the empty {} probe and made record {}: {}</li>",
                    (
                        (
                            item["operation"],
                            item["record_id"],
                            "deleted again" if item["removed"] else "not deleted, delete it",
                        )
                        for item in created
                    ),
                ),
            )
        if not missing:
            return summary
        groups = format_html_join(
            "",
            "<li>{}<ul>{}</ul></li>",
            (
                (group, format_html_join("", "<li>{}</li>", ((label,) for label in labels)))
                for group, labels in report.get("missing_by_group", {}).items()
            ),
        )
        return format_html("{}<br>Missing:<ul class='missing-permissions'>{}</ul>", summary, groups)

    @admin.display(description="Latest sync run")
    def latest_run(self, connection: Connection) -> str:
        run_id = getattr(connection, "latest_run_id", None)
        if run_id is None:
            return "No sync yet."
        url = reverse("admin:thrive_integration_syncrun_change", args=[run_id])
        status = RunStatus(connection.latest_run_status).label
        return format_html(
            '<a href="{}">#{} {}</a>: {}', url, run_id, connection.latest_run_kind, status
        )

    @admin.display(description="Rotate key")
    def rotate_key_link(self, connection: Connection) -> str:
        url = reverse("admin:thrive_integration_connection_rotate_key", args=[connection.pk])
        return format_html('<a class="button" href="{}">Replace the API key…</a>', url)

    # ---- actions ---------------------------------------------------------------------
    @admin.action(description="Verify the key with Thrive")
    def verify_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        for connection in queryset:
            connection = verify_connection(connection)
            active = connection.status == ConnectionStatus.ACTIVE
            level = messages.SUCCESS if active else messages.WARNING
            self.message_user(
                request,
                f"{connection.name}: {connection.get_status_display()}"
                f" ({len(connection.missing_permissions)} permissions missing)",
                level,
            )

    @admin.action(description="Sync now")
    def sync_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        queue_runs(
            self,
            request,
            queryset,
            lambda connection: request_sync(connection, trigger=SyncRun.Trigger.MANUAL),
        )

    @admin.action(description="Disconnect (stop scheduled work, keep data)")
    def disconnect_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        for connection in queryset:
            disconnect(connection)
        self.message_user(request, f"Disconnected {len(queryset)} connection(s).")

    # ---- rotate key --------------------------------------------------------------------
    def get_urls(self):
        rotate = path(
            "<int:object_id>/rotate-key/",
            self.admin_site.admin_view(self.rotate_key_view),
            name="thrive_integration_connection_rotate_key",
        )
        return [rotate, *super().get_urls()]

    def rotate_key_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        connection = get_object_or_404(Connection, pk=object_id)
        if not self.has_change_permission(request, connection):
            raise PermissionDenied
        form = RotateKeyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            rotate_api_key(
                connection, form.cleaned_data["api_key"], base_url=form.cleaned_data["base_url"]
            )
            self.message_user(request, "Key replaced; verify the connection to check it.")
            change_url = reverse("admin:thrive_integration_connection_change", args=[object_id])
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Rotate the API key of {connection.name}",
            "opts": self.model._meta,
            "original": connection,
            "form": form,
        }
        return TemplateResponse(request, "admin/thrive_integration/rotate_key.html", context)
