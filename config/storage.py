"""Where uploaded files are stored: ``STORAGE_URL`` read into the ``STORAGES["default"]`` entry.

Unset (or ``file:``): local files under ``MEDIA_ROOT`` (Django's ``FileSystemStorage``), the
embedded default. ``s3://BUCKET/PREFIX?endpoint_url=…&region=…&addressing_style=path``: an
S3-compatible bucket (AWS S3, MinIO…) through django-storages and boto3. The credentials are the
URL's user and password when given (percent-encoded), else boto3's usual chain
(``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``, an instance or task role).

The bucket stays private: objects are written without an ACL (they take the bucket's, private
by default; a bucket with ACLs disabled refuses any other), never over an existing object, and
nothing is served from the bucket by URL: downloads go through the application's permission
check (``workflows.documents.document_response``). Nothing of the project is imported here.
"""

from urllib.parse import parse_qs, unquote, urlsplit

FILE_SYSTEM = "django.core.files.storage.FileSystemStorage"
S3 = "storages.backends.s3.S3Storage"
QUERY_OPTIONS = {
    "endpoint_url": "endpoint_url",
    "region": "region_name",
    "addressing_style": "addressing_style",
}
ADDRESSING_STYLES = ("auto", "path", "virtual")


def default_storage(url: str) -> dict:
    """The ``STORAGES["default"]`` entry for ``url``; raise ``ValueError`` with the reason when it is wrong."""
    if url in ("", "file:", "file://"):
        return {"BACKEND": FILE_SYSTEM}
    parts = urlsplit(url)
    if parts.scheme != "s3":
        raise ValueError("it must start with s3:// (or be unset, for local files under MEDIA_ROOT)")
    bucket = parts.netloc.rpartition("@")[2]
    if not bucket:
        raise ValueError("no bucket: write s3://BUCKET/optional/prefix?endpoint_url=…")
    options = {
        "bucket_name": bucket,
        "location": parts.path.strip("/"),
        "default_acl": None,  # the bucket's own (private): never public-read
        "file_overwrite": False,  # a new name rather than replacing a stored document
        "querystring_auth": True,  # should a URL ever be made, it is signed and expires
        "querystring_expire": 60,
        "signature_version": "s3v4",
    }
    options.update(_query_options(parts.query))
    if parts.username is not None:
        options["access_key"] = unquote(parts.username)
        options["secret_key"] = unquote(parts.password or "")
    return {"BACKEND": S3, "OPTIONS": options}


def _query_options(query: str) -> dict:
    options = {}
    for key, values in parse_qs(query, keep_blank_values=True, strict_parsing=bool(query)).items():
        if key not in QUERY_OPTIONS:
            raise ValueError(f"unknown option {key!r}; known: {', '.join(sorted(QUERY_OPTIONS))}")
        if len(values) != 1 or not values[0]:
            raise ValueError(f"{key} must be given once, with a value")
        options[QUERY_OPTIONS[key]] = values[0]
    endpoint = options.get("endpoint_url", "")
    if endpoint and urlsplit(endpoint).scheme not in ("http", "https"):
        raise ValueError(f"endpoint_url must be an http:// or https:// address, not {endpoint!r}")
    if options.get("addressing_style", "auto") not in ADDRESSING_STYLES:
        raise ValueError(f"addressing_style must be one of {', '.join(ADDRESSING_STYLES)}")
    return options
