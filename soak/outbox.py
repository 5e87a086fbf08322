"""After the soak's load: the Celery worker delivers every e-mail the load caused, and none fails.

Waits up to SOAK_OUTBOX_WAIT seconds (default 60) for the outbox to drain, adds the counts to
var/soak.json (``outbox``, goal ``outbox_delivered``) and exits 1 when a row failed or stayed.
"""

import json
import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))


def main() -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.db.models import Count

    from notifications.models import Notification, NotificationState

    deadline = time.monotonic() + float(os.environ.get("SOAK_OUTBOX_WAIT", "60"))
    while True:
        counts = dict(
            Notification.objects.values_list("state").annotate(n=Count("pk")).values_list("state", "n")
        )
        waiting = counts.get(NotificationState.PENDING, 0) + counts.get(NotificationState.SENDING, 0)
        if not waiting or time.monotonic() > deadline:
            break
        time.sleep(1)
    delivered = not waiting and not counts.get(NotificationState.FAILED, 0)
    report_path = Path(os.environ.get("SOAK_REPORT", BASE_DIR / "var" / "soak.json"))
    report = json.loads(report_path.read_text()) if report_path.exists() else {"goals": {}}
    report["outbox"] = {"rows_by_state": counts, "total": sum(counts.values())}
    report["goals"]["outbox_delivered"] = delivered
    report["passed"] = all(report["goals"].values())
    report_path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"soak: outbox {counts}: {'all delivered' if delivered else 'NOT all delivered'}", file=sys.stderr)
    return 0 if delivered else 1


if __name__ == "__main__":
    sys.exit(main())
