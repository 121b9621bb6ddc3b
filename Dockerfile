# kubemcp: a small image that runs one daphne worker as a non-root user.
# It installs the same wheel users install: the server, its templates and the demo's fake cluster (the engine of
# `kubemcp demo`, never imported by the server itself); tests, benchmarks and development tools stay out.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY mcpsite mcpsite
COPY k8stools k8stools
COPY oauthgw oauthgw
COPY fakekube fakekube
COPY staffaccess staffaccess
COPY asgiwire asgiwire
RUN pip wheel --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DEBUG=false DATA_DIR=/data STATIC_ROOT=/app/staticfiles
RUN useradd --uid 10001 --create-home --shell /usr/sbin/nologin kubemcp \
    && mkdir -p /data /app && chown kubemcp /data
COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl && rm -rf /wheels
WORKDIR /app
# For `python manage.py migrate` in docker-compose.yml and deploy/kubernetes; `kubemcp manage` does the same.
COPY manage.py ./
# collectstatic needs settings, not secrets: a throwaway key for this one command.
RUN SECRET_KEY=collectstatic-only kubemcp manage collectstatic --noinput -v0
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
# No daphne access log: its lines carry whole query strings (a client_secret a client wrongly put in a URL, which the
# server refuses but cannot unsend). The server logs every MCP call and every refused request itself, without them.
CMD ["daphne", "--bind", "0.0.0.0", "--port", "8000", "--proxy-headers", "--access-log", "/dev/null", "mcpsite.asgi:application"]
