"""Stalled uploads cannot starve the app server (no proxy in front: ``survey-app serve``).

Measured before issue 10: 64 uploads that sent their headers and never finished their
body made 8 of 12 valid syncs time out, because gunicorn's threads read bodies with no
time limit. Here a server with two threads gets many more stalled uploads than it has
threads; every valid sync must still be answered, and each stalled one is cut off with
408 after ``BODY_TIMEOUT_SECONDS`` without a byte.
"""

from __future__ import annotations

import socket
import threading

import pytest
from support_coordinators import item, session
from support_deploy import Served, copy_database, post_batch, token_for

pytestmark = pytest.mark.slow
STALLED = 12


def stalled_upload(port: int, path: str, token: str | None) -> socket.socket:
    """Headers and the first bytes of a body that promises 4000 bytes, then nothing."""
    sock = socket.create_connection(("127.0.0.1", port))
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: 4000\r\n{auth}\r\n"
    )
    sock.sendall(head.encode() + b'{"submissions": [')
    return sock


def test_stalled_uploads_are_cut_off_and_valid_syncs_all_answer(tmp_path, template_database):
    database = copy_database(template_database, tmp_path)
    token = token_for(database)
    server = Served(database, workers=1, THREADS="2", BODY_TIMEOUT_SECONDS="1")
    stalled = []
    try:
        stalled = [stalled_upload(server.port, "/api/v1/submissions", token) for _ in range(STALLED)]
        results: list = [None] * 6

        def sync(n):
            try:
                results[n] = post_batch(server.url, token, [item(session(n))], timeout=40)
            except OSError as exc:  # what happened before: the valid sync timed out
                results[n] = (repr(exc), None)

        threads = [threading.Thread(target=sync, args=(n,)) for n in range(len(results))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert [status for status, _ in results] == [200] * len(results), results
        for sock in stalled:
            sock.settimeout(30)
            answer = sock.recv(4096).decode(errors="replace")
            assert answer.startswith("HTTP/1.1 408"), answer
    finally:
        for sock in stalled:
            sock.close()
        server.stop()
