"""The docs pages (docs/*.md) as plain text, so that the app can link to them: the landing
page's "What to try" names each pattern's page. Public, as the docs are; only names of files
that exist in docs/ are served."""

from __future__ import annotations

import re

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

DOCS_DIR = settings.BASE_DIR / "docs"
PAGE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,80}")


@require_safe
def docs_page(request, name: str) -> HttpResponse:
    if not PAGE_NAME.fullmatch(name):
        raise Http404("No such docs page.")
    path = DOCS_DIR / f"{name}.md"
    if not path.is_file():
        raise Http404("No such docs page.")
    # Markdown reads well as it is; text/plain is shown by every browser, never downloaded.
    return HttpResponse(path.read_text(encoding="utf-8"), content_type="text/plain; charset=utf-8")
