"""Moved to the top-level `access` package; this name stays until every `from agencies import
access` is rewritten to `import access`, and then goes."""

import sys
from typing import TYPE_CHECKING

import access

if TYPE_CHECKING:
    from access import *  # noqa: F403
else:
    sys.modules[__name__] = access
