from django.apps import AppConfig


class EmbedConfig(AppConfig):
    name = "embed"
    verbose_name = "Comments"

    def ready(self) -> None:
        from corsheaders.signals import check_request_enabled

        from embed.cors import allow_tenant_origin

        check_request_enabled.connect(allow_tenant_origin, dispatch_uid="palaver-tenant-cors")
