"""A DNS resolver for tests, the one outside system custom-domain checks talk to
(tenants.domains, `DOMAIN_TXT_RESOLVER`): TXT records from the JSON file FAKE_DNS_FILE names
(`{name: [strings]}`), so the app under gunicorn and the test process share them."""

import json
import os
from pathlib import Path

from tenants.domains import LookupFailed


def txt_records(name: str) -> list[str]:
    path = os.environ.get("FAKE_DNS_FILE")
    records = json.loads(Path(path).read_text()) if path and Path(path).exists() else {}
    if name not in records:
        raise LookupFailed(f"No TXT record at {name} yet.")
    return list(records[name])


def publish(path: Path, name: str, *values: str) -> None:
    """Publish TXT `values` at `name` in the file at `path`."""
    records = json.loads(path.read_text()) if path.exists() else {}
    records[name] = list(values)
    path.write_text(json.dumps(records))
