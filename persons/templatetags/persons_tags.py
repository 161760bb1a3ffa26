from django import template

from persons import explain

register = template.Library()


@register.filter
def explained(explanation: str) -> str:
    """A match's stored explanation in the reader's language (persons/explain.py)."""
    return explain.translated(explanation)
