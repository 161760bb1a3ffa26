"""Demo wanted identities: the Vietnamese agency publishes `Nguyễn Văn An`, organiser of the
VinaTrade Pro securities scam (Red Notice A-2231/3-2026), as wanted. The Thai agency holds
`AN VAN NGUYEN`, arrested in its DSI call-centre case with the same passport: after the person
index runs (persons.demo, after this seeder), the Thai investigators see the wanted identity
on their suspect, and the Vietnamese supervisors learn that the Thai agency holds a match.
Idempotent: an identity is published once per suspect."""

from __future__ import annotations

from agencies.demo import agency_for, user_for
from cases.models import Suspect
from registry import services
from registry.models import WantedCategory, WantedIdentity

# (agency, case title, suspect name, category, other scripts, handles, description)
WANTED = [
    (
        "vn",
        "Fake securities app 'VinaTrade Pro'",
        "Nguyễn Văn An",
        WantedCategory.WANTED,
        ["NGUYEN VAN AN", "阮文安"],
        ["telegram: @vinatrade_support", "zalo: 0912345678"],
        "Organiser of the VinaTrade Pro fake trading app; recruits call-centre operators "
        "abroad. Arrest warrant of the Hanoi court. Call the Vietnamese cybercrime desk.",
    ),
]


def seed(out) -> None:
    published = 0
    for cc, title, name, category, names, handles, description in WANTED:
        suspect = Suspect.objects.filter(
            case__agency=agency_for(cc), case__title=title, full_name=name
        ).first()
        if suspect is None or WantedIdentity.objects.filter(suspect=suspect).exists():
            continue
        services.wanted_publish(
            suspect=suspect,
            by=user_for(cc, "supervisor"),
            category=category,
            description=description,
            names=names,
            handles=handles,
        )
        published += 1
    out.write(
        f"{published} wanted identities published; "
        f"{WantedIdentity.objects.published().count()} in all"
    )
