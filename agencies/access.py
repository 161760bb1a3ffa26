"""Moved to the top-level `access` package; this name stays until every `from agencies import
access` is rewritten to `import access`, and then goes."""

import sys

import access

sys.modules[__name__] = access
