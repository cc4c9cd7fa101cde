"""What the app needs from the server it runs under: a body-read timeout and proxy headers.

Body timeout: gunicorn's threaded workers read a request body on the thread that serves
it, with no time limit, so a phone whose upload stalls (headers sent, body never
finished) holds a thread for good; a few dozen of them starved every valid sync. Reads of
the body here give up after ``BODY_TIMEOUT_SECONDS`` without a byte, and the request is
answered 408 and closed (the phone keeps its records and retries). Behind nginx bodies
arrive whole (nginx buffers them), so this only ever bites without a proxy.

Proxy headers: ``TRUSTED_PROXIES`` (one setting, also used by the rate limits) says how
many proxies stand in front; only then are ``X-Forwarded-For`` and ``X-Forwarded-Proto``
believed, through Werkzeug's ProxyFix, so a client cannot claim an address or https.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.exceptions import RequestTimeout
from werkzeug.middleware.proxy_fix import ProxyFix


class BodyStalled(RequestTimeout):
    """The client stopped sending its body. Not an ``OSError``: Werkzeug would turn that
    into a 400 "client disconnected", and the phone must hear 408 (keep it, retry)."""


class TimedInput:
    """``wsgi.input`` whose reads fail with ``TimeoutError`` after ``seconds`` of silence."""

    def __init__(self, stream, sock, seconds: float):
        self._stream, self._sock, self._seconds = stream, sock, seconds

    def _timed(self, method, *args):
        self._sock.settimeout(self._seconds)
        try:
            return method(*args)
        except TimeoutError as exc:
            raise BodyStalled() from exc
        finally:
            self._sock.settimeout(None)  # gunicorn's own reads and writes stay blocking

    def read(self, *args):
        return self._timed(self._stream.read, *args)

    def readline(self, *args):
        return self._timed(self._stream.readline, *args)

    def readlines(self, *args):
        return self._timed(self._stream.readlines, *args)

    def __iter__(self):
        while line := self.readline():
            yield line


class BodyTimeout:
    """WSGI middleware: time-limited body reads when gunicorn gives us its socket."""

    def __init__(self, wsgi_app, seconds: float):
        self.wsgi_app, self.seconds = wsgi_app, seconds

    def __call__(self, environ, start_response):
        sock = environ.get("gunicorn.socket")
        if sock is not None and self.seconds > 0:
            environ["wsgi.input"] = TimedInput(environ["wsgi.input"], sock, self.seconds)
        return self.wsgi_app(environ, start_response)


def init_app(app: Flask) -> None:
    hops = app.config["TRUSTED_PROXIES"]
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    app.wsgi_app = BodyTimeout(app.wsgi_app, app.config["BODY_TIMEOUT_SECONDS"])
