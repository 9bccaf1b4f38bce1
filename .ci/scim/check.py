"""Run scim2-tester (the python-scim project's RFC 7643/7644 checker, from PyPI)
against a Rungs server's /scim/v2 and fail on any check that fails.

    SCIM_TOKEN=rungs_… python check.py <base url of /scim/v2>

The tester fills resources with random values; the run is seeded (SCIM_CHECK_SEED,
default a fixed number, `random` for a new seed, printed) so a CI verdict can be
reproduced.

Every result is printed. A check fails the run when its status is ERROR or
CRITICAL (a MUST of the RFCs broken) or DEVIATION (a SHOULD not followed), unless
it is one of EXCLUDED below, each with its reason (docs/INTEGRATIONS.md lists them
too). A SKIPPED check is printed with the tester's reason (for example a feature the
server's ServiceProviderConfig says it does not offer) and does not fail the run.
"""

import os
import random
import sys

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

# (check title, resource type or None) -> why Rungs does not pass it.
EXCLUDED: dict[tuple[str, str | None], str] = {}

PASSING = {Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE}


def main() -> int:
    url, token = sys.argv[1], os.environ["SCIM_TOKEN"]
    seed = os.environ.get("SCIM_CHECK_SEED", "20261207")
    seed = random.randrange(2**32) if seed == "random" else int(seed)
    random.seed(seed)
    print(f"scim2-tester against {url} (SCIM_CHECK_SEED={seed})")
    http = Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    client = SyncSCIMClient(http)
    results = check_server(client)
    failed, excluded_seen = [], set()
    for r in results:
        key = (r.title, r.resource_type)
        where = f"{r.title}" + (f" [{r.resource_type}]" if r.resource_type else "")
        if r.status in PASSING:
            print(f"ok       {where}" + (f": {r.reason}" if r.reason and r.status != Status.SUCCESS else ""))
        elif r.status == Status.SKIPPED:
            print(f"skipped  {where}: {r.reason}")
        elif key in EXCLUDED:
            excluded_seen.add(key)
            print(f"excluded {where}: {r.status.name}: {r.reason}\n         because {EXCLUDED[key]}")
        else:
            failed.append(r)
            print(f"FAILED   {where}: {r.status.name}: {r.reason}")
            if r.data is not None:
                print(f"         data: {str(r.data)[:2000]}")
    stale = set(EXCLUDED) - excluded_seen
    for key in sorted(stale, key=str):
        # An exclusion that no longer fails is a fixed bug: drop it from the list.
        print(f"FAILED   {key}: listed as excluded but did not fail; remove it from EXCLUDED")
    total = len(results)
    print(f"\n{total} checks: {total - len(failed)} passed, skipped or excluded; {len(failed)} failed")
    return 1 if failed or stale else 0


if __name__ == "__main__":
    sys.exit(main())
