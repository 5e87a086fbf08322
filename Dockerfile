FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 1000 registry
WORKDIR /app

COPY pyproject.toml README.md ./
COPY config ./config
COPY registry ./registry
COPY workflows ./workflows
COPY api ./api
RUN pip install .

COPY . .
# collectstatic needs a key to import settings; it is not used at run time.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input \
    && mkdir -p /app/var && chown -R registry:registry /app/var

USER registry
EXPOSE 8000
# No access log of gunicorn's own: the application logs one JSON line per request (README "Deployment").
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--timeout", "60", \
     "--limit-request-line", "4094", "--limit-request-fields", "100", "--limit-request-field_size", "8190", \
     "--max-requests", "2000", "--max-requests-jitter", "200"]
