"""The soak's load: directory readers, API readers (anonymous and partners), and applicants who
draft, fill, upload, submit and withdraw applications through the API with personal tokens.

``soak/measure.py`` runs these users; ``locust -f soak/locustfile.py`` runs them by hand too
(SOAK_FIXTURES names the JSON written by ``soak/seed.py``).

An answer the workflow must give (409 to submitting twice, or to editing a sent application)
is counted as ``expected_409``, not as a failure; any other answer outside 2xx is a failure.
"""

import itertools
import json
import os
import random
import uuid
from collections import Counter

from locust import HttpUser, between, events, task

FIXTURES = json.loads(open(os.environ.get("SOAK_FIXTURES", "var/soak/fixtures.json")).read())  # noqa: SIM115
TOKENS = itertools.cycle(FIXTURES["tokens"])
PDF = (  # one page, with its cross-reference table (the upload check refuses a damaged PDF)
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)
COUNTRIES = ["KE", "GH", "NG", "FR", "DE", "BR", "IN", "VN", "PE", "NO", "TN", "CA"]

# Answers by status class, and the expected 409s, for the report (reset after the warm-up).
STATUSES: Counter = Counter()
EXPECTED_409: Counter = Counter()


@events.request.add_listener
def _count(request_type, name, response_time, response_length, response=None, exception=None, **kwargs):
    status = getattr(response, "status_code", 0) or 0
    STATUSES["connection_error" if status == 0 else f"{status // 100}xx"] += 1
    STATUSES[str(status)] += 1


def reset_counters() -> None:
    STATUSES.clear()
    EXPECTED_409.clear()


class DirectoryVisitor(HttpUser):
    """The public directory: the list, filters, search, an affiliate's page."""

    weight = 3
    wait_time = between(0.2, 1.0)

    @task(3)
    def directory(self):
        params = random.choice(
            [
                {},
                {"region": random.choice(FIXTURES["regions"])},
                {"country": random.choice(FIXTURES["countries"])},
                {"q": random.choice(["union", "soak 01", "national", "québec", "students"])},
            ]
        )
        self.client.get("/directory/", params=params, name="/directory/")

    @task(4)
    def affiliate(self):
        self.client.get(f"/directory/{random.choice(FIXTURES['slugs'])}/", name="/directory/<slug>/")


class ApiReader(HttpUser):
    """Partners and anonymous clients reading the affiliate API."""

    weight = 3
    wait_time = between(0.2, 1.0)

    def on_start(self):
        if random.random() < 0.5:
            self.client.headers["Authorization"] = f"Api-Key {FIXTURES['partner_key']}"

    @task(4)
    def affiliates(self):
        params = random.choice(
            [
                {},
                {"region": random.choice(FIXTURES["regions"])},
                {"country": random.choice(FIXTURES["countries"]), "ordering": "-admitted_on"},
                {"updated_since": "2020-01-01", "ordering": "updated_at", "page_size": 200},
                {"q": "union", "page_size": 20},
                {"category": random.choice(["full", "associate", "observer"])},
            ]
        )
        response = self.client.get("/api/v1/affiliates/", params=params, name="/api/v1/affiliates/")
        follow = response.status_code == 200 and response.json().get("next")
        if follow and random.random() < 0.3:
            self.client.get(follow, name="/api/v1/affiliates/ (next page)")

    @task(1)
    def regions(self):
        self.client.get("/api/v1/regions/", name="/api/v1/regions/")

    @task(2)
    def affiliate(self):
        self.client.get(
            f"/api/v1/affiliates/{random.choice(FIXTURES['slugs'])}/", name="/api/v1/affiliates/<slug>/"
        )


class Applicant(HttpUser):
    """A union's representative with a personal token: one application from draft to withdrawn."""

    weight = 2
    wait_time = between(0.5, 2.0)

    def on_start(self):
        self.client.headers["Authorization"] = f"Token {next(TOKENS)}"

    def _expect(
        self, method: str, url: str, name: str, ok: tuple[int, ...], expected_409: bool = False, **kw
    ):
        with self.client.request(method, url, name=name, catch_response=True, **kw) as response:
            if response.status_code in ok:
                response.success()
            elif expected_409 and response.status_code == 409:
                EXPECTED_409[name] += 1
                response.success()
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")
            return response

    @task
    def apply_and_withdraw(self):
        tag = uuid.uuid4().hex[:10]
        created = self._expect(
            "POST",
            "/api/v1/applications/",
            "create draft",
            (201,),
            json={
                "name": f"Soak Applicant Union {tag}",
                "country": random.choice(COUNTRIES),
                "city": "Nairobi",
            },
        )
        if created.status_code != 201:
            return
        url = f"/api/v1/applications/{created.json()['id']}/"
        self._expect(
            "PATCH",
            url,
            "fill draft",
            (200,),
            json={
                "acronym": "SAU",
                "email": f"office@{tag}.example.org",
                "website": f"https://{tag}.example.org",
                "founded_year": random.randint(1950, 2020),
                "students_represented": random.randint(1000, 90_000),
                "kind": "national_union",
                "motivation": "We represent the students of our country and share the federation's aims.",
                "contacts": [{"name": "Soak Contact", "email": f"contact@{tag}.example.org"}],
            },
        )
        for kind in ("statutes", "registration"):
            self._expect(
                "POST",
                f"{url}documents/",
                "upload document",
                (201,),
                data={"kind": kind},
                files={"file": (f"{kind}.pdf", PDF, "application/pdf")},
            )
        self._expect("GET", url, "read application", (200,))
        self._expect("POST", f"{url}submit/", "submit", (200,), json={"comment": "Sent by the soak."})
        # The workflow refuses these with 409: counted as expected, not as errors.
        self._expect("POST", f"{url}submit/", "submit again", (), expected_409=True, json={})
        self._expect("PATCH", url, "edit after sending", (), expected_409=True, json={"city": "Mombasa"})
        self._expect("GET", f"{url}history/", "read history", (200,))
        self._expect("POST", f"{url}withdraw/", "withdraw", (200,), json={"comment": "Soak done."})
        self._expect("GET", "/api/v1/applications/", "list my applications", (200,))
