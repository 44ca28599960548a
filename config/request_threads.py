"""Django's ASGI handler, made cheap for sync views: one thread hop per request, on a thread
that is reused.

Django's own handler costs far more than the view it runs, for two reasons measured with
py-spy on the command endpoints (docs/benchmarks.md, "Where a command's CPU went"):

1. **A new thread per request.** It enters a fresh `ThreadSensitiveContext` per request, and
   asgiref gives each such context its own single-thread executor: a thread started and
   joined for every request, and with it a new database connection wrapper.
2. **A dozen hops between the event loop and that thread.** In async mode Django runs each
   built-in middleware's `process_request` and `process_response` through `sync_to_async`
   one at a time, and the sync-only ones (WhiteNoise) go back through `async_to_sync`.

This handler builds the middleware chain in sync mode, so a request crosses to its thread
once, runs every middleware and the view there, and comes back once. Its thread comes from a
pool of single-thread executors that outlive requests (asgiref lets a context use a given
executor). Requests still run in parallel, each on a thread of its own, as before.

What changes for async views (the read-your-writes wait in front of queries): they now run on
the event loop while their request's thread waits for them, so a wait parks a pooled thread
(but still holds no database connection). The waits per user and process are capped
(settings.READ_YOUR_WRITES_MAX_WAITS_PER_USER), and the pool grows when every thread is busy.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers.asgi import ASGIHandler


class ReusedThreadASGIHandler(ASGIHandler):
    def __init__(self):
        self._idle_executors: list[ThreadPoolExecutor] = []
        super().__init__()

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)  # the chain runs on the request's thread

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response)(request)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django serves HTTP here, not {scope['type']}.")
        executor = self._take_executor()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            # A request cancelled by a disconnect may leave its view still running on this
            # thread: the executor runs one call at a time, so the next request just queues.
            self._idle_executors.append(executor)

    def _take_executor(self) -> ThreadPoolExecutor:
        if self._idle_executors:
            return self._idle_executors.pop()
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="django-request")
