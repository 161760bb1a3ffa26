"""The sections of the case page. Each part of the system (suspects, indicators and hits,
victims, ...) registers the section it shows on a case, with a provider that returns the
section's context for this user and case, or None when the user may not see that section.
Providers must read through agencies/access.py like every other read."""

from collections.abc import Callable
from dataclasses import dataclass

from agencies.models import User
from cases.models import Case

SectionProvider = Callable[[User, Case], dict | None]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    template: str
    order: int
    provider: SectionProvider


SECTIONS: list[Section] = []


def register_section(
    key: str, title: str, template: str, order: int = 100
) -> Callable[[SectionProvider], SectionProvider]:
    def decorator(provider: SectionProvider) -> SectionProvider:
        SECTIONS.append(Section(key, title, template, order, provider))
        SECTIONS.sort(key=lambda s: s.order)
        return provider

    return decorator


def case_sections(user: User, case: Case) -> list[dict]:
    sections = []
    for section in SECTIONS:
        context = section.provider(user, case)
        if context is not None:
            sections.append(
                {
                    "key": section.key,
                    "title": section.title,
                    "template": section.template,
                    "context": context,
                }
            )
    return sections
