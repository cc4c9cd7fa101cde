#!/bin/sh
# deploy/local-https.sh PORT: the deployment's nginx config on https://127.0.0.1:PORT with a
# self-signed certificate, in front of `survey-app serve`, for trying it and for tests.
#
#   deploy/local-https.sh 8443        # then open https://127.0.0.1:8443/ (accept the certificate)
#
# Uses deploy/nginx/survey-app-proxy.conf, the file a real server includes, with the same
# settings the app has there (SURVEY_APP_TRUSTED_PROXIES=1, SECURE_COOKIES=1, BASE_URL).
# The database is whatever SURVEY_APP_DATABASE (or the default instance) names; create it
# first with `survey-app init`. Ctrl-C or SIGTERM stops nginx and the app and removes the
# temporary folder (certificate, config, nginx's temp files). Needs nginx and openssl
# (apt-get install nginx openssl); nginx runs in the foreground, not as the system service.
set -eu

PORT="${1:?usage: deploy/local-https.sh PORT}"
HERE="$(cd "$(dirname "$0")" && pwd)"
SNIPPET="$HERE/nginx/survey-app-proxy.conf"
if [ -n "${SURVEY_APP_BIN:-}" ]; then APP="$SURVEY_APP_BIN"
elif [ -x "$HERE/../.venv/bin/survey-app" ]; then APP="$HERE/../.venv/bin/survey-app"
else APP="$(command -v survey-app)" || { echo "survey-app is not installed" >&2; exit 1; }
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$NGINX" ] || { echo "nginx is not installed: apt-get install nginx" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/survey-https.XXXXXX")"
APP_PID=""; NGINX_PID=""
stop() {
  trap - EXIT INT TERM
  [ -n "$NGINX_PID" ] && kill -TERM "$NGINX_PID" 2>/dev/null || true
  [ -n "$APP_PID" ] && kill -TERM "$APP_PID" 2>/dev/null || true
  [ -n "$NGINX_PID" ] && wait "$NGINX_PID" 2>/dev/null || true
  [ -n "$APP_PID" ] && wait "$APP_PID" 2>/dev/null || true
  rm -rf "$WORK"
  echo "local-https: stopped"
}
trap stop EXIT
trap 'exit 0' INT TERM

APP_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj "/CN=localhost" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1

USER_LINE=""
[ "$(id -u)" = 0 ] && USER_LINE="user root;"  # workers must read this private temp folder
cat >"$WORK/nginx.conf" <<CONF
$USER_LINE
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    access_log $WORK/access.log;
    client_body_temp_path $WORK/body;
    proxy_temp_path $WORK/proxy;
    fastcgi_temp_path $WORK/fastcgi;
    uwsgi_temp_path $WORK/uwsgi;
    scgi_temp_path $WORK/scgi;
    upstream survey_app {
        server 127.0.0.1:$APP_PORT;
        keepalive 16;
    }
    server {
        listen 127.0.0.1:$PORT ssl;
        server_name localhost;
        ssl_certificate $WORK/cert.pem;
        ssl_certificate_key $WORK/key.pem;
        include $SNIPPET;
    }
}
CONF

export SURVEY_APP_TRUSTED_PROXIES=1 SURVEY_APP_SECURE_COOKIES=1
export SURVEY_APP_BASE_URL="https://127.0.0.1:$PORT"
"$APP" serve --host 127.0.0.1 --port "$APP_PORT" &
APP_PID=$!
"$NGINX" -e "$WORK/error.log" -p "$WORK" -c "$WORK/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
echo "local-https: https://127.0.0.1:$PORT/ -> survey-app on 127.0.0.1:$APP_PORT (self-signed certificate)"
# Wait for either to end; then stop() ends the other.
while kill -0 "$APP_PID" 2>/dev/null && kill -0 "$NGINX_PID" 2>/dev/null; do sleep 1; done
