"""Small typed readers for environment variables that fail loudly on bad values."""

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_url(name: str, default: str) -> str:
    """An absolute http(s) URL without a trailing slash, e.g. https://fortress.example.org."""
    raw = os.environ.get(name, default).strip()
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ImproperlyConfigured(
            f"{name} must be an absolute http(s) URL such as https://fortress.example.org; "
            f"got {raw!r}"
        )
    return raw.rstrip("/")


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}"
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """An integer setting; below `minimum` (when given) stops the start, naming the variable."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer; got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be {minimum} or more; got {value}")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int_map(name: str) -> dict[str, int]:
    """`key=number,key=number` as {key: number}, e.g. FORTRESS_REPATRIATION_STAGE_DAYS."""
    result: dict[str, int] = {}
    for item in env_list(name):
        key, sep, value = item.partition("=")
        try:
            if not sep or not key.strip():
                raise ValueError
            result[key.strip()] = int(value)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must be key=integer pairs separated by commas; got {item!r}"
            ) from None
    return result
