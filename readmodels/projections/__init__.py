"""The registry of read models. Names match orders.subscriptions.READ_MODELS."""

from orders.subscriptions import READ_MODELS
from readmodels.projections.analytics import AnalyticsProjection
from readmodels.projections.base import Projection
from readmodels.projections.details import DetailsProjection
from readmodels.projections.search import SearchProjection
from readmodels.projections.summaries import SummariesProjection

PROJECTIONS: dict[str, Projection] = {
    projection.name: projection
    for projection in (
        SummariesProjection(),
        DetailsProjection(),
        SearchProjection(),
        AnalyticsProjection(),
    )
}

assert tuple(PROJECTIONS) == READ_MODELS, "every subscribed read model needs a projection"


def get_projection(name: str) -> Projection:
    try:
        return PROJECTIONS[name]
    except KeyError:
        raise ValueError(f"unknown read model {name!r}; known: {', '.join(PROJECTIONS)}") from None
