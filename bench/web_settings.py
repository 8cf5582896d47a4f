"""The app's settings plus the benchmark's ceiling views (bench/web.py only; never deployed)."""

from emuchat.settings import *  # noqa: F403

ROOT_URLCONF = "bench.web_urls"
