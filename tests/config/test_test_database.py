"""The test run's database: on SQLite a file, so a live server's threads each open their own connection."""

from pathlib import Path

import pytest
import requests
from django.db import connection

from tests.factories import MembershipFactory


@pytest.fixture
def sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("the embedded defaults (SQLite) only")


@pytest.mark.django_db
@pytest.mark.usefixtures("sqlite_only")
def test_on_sqlite_the_test_database_is_a_file():
    assert not connection.is_in_memory_db()
    assert Path(connection.settings_dict["NAME"]).is_file()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("sqlite_only")
def test_the_live_server_does_not_share_the_tests_connection(live_server, regions):
    MembershipFactory(organization__slug="knus", organization__region=regions["africa-east"])

    response = requests.get(f"{live_server.url}/api/v1/affiliates/knus/", timeout=30)

    assert live_server.thread.connections_override == {}
    assert response.status_code == 200
    assert response.json()["slug"] == "knus"
