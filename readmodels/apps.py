from django.apps import AppConfig


class ReadmodelsConfig(AppConfig):
    name = "readmodels"
    verbose_name = "Read models (query side)"

    def ready(self):
        from readmodels import push  # noqa: F401  (connects the push receivers)
        from readmodels.strategies import wire_strategies

        wire_strategies()
