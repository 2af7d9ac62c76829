# The production image: gunicorn for the web, the same image for celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# Production unless told otherwise: DEBUG off, the second factor on, and no start
# without a real SECRET_KEY, ALLOWED_HOSTS and TRUSTED_PROXY_COUNT (config/settings.py);
# the development key is never generated here (.dockerignore keeps any out).
ENV DJANGO_ENV=production DEBUG=0

# WeasyPrint needs Pango; fonts for the PDF reports.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
      fonts-dejavu-core poppler-utils \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml ./
COPY config/ config/
COPY clinic/ clinic/
COPY audit/ audit/
COPY security/ security/
COPY planning/ planning/
COPY charting/ charting/
RUN pip install . && pip install --no-deps mediapipe==0.10.14
COPY . .

RUN useradd --system --uid 1000 clinic && mkdir -p /data/media /data/private \
 && chown -R clinic /data
# The static files as production serves them (the manifest whitenoise needs);
# throwaway secrets exist only for this step (deploy/collectstatic.sh).
RUN sh deploy/collectstatic.sh

USER clinic
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
