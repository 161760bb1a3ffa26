"""The production settings (config/settings.py, read from the environment as in a deployment)
with the benchmark's URLs: Fortress's own plus the trivial view of bench_urls.py."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
