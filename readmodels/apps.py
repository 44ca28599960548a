from django.apps import AppConfig


class ReadmodelsConfig(AppConfig):
    name = "readmodels"
    verbose_name = "Read models (query side)"

    def ready(self):
        from . import push  # noqa: F401  (connects the push receivers)
        from .strategies import wire_strategies

        wire_strategies()
