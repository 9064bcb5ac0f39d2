"""Locust user for bench/pages.py's throughput runs (a second process, on loopback).

pages.py runs it as
    locust -f bench/locustfile.py --headless -u N -r N -t Ss --host http://127.0.0.1:PORT ...
with the page in BENCH_PATH and the signed-in session's cookie in BENCH_COOKIE. Each user asks
for the page again as soon as it has the answer (closed loop, no think time), so the rate is the
server's throughput at N concurrent clients. This file runs in locust's own virtualenv
(bench/.venv-locust): it imports nothing from the portal.
"""

import os

from locust import FastHttpUser, constant, task

PATH = os.environ.get("BENCH_PATH", "/healthz")
HEADERS = {
    "Cookie": os.environ.get("BENCH_COOKIE", ""),
    # As behind the TLS-terminating proxy in production (SECURE_PROXY_SSL_HEADER).
    "X-Forwarded-Proto": "https",
    "Host": "127.0.0.1",
}


class PageUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def page(self):
        with self.client.get(PATH, headers=HEADERS, name=PATH, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
