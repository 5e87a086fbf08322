"""STORAGE_URL: unset, local files under MEDIA_ROOT; s3://…, a private S3-compatible bucket (config/storage.py)."""

import subprocess
import sys

import pytest
import yaml

from config.storage import FILE_SYSTEM, S3, default_storage
from tests.config.helpers import BASE_DIR, clean_env, run_settings

PRINT_DEFAULT_STORAGE = 'print(json.dumps(settings.STORAGES["default"]))'


def test_without_storage_url_documents_are_local_files():
    assert run_settings(PRINT_DEFAULT_STORAGE) == {"BACKEND": FILE_SYSTEM}


def test_an_s3_url_selects_a_private_bucket_without_public_urls_or_overwrites():
    entry = run_settings(
        PRINT_DEFAULT_STORAGE,
        STORAGE_URL="s3://registry-documents/media?endpoint_url=http://minio:9000&region=eu-west-1&addressing_style=path",
    )

    assert entry["BACKEND"] == S3
    assert entry["OPTIONS"] == {
        "bucket_name": "registry-documents",
        "location": "media",
        "endpoint_url": "http://minio:9000",
        "region_name": "eu-west-1",
        "addressing_style": "path",
        "default_acl": None,
        "file_overwrite": False,
        "querystring_auth": True,
        "querystring_expire": 60,
        "signature_version": "s3v4",
    }


def test_credentials_in_the_url_are_percent_decoded():
    options = default_storage("s3://minio%2Fuser:p%40ss%3Aword@documents")["OPTIONS"]

    assert (options["bucket_name"], options["access_key"], options["secret_key"]) == (
        "documents",
        "minio/user",
        "p@ss:word",
    )


def test_without_credentials_in_the_url_boto3_finds_them():
    assert "access_key" not in default_storage("s3://documents")["OPTIONS"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("gs://documents", "must start with s3://"),
        ("/srv/media", "must start with s3://"),
        ("s3://", "no bucket"),
        ("s3://documents?endpoint=http://minio:9000", "unknown option 'endpoint'"),
        ("s3://documents?region=a&region=b", "given once"),
        ("s3://documents?endpoint_url=minio:9000", "http:// or https://"),
        ("s3://documents?addressing_style=sideways", "addressing_style"),
    ],
)
def test_a_wrong_storage_url_is_refused_with_its_reason(url, reason):
    with pytest.raises(ValueError, match=reason):
        default_storage(url)


def test_a_wrong_storage_url_stops_start_up_without_showing_the_secret():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=BASE_DIR,
        env=clean_env(STORAGE_URL="minio://user:hunter2@documents", DJANGO_SETTINGS_MODULE="config.settings"),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured: STORAGE_URL: it must start with s3://" in result.stderr
    assert "hunter2" not in result.stderr


def test_the_compose_files_web_worker_and_beat_store_documents_in_its_private_minio_bucket():
    services = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())["services"]
    make_bucket = services["minio-bucket"]["command"][0]

    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        options = default_storage(environment["STORAGE_URL"])["OPTIONS"]
        assert options["endpoint_url"] == "http://minio:9000"
        assert f"mc mb --ignore-existing registry/{options['bucket_name']}" in make_bucket
        assert f"mc anonymous set none registry/{options['bucket_name']}" in make_bucket
        assert environment["AWS_ACCESS_KEY_ID"] == services["minio"]["environment"]["MINIO_ROOT_USER"]
        assert environment["AWS_SECRET_ACCESS_KEY"] == services["minio"]["environment"]["MINIO_ROOT_PASSWORD"]
        assert services[name]["depends_on"]["minio-bucket"] == {"condition": "service_completed_successfully"}
