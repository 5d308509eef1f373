"""The same job with dlt, for docs/performance.md: every row of the fake KEXP feed into
PostgreSQL with dlt's rest_api source, following the `next` links, merged on the play id.

    python kexp_to_postgres.py API_ROOT POSTGRES_URL

Prints one line: rows loaded, seconds, rows per second, peak memory (this process and its
children). Run by Benchmarks/compare-dlt.sh, never by the product or its tests.
"""

import resource
import sys
import time
import uuid

import dlt
from dlt.sources.rest_api import rest_api_source


def main() -> None:
    api_root, postgres_url = sys.argv[1].rstrip("/"), sys.argv[2]
    source = rest_api_source(
        {
            "client": {
                "base_url": api_root + "/",
                "paginator": {"type": "json_link", "next_url_path": "next"},
            },
            "resource_defaults": {"write_disposition": "merge", "primary_key": "id"},
            "resources": [
                {
                    "name": "plays",
                    "endpoint": {"path": "plays/", "params": {"limit": 200}, "data_selector": "results"},
                }
            ],
        }
    )
    name = "kexp_" + uuid.uuid4().hex[:8]
    pipeline = dlt.pipeline(
        pipeline_name=name,
        destination=dlt.destinations.postgres(credentials=postgres_url),
        dataset_name=name,
        pipelines_dir="/tmp/radio-ingest-dlt-pipelines",
    )
    start = time.monotonic()
    info = pipeline.run(source)
    elapsed = time.monotonic() - start
    info.raise_on_failed_jobs()
    rows = pipeline.last_trace.last_normalize_info.row_counts.get("plays", 0)
    peak = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    ) / 1024
    print(f"dlt {dlt.__version__}: {rows} rows loaded in {elapsed:.2f} s = {rows / elapsed:.0f} rows/s, peak memory {peak:.0f} MiB")


if __name__ == "__main__":
    main()
