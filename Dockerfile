# The portal's image: web (gunicorn), Celery worker and Celery beat all run from it.
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

# Fonts, Pango and HarfBuzz's subsetter: WeasyPrint renders the annual report PDF with them.
# gettext: compilemessages builds the French catalogue (the .mo is not committed).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext \
    && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install -e .

COPY . .
# collectstatic needs settings, not secrets: throwaway values for this step only.
RUN SECRET_KEY=build-only MFA_ENCRYPTION_KEYS=YnVpbGQtb25seS1rZXktMDAwMDAwMDAwMDAwMDAwMDA= \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 sh -c \
    "python manage.py collectstatic --noinput && python manage.py compilemessages --ignore '.venv'"

RUN useradd --create-home --uid 10001 portal && mkdir -p /app/media && chown -R portal /app
USER portal
EXPOSE 8000
CMD ["gunicorn", "sro_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
