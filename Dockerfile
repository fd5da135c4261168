# Hài Lòng — one image, several roles: web (default), worker (`flask --app survey_app jobs work`), migrate, any
# flask command. The steps mirror the README's: pip install the project, `flask db upgrade`, gunicorn.
FROM python:3.11-slim

# Chromium renders the charts of the evidence dossier (Kaleido); fonts with Vietnamese glyphs.
RUN apt-get update && apt-get install -y --no-install-recommends chromium fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    HAILONG_SECURE_COOKIES=1 WEB_CONCURRENCY=2 PORT=8000

RUN useradd --create-home --uid 10001 hailong
WORKDIR /app
COPY pyproject.toml README.md ./
COPY survey_app survey_app
COPY kiosk kiosk
COPY reports reports
COPY bench bench
COPY migrations migrations
RUN pip install -e . && mkdir -p /app/instance && chown -R hailong /app/instance

USER hailong
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import os,urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['PORT'], timeout=4).status == 200 else 1)"

# DATABASE_URL and SECRET_KEY come from the environment (or instance/ on a volume).
CMD ["sh", "-c", "flask --app survey_app db upgrade && exec gunicorn --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY} --access-logfile - 'survey_app:create_app()'"]
