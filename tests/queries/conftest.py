from tests.pipeline.conftest import processes  # noqa: F401  (real worker and relay processes)
