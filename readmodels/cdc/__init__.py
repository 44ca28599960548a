"""Change data capture: the third way to feed read models (see docs/sync-strategies.md).

The application publishes nothing for these read models. PostgreSQL's logical decoding
streams committed row changes of the write-model tables through a replication slot; the
consumer derives domain events from before and after row images and feeds the same
projections, acknowledging a position only after the projection committed.
"""
