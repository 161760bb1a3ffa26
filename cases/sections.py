"""The sections of the case page. Each part of the system (suspects, indicators and hits,
victims, ...) registers the section it shows on a case, with a provider that returns the
section's context for this user and case, or None when the user may not see that section.
Providers must read through access/ like every other read."""

from collections.abc import Callable
from dataclasses import dataclass

from agencies.models import User
from cases.models import Case

# The browser event a save on the case page sends (HX-Trigger): the live sections, whose context
# says `pending` while cross-referencing or matching runs, listen to it and poll till done.
CASE_CHANGED = "fortress:case-changed"

SectionProvider = Callable[[User, Case], dict | None]
# Flags other parts of the system put on suspects in the case's suspect list (persons: "possible
# victim of trafficking"): {suspect id: [(text, link), ...]} for the suspects shown.
SuspectFlagProvider = Callable[[User, Case, list], dict[int, list[tuple[str, str]]]]


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


SUSPECT_FLAGS: list[SuspectFlagProvider] = []


def register_suspect_flags(provider: SuspectFlagProvider) -> SuspectFlagProvider:
    SUSPECT_FLAGS.append(provider)
    return provider


def suspect_flags(user: User, case: Case, suspects: list) -> dict[int, list[tuple[str, str]]]:
    flags: dict[int, list[tuple[str, str]]] = {}
    for provider in SUSPECT_FLAGS:
        for suspect_id, items in provider(user, case, suspects).items():
            flags.setdefault(suspect_id, []).extend(items)
    return flags
