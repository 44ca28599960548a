"""The web process's ASGI handler (config/request_threads.py): every request crosses from the
event loop to a thread once, runs all of Django's middleware and the view there, and that
thread is reused by later requests instead of being started and joined per request."""

import threading

import pytest
from asgiref.sync import iscoroutinefunction
from channels.testing import ApplicationCommunicator
from django.http import JsonResponse
from django.urls import path

from config.asgi import application, django_http
from tests.asgi_http import http_scope, read_response

pytestmark = [pytest.mark.django_db(transaction=True)]  # the request signals touch connections

THREADS_SEEN: list[int] = []


def remember_thread(request):
    THREADS_SEEN.append(threading.get_ident())
    return JsonResponse({"thread": threading.get_ident()})


urlpatterns = [path("thread/", remember_thread)]


async def get(path_: str) -> int:
    communicator = ApplicationCommunicator(
        application, http_scope("GET", path_, [(b"host", b"localhost:8000")])
    )
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    return (await read_response(communicator))["status"]


@pytest.fixture
def thread_urls(settings):
    settings.ROOT_URLCONF = __name__
    THREADS_SEEN.clear()


async def test_requests_one_after_another_run_on_one_reused_thread(thread_urls):
    """Django's own handler starts a new thread for every request (a fresh
    ThreadSensitiveContext each time); this one hands the next request the same thread."""
    statuses = [await get("/thread/") for _ in range(5)]

    assert statuses == [200] * 5
    assert len(THREADS_SEEN) == 5
    assert len(set(THREADS_SEEN)) == 1
    assert THREADS_SEEN[0] != threading.get_ident()  # not the event loop's thread


def test_the_middleware_chain_runs_in_sync_mode():
    """Built in async mode, the chain would hop between the event loop and a thread for each
    middleware's process_request and process_response; built in sync mode it does not hop."""
    assert not iscoroutinefunction(django_http._middleware_chain)


async def test_a_real_endpoint_answers_through_the_handler():
    assert await get("/healthz") in (200, 503)
