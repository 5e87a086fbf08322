"""config.proxies.client_ip: X-Forwarded-For is believed only from TRUSTED_PROXIES, read from the right."""

import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from config.proxies import client_ip

BASE_DIR = Path(__file__).resolve().parents[2]
NGINX = "127.0.0.1"


def request(remote: str | None, forwarded: str | None = None):
    meta = {}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    req = RequestFactory().get("/", **meta)
    if remote is None:
        del req.META["REMOTE_ADDR"]
    else:
        req.META["REMOTE_ADDR"] = remote
    return req


def test_without_trusted_proxies_x_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXIES = []

    assert client_ip(request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_from_an_untrusted_address_x_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    assert client_ip(request("203.0.113.9", "198.51.100.1, 10.0.0.7")) == "203.0.113.9"


def test_from_a_trusted_proxy_the_right_most_address_is_the_client(settings):
    settings.TRUSTED_PROXIES = [f"{NGINX}/32"]

    assert client_ip(request(NGINX, "198.51.100.7")) == "198.51.100.7"
    # What the client wrote itself (left of what our proxy appended) is never read.
    assert client_ip(request(NGINX, "6.6.6.6, 10.9.9.9, 198.51.100.7")) == "198.51.100.7"


def test_several_trusted_hops_are_skipped_to_the_first_untrusted_address(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.168.0.0/16", "2001:db8:ffff::/48"]

    forwarded = "6.6.6.6, 198.51.100.7, 192.168.1.20, 10.4.0.1"
    assert client_ip(request("10.0.0.2", forwarded)) == "198.51.100.7"
    assert client_ip(request("2001:db8:ffff::5", "2001:db8::77, 10.4.0.1")) == "2001:db8::77"


def test_a_trusted_proxy_without_x_forwarded_for_is_the_client(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    assert client_ip(request("10.0.0.2")) == "10.0.0.2"
    assert client_ip(request("10.0.0.2", " , ")) == "10.0.0.2"


def test_when_every_hop_is_trusted_the_left_most_is_the_client(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    assert client_ip(request("10.0.0.2", "10.1.1.1, 10.2.2.2")) == "10.1.1.1"


def test_an_entry_that_is_not_an_address_stops_at_the_last_trusted_hop(settings):
    """Garbage cannot be used to get a new bucket per request: it counts as the proxy that passed it on."""
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    assert client_ip(request("10.0.0.2", "198.51.100.7, unknown")) == "10.0.0.2"
    assert client_ip(request("10.0.0.2", "198.51.100.7, garbage, 10.3.3.3")) == "10.3.3.3"


def test_ports_brackets_and_ipv4_mapped_addresses_are_understood(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    assert client_ip(request("::ffff:10.0.0.2", "198.51.100.7:5123")) == "198.51.100.7"
    assert client_ip(request("10.0.0.2", "[2001:db8::1]:443")) == "2001:db8::1"
    assert client_ip(request("10.0.0.2", '"[2001:db8::2]"')) == "2001:db8::2"


def test_a_missing_remote_addr_gives_none(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    assert client_ip(request(None, "198.51.100.7")) is None


def test_a_bad_trusted_proxies_value_stops_the_start_with_its_name(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    monkeypatch.setenv("DEBUG", "1")
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8,nginx.internal")

    with pytest.raises(ImproperlyConfigured, match=r"TRUSTED_PROXIES: 'nginx.internal' is not an IP address"):
        runpy.run_path(str(BASE_DIR / "config" / "settings.py"))


def test_trusted_proxies_is_empty_by_default(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    monkeypatch.setenv("DEBUG", "1")
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)

    assert runpy.run_path(str(BASE_DIR / "config" / "settings.py"))["TRUSTED_PROXIES"] == []
