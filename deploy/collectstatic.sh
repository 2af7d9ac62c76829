#!/bin/sh
# Collect the static files as production serves them (whitenoise's manifest
# storage writes staticfiles.json; production's {% static %} needs it). Run at
# image build time (Dockerfile) and by tests/test_deploy.py. Production settings
# must import, so throwaway values stand in for the secrets: nothing is signed,
# stored or served with them, and none of them stays in the image.
set -eu
throwaway() { python -c 'import secrets; print(secrets.token_urlsafe(48))'; }
DJANGO_ENV=production DEBUG=0 \
SECRET_KEY="$(throwaway)" \
SIGNATURE_KEYS="build:$(throwaway)" \
AUDIT_ANCHOR_KEY="$(throwaway)" \
ALLOWED_HOSTS=build.invalid TRUSTED_PROXY_COUNT=1 \
DATABASE_URL=postgres://build@127.0.0.1:9/never-opened \
  python manage.py collectstatic --no-input "$@"
