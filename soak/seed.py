"""Seed the soak database: a fresh database, migrated, with the demo data and more organizations.

    python soak/seed.py <fixtures.json>

DATABASE_URL must name a database whose name contains "soak": it is dropped and created again.
Writes to ``<fixtures.json>`` what the load needs: personal tokens of applicants, a partner
key, affiliate slugs, region codes and countries.
"""

import json
import os
import random
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

EXTRA_ORGANIZATIONS = int(os.environ.get("SOAK_ORGANIZATIONS", "1500"))
APPLICANTS = int(os.environ.get("SOAK_APPLICANTS", "40"))


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "soak" not in name:
        sys.exit(f"soak: refusing to drop the database {name!r}: its name must contain 'soak'.")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def seed(fixtures_path: Path) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from accounts.tokens import token_create
    from api.models import PartnerKey
    from registry.models import CountryRegion, Membership, MembershipCategory, Organization, Region

    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_regions", verbosity=0)
    call_command("seed_demo", force=True, verbosity=0)

    rng = random.Random(20250101)
    country_region = list(CountryRegion.objects.values_list("country", "region_id"))
    organizations = []
    for i in range(EXTRA_ORGANIZATIONS):
        country, region_id = rng.choice(country_region)
        organizations.append(
            Organization(
                name=f"Soak Student Union {i:05d}",
                acronym=f"SSU{i}",
                slug=f"soak-union-{i:05d}",
                country=country,
                region_id=region_id,
                city=rng.choice(["Nairobi", "Accra", "Lima", "Oslo", "Hanoi", "Tunis", "Québec"]),
                email=f"office@soak-{i}.example.org",
                founded_year=rng.randint(1900, 2020),
                students_represented=rng.randint(500, 500_000),
            )
        )
    for organization in organizations:
        organization.search_text = organization.build_search_text()
    Organization.objects.bulk_create(organizations, batch_size=500)
    categories = list(MembershipCategory.values)
    Membership.objects.bulk_create(
        [
            Membership(organization=organization, category=rng.choice(categories), admitted_on="2015-06-01")
            for organization in Organization.objects.filter(slug__startswith="soak-union-")
        ],
        batch_size=500,
    )

    User = get_user_model()
    tokens = []
    for i in range(APPLICANTS):
        email = f"soak-applicant-{i}@soak.example"
        user = User.objects.create_user(username=email, email=email, password=None)
        tokens.append(token_create(user=user, name="soak")[1])
    _partner, partner_key = PartnerKey.objects.create_key(name="soak", organization_name="Soak partner")

    slugs = list(
        Organization.objects.filter(memberships__state="active").values_list("slug", flat=True).distinct()
    )
    fixtures = {
        "tokens": tokens,
        "partner_key": partner_key,
        "slugs": slugs,
        "regions": list(Region.objects.values_list("code", flat=True)),
        "countries": sorted({country for country, _region in country_region})[:60],
    }
    fixtures_path.parent.mkdir(parents=True, exist_ok=True)
    fixtures_path.write_text(json.dumps(fixtures))
    print(
        f"soak: seeded {Organization.objects.count()} organizations, {len(slugs)} affiliates, "
        f"{len(tokens)} applicants with tokens"
    )


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    recreate_database(os.environ["DATABASE_URL"])
    seed(Path(sys.argv[1]))


if __name__ == "__main__":
    main()
