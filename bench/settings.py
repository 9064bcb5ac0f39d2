"""Settings of the scale benchmark: the production settings (sro_portal.settings, read from the
environment) with two changes that exist only here:

- ROOT_URLCONF is bench.bench_urls: the real sro_portal.urls plus a hello-world view (the
  "minimal view" through the same middleware) and an admin site that registers the tenant models
  (the "peer" changelists). The real project registers no tenant model in its admin, on purpose.
- STATIC_ROOT is a directory outside the checkout, filled by `collectstatic` before a run
  (whitenoise's manifest storage needs the manifest when DEBUG is off).
"""

import os
import tempfile
from pathlib import Path

from sro_portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bench_urls"
STATIC_ROOT = Path(
    os.environ.get("BENCH_STATIC_ROOT", Path(tempfile.gettempdir()) / "sro_portal_bench_static")
)
# The agency whose rows the peer changelists show (the large agency of bench/seed_scale.py).
BENCH_AGENCY_SLUG = os.environ.get("BENCH_AGENCY_SLUG", "metro")
