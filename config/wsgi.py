import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# What loading the project makes (about 190,000 objects: modules, classes, the URL patterns and
# the views they import, which the first request would load) lives as long as the process: out
# of the cyclic collector's reach, a full pass during a request no longer walks all of it (72 to
# 104 ms each on the idle 2-core machine, benchmarks/collector_pass.py). Under
# `gunicorn --preload` it also keeps the forked workers from writing to those shared pages.
get_resolver().url_patterns  # noqa: B018 (a cached property: loads the views)
gc.freeze()
