import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# What loading the project made (about 190,000 objects: modules, classes, URL patterns, forms)
# lives as long as the process: out of the cyclic collector's reach, a full pass during a
# request no longer walks all of it (70 to 170 ms each on the 2-core machine, see
# docs/PERFORMANCE.md). Under `gunicorn --preload` it also keeps the forked workers from
# writing to those shared pages.
gc.freeze()
