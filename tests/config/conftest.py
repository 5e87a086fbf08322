import io
import json
import logging

import pytest

from config import logs


@pytest.fixture
def json_logs():
    """The lines the project's JSON formatter writes while the test runs, each parsed.

    A handler on the root logger with the production formatter: parsing each line with
    json.loads is itself the check that every line is one JSON object.
    """
    stream = io.StringIO()
    options = logs.formatter(logs.JSON)
    formatter_class = options.pop("()")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter_class(**options))
    root = logging.getLogger()
    root.addHandler(handler)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]

    yield lines
    root.removeHandler(handler)
