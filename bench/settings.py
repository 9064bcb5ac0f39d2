"""Settings of the scale benchmark: the production settings (sro_portal.settings, read from the
environment) with four changes that exist only here:

- ROOT_URLCONF is bench.bench_urls: the real sro_portal.urls plus a hello-world view (the
  "minimal view" through the same middleware) and an admin site that registers the tenant models
  (the "peer" changelists). The real project registers no tenant model in its admin, on purpose.
- The export rate limit is lifted: the benchmark asks for one export 40 times a minute on
  purpose (the limiter's own cost stays in the figures: it still counts in Redis).
- ACCOUNT_REAUTHENTICATION_TIMEOUT covers the whole run: the benchmark signs in once, and the
  exports (which ask for a recent sign-in) are measured minutes later.
- STATIC_ROOT is a directory outside the checkout, filled by `collectstatic` before a run
  (whitenoise's manifest storage needs the manifest when DEBUG is off).
"""

import os
import tempfile
from pathlib import Path

from sro_portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bench_urls"
ACCOUNT_REAUTHENTICATION_TIMEOUT = 24 * 60 * 60
PORTAL_RATE_LIMITS = {
    **PORTAL_RATE_LIMITS,  # noqa: F405
    "export": {"user": (1_000_000, 60), "ip": (1_000_000, 60)},
}
STATIC_ROOT = Path(
    os.environ.get("BENCH_STATIC_ROOT", Path(tempfile.gettempdir()) / "sro_portal_bench_static")
)
# The agency whose rows the peer changelists show (the large agency of bench/seed_scale.py).
BENCH_AGENCY_SLUG = os.environ.get("BENCH_AGENCY_SLUG", "metro")
