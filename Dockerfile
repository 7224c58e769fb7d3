# Apuri: one image for every role (web, worker, scheduler, migrate); compose.yaml picks the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    APURI_ENV=production \
    GUNICORN_BIND=0.0.0.0:8000

# Pango and HarfBuzz for WeasyPrint's PDFs (return slips), a font for them (as in .ci/run).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# The .mo catalogues are built here: the running user cannot write into /app.
RUN python -c "from portal.translations_build import compile_translations; compile_translations()" \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin apuri \
    && mkdir -p /app/instance /app/uploads \
    && chown apuri:apuri /app/instance /app/uploads

USER apuri
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
