from django.apps import AppConfig


class ReadmodelsConfig(AppConfig):
    name = "readmodels"
    verbose_name = "Read models (query side)"

    def ready(self):
        from readmodels.pipeline.strategies import wire_strategies
        from readmodels.push import sender as push  # noqa: F401  (connects the push receivers)

        wire_strategies()
