# raidwatch app image: one stateless process; state lives in the database, rendered maps
# included (and Redis for shared rate limits). Build: docker build -t raidwatch .
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md constraints.txt ./
COPY server ./server
COPY templates ./templates
COPY migrations ./migrations
# The same pinned versions as CI and the Makefile (constraints.txt); catalogs compiled here.
RUN pip install --constraint constraints.txt -e '.[redis]' \
    && pybabel -q compile -d server/locale -D messages \
    && useradd --system --home /app raidwatch && mkdir -p /data \
    && chown -R raidwatch /data
USER raidwatch
ENV RAIDWATCH_DATA_DIR=/data RAIDWATCH_ENV=production
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["raidwatch", "serve", "--host", "0.0.0.0", "--port", "8000"]
