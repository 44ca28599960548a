# One image for every app service (web, relay, worker, beat): docker-compose.yml picks the command.

# Stage 1: the browser bundle. Vite writes it to static/app/; skipped while there is no frontend.
FROM node:22-slim AS frontend
WORKDIR /src
COPY . .
RUN mkdir -p static \
    && if [ -f frontend/package.json ]; then \
        cd frontend && npm ci --no-audit --no-fund && npm run build; \
    else echo "No frontend/package.json: no bundle to build."; fi

# Stage 2: the Django project, with the bundle from stage 1.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY . .
RUN pip install -e .
COPY --from=frontend /src/static/ static/
# DEBUG=true for this build step only: production settings would want a SECRET_KEY here.
RUN DEBUG=true python manage.py collectstatic --no-input \
    && useradd --create-home --uid 1000 app
USER app
EXPOSE 8000
CMD ["uvicorn", "config.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--ws-max-size", "65536"]
