# Hài Lòng — one image, several roles: web (default), worker (`flask --app survey_app jobs work`: background jobs
# and the periodic schedule, the same command `python3 dev.py start` runs), migrate, backup/restore, any flask
# command. The steps mirror the README's: pip install the project, `flask db upgrade`, gunicorn. See deploy/.
FROM python:3.11-slim

# Chromium renders the charts of the evidence dossier (Kaleido); fonts with Vietnamese glyphs; postgresql-client
# (pg_dump/pg_restore/psql 15, the server version of deploy/compose.yaml) for `flask backup` and `restore`.
RUN apt-get update && apt-get install -y --no-install-recommends chromium fonts-dejavu-core postgresql-client \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    HAILONG_SECURE_COOKIES=1 WEB_CONCURRENCY=2 PORT=8000 HAILONG_LOG_FORMAT=json \
    PROMETHEUS_MULTIPROC_DIR=/tmp/hailong-metrics

RUN useradd --create-home --uid 10001 hailong
WORKDIR /app
COPY pyproject.toml README.md ./
COPY survey_app survey_app
COPY kiosk kiosk
COPY reports reports
COPY bench bench
COPY migrations migrations
COPY deploy deploy
RUN pip install -e . && mkdir -p /app/instance && chown -R hailong /app/instance

USER hailong
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import os,urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['PORT'], timeout=4).status == 200 else 1)"

# DATABASE_URL and SECRET_KEY come from the environment (or instance/ on a volume).
CMD ["sh", "-c", "flask --app survey_app db upgrade && exec gunicorn --config deploy/gunicorn.conf.py 'survey_app:create_app()'"]
