"""The files in deploy/ are valid as shipped: the nginx site loads in Debian's nginx and
redirects plain HTTP to HTTPS; the systemd units and the Litestream config say what the
README says they do. (local-https.sh and the restore drill run them for real elsewhere.)"""

from __future__ import annotations

import re
import signal
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from support_deploy import ROOT, free_port

DEPLOY = ROOT / "deploy"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.slow
def test_the_nginx_site_loads_and_redirects_http_to_https(tmp_path):
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=t"]
        + ["-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
        check=True,
        capture_output=True,
    )
    http_port, https_port = free_port(), free_port()
    site = (DEPLOY / "nginx" / "survey-app.conf").read_text()
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    site = re.sub(r"\n\s*listen \[::\]:\d+[^;]*;", "", site)
    site = re.sub(r"/etc/letsencrypt/live/[^/]+/fullchain.pem", str(tmp_path / "cert.pem"), site)
    site = re.sub(r"/etc/letsencrypt/live/[^/]+/privkey.pem", str(tmp_path / "key.pem"), site)
    site = site.replace("/var/log/nginx/", f"{tmp_path}/")
    site = site.replace(
        "include snippets/survey-app-proxy.conf;", f"include {DEPLOY}/nginx/survey-app-proxy.conf;"
    )
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"user root; worker_processes 1; pid {tmp_path}/nginx.pid; events {{ worker_connections 64; }}\n"
        f"http {{ client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;\n"
        f"fastcgi_temp_path {tmp_path}/f; uwsgi_temp_path {tmp_path}/u; scgi_temp_path {tmp_path}/s;\n"
        f"access_log {tmp_path}/access.log; include {tmp_path}/site.conf; }}\n"
    )
    base = [
        "nginx",
        "-e",
        str(tmp_path / "error.log"),
        "-p",
        str(tmp_path),
        "-c",
        str(tmp_path / "nginx.conf"),
    ]
    checked = subprocess.run([*base, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    nginx = subprocess.Popen([*base, "-g", "daemon off;"], stderr=subprocess.PIPE)
    try:
        opener = urllib.request.build_opener(NoRedirect)
        for _ in range(50):
            try:
                opener.open(f"http://127.0.0.1:{http_port}/forms/x?lang=fr", timeout=2)
            except urllib.error.HTTPError as exc:
                answer = exc
                break
            except OSError:
                time.sleep(0.1)
        assert answer.code == 301
        assert answer.headers["Location"] == "https://127.0.0.1/forms/x?lang=fr"
    finally:
        nginx.send_signal(signal.SIGQUIT)
        nginx.wait(timeout=20)


def test_the_units_run_what_the_readme_installs():
    app = (DEPLOY / "systemd" / "survey-app.service").read_text()
    replication = (DEPLOY / "systemd" / "survey-app-litestream.service").read_text()
    readme = (DEPLOY / "README.md").read_text()
    assert "ExecStart=/opt/survey-app/venv/bin/survey-app serve --host 127.0.0.1 --port 8000" in app
    assert (
        "EnvironmentFile=/etc/survey-app/env" in app and "EnvironmentFile=/etc/survey-app/env" in replication
    )
    assert "litestream replicate -config /etc/survey-app/litestream.yml" in replication
    assert "server 127.0.0.1:8000;" in (DEPLOY / "nginx" / "survey-app.conf").read_text()
    for name in (
        "survey-app.service",
        "survey-app-litestream.service",
        "litestream.yml",
        "survey-app-proxy.conf",
    ):
        assert name in readme
    config = (DEPLOY / "litestream.yml").read_text()
    assert "${SURVEY_APP_DATABASE}" in config and "${LITESTREAM_REPLICA_URL}" in config
