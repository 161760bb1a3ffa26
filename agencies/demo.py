"""Demo agencies and one account per role in each: `<country code>.<role>`."""

from django.conf import settings

from agencies.models import Agency, AgencyKind, Role, User
from agencies.services import agency_upsert

DEMO_AGENCIES = [
    ("vn", "vn-c03", "Vietnam Police — High-Tech Crime Department (C03)", AgencyKind.POLICE),
    ("th", "th-ccib", "Royal Thai Police — Cyber Crime Investigation Bureau", AgencyKind.POLICE),
    ("kh", "kh-ahtjp", "Cambodian National Police — Anti-Human Trafficking", AgencyKind.POLICE),
    ("ng", "ng-efcc", "Economic and Financial Crimes Commission", AgencyKind.POLICE),
    ("fr", "fr-ncb", "Interpol National Central Bureau Paris", AgencyKind.INTERPOL_NCB),
]


def agency_for(cc: str) -> Agency:
    code = next(code for c, code, _, _ in DEMO_AGENCIES if c == cc)
    return Agency.objects.get(code=code)


def user_for(cc: str, role: str) -> User:
    return User.objects.get(username=f"{cc}.{role}")


def seed(out) -> None:
    password = settings.DEMO_PASSWORD
    for cc, code, name, kind in DEMO_AGENCIES:
        agency = agency_upsert(
            code=code,
            name=name,
            country=cc.upper(),
            kind=kind,
            contact_email=f"liaison@{code}.example.org",
        )
        for role in Role:
            user, created = User.objects.get_or_create(
                username=f"{cc}.{role.value}",
                defaults={
                    "agency": agency,
                    "role": role,
                    "first_name": cc.upper(),
                    "last_name": role.label,
                    "email": f"{role.value}@{code}.example.org",
                },
            )
            if created or not user.check_password(password):
                user.set_password(password)
                user.save(update_fields=["password"])
    out.write(
        f"{len(DEMO_AGENCIES)} agencies; users <cc>.<role> for cc in "
        f"{', '.join(cc for cc, *_ in DEMO_AGENCIES)} and role in "
        f"{', '.join(r.value for r in Role)}; password: {password}"
    )
