"""drf-spectacular's settings: the OpenAPI schema at /api/schema/, Swagger UI at /api/docs/.

Kept out of settings.py, which imports this. Plain data only: this module is read while
Django's settings load, so anything it names is an import string resolved later. How the
schema is made is config/openapi.py; docs/api-schema.md says how to regenerate it.
"""

SPECTACULAR_SETTINGS = {
    "TITLE": "Orders API",
    "DESCRIPTION": (
        "Commands change orders (the write model); queries answer from read models that may "
        "lag behind, and say how fresh they are in `metadata`. A command returns a "
        "`consistencyToken`; pass it to a query with `waitMs` to read your own write.\n\n"
        "Authentication is Django's session (log in at /accounts/login/). Unsafe methods also "
        "need the `X-CSRFToken` header with the value of the `csrftoken` cookie."
    ),
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.0.3",
    "DEFAULT_GENERATOR_CLASS": "config.openapi.SchemaGenerator",
    "PREPROCESSING_HOOKS": ["config.openapi.drop_trailing_slash_aliases"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.openapi.empty_query_values_mean_absent",
        "config.openapi.add_plain_django_endpoints",
    ],
    # Docstrings are written for developers (why, preconditions); the schema has its own words.
    "DISABLE_DOCSTRING_DESCRIPTIONS": True,
    # Request bodies get minLength 1 where blank strings are refused, as the server does.
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "OrderStatus": "config.api_shapes.ORDER_STATUSES",
        "ReadModelName": "readmodels.queries.schema.READ_MODEL_NAMES",
        "SyncStrategy": "readmodels.queries.schema.STRATEGY_NAMES",
        "RuleStatus": "readmodels.ops.schema.RULE_STATUSES",
        "ValidationErrorCode": "config.api_shapes.VALIDATION_ERROR_CODES",
        "ReplayOutcomeName": "readmodels.ops.schema.REPLAY_OUTCOMES",
        "BehindReason": "readmodels.queries.schema.BEHIND_REASONS",
        "Completeness": "readmodels.queries.schema.COMPLETENESS",
        "ProvisionalReason": "readmodels.queries.schema.PROVISIONAL_REASONS",
        "JourneyState": "readmodels.queries.journey.JOURNEY_STATES",
    },
    "ENUM_ADD_EXPLICIT_BLANK_NULL_CHOICE": False,
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
    "TAGS": [
        {"name": "commands", "description": "Change an order (write model)."},
        {"name": "queries", "description": "Read orders from read models, with freshness."},
        {"name": "catalogue"},
        {"name": "account"},
        {"name": "operations", "description": "Staff only, except /healthz and /metrics."},
    ],
    # The schema itself is not part of the API it describes.
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files come from the drf-spectacular-sidecar package, served under /static/:
    # no CDN at run time.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No "valid" badge from validator.swagger.io: nothing is fetched from outside.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}
