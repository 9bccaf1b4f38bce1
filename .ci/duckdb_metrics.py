"""The dashboard's metrics computed by DuckDB from a Parquet export (`rungs export
--format parquet`), independently of Rungs' own code: the definitions of
docs/ANALYTICS.md written as SQL over events.parquet and people.parquet.

    python duckdb_metrics.py DIR START END            # the aggregates as JSON on stdout
    python duckdb_metrics.py DIR START END --bench N  # also time N runs (stderr, JSON)

START and END are the period (ISO 8601, UTC). Used by the test `parquet` in
crates/rungs/tests/it (which compares every number with Rungs' metrics report) and by
the benchmark in docs/BENCHMARKS.md.
"""

import json
import sys
import time

import duckdb

PROGRESSIONS = ("micro_progression", "micro_promotion", "promotion", "lateral_move")


def setup(con, d):
    con.execute(f"CREATE OR REPLACE VIEW ev AS SELECT * FROM read_parquet('{d}/events.parquet')")
    con.execute(f"CREATE OR REPLACE VIEW pe AS SELECT * FROM read_parquet('{d}/people.parquet')")
    # Rungs counts whole days: a step's day, a period from its first day up to the day
    # its end falls on (or the next one when the end is past midnight).
    con.execute("CREATE OR REPLACE MACRO dayof(t) AS (epoch_us(t) // 86400000000)")
    con.execute(
        "CREATE OR REPLACE MACRO daybound(t) AS "
        "(CASE WHEN epoch_us(t) % 86400000000 = 0 THEN epoch_us(t) // 86400000000 "
        "ELSE epoch_us(t) // 86400000000 + 1 END)"
    )


def aggregates(con, start, end):
    s, e = f"TIMESTAMPTZ '{start}'", f"TIMESTAMPTZ '{end}'"
    kinds = ", ".join(f"'{k}'" for k in PROGRESSIONS)
    sql = f"""
    WITH reversed AS (SELECT target AS id FROM ev WHERE kind = 'reversal' AND target IS NOT NULL),
    live AS (
      SELECT subject, actor, kind, dayof(occurred_at) AS d, payload FROM ev
      WHERE kind IN ({kinds}, 'recognition', 'badge_awarded', 'milestone_completed')
        AND id NOT IN (SELECT id FROM reversed)
    ),
    people AS (
      SELECT id, name, coalesce(department, '(no department)') AS department, track, manager_id,
             hired_at,
             CASE WHEN status = 'active' THEN NULL ELSE ended_at END AS ended,
             greatest(hired_at, {s}) AS f,
             least(coalesce(CASE WHEN status = 'active' THEN NULL ELSE ended_at END, {e}), {e}) AS t
      FROM pe
    ),
    inview AS (SELECT * FROM people WHERE f < t),
    steps AS (
      SELECT p.id,
        count(*) FILTER (WHERE l.kind = 'promotion') AS promotions,
        count(*) FILTER (WHERE l.kind = 'micro_progression') AS wins,
        count(*) FILTER (WHERE l.kind = 'micro_promotion') AS micro_promotions,
        count(*) FILTER (WHERE l.kind = 'lateral_move') AS laterals
      FROM inview p JOIN live l ON l.subject = p.id
      WHERE l.kind IN ({kinds}) AND l.d >= dayof(p.f) AND l.d < daybound(p.t)
      GROUP BY p.id
    ),
    thanks AS (
      SELECT actor AS giver, subject AS receiver,
             CAST(json_extract_string(payload, '$.points') AS BIGINT) AS points
      FROM live
      WHERE kind = 'recognition' AND actor IS NOT NULL AND d >= dayof({s}) AND d < daybound({e})
    ),
    received AS (SELECT receiver AS id, count(*) AS n, sum(points) AS points FROM thanks GROUP BY receiver),
    given AS (SELECT giver AS id, count(*) AS n FROM thanks GROUP BY giver),
    creds AS (
      SELECT subject AS id,
        count(*) FILTER (WHERE kind = 'badge_awarded') AS badges,
        count(*) FILTER (WHERE kind = 'milestone_completed') AS milestones
      FROM live
      WHERE kind IN ('badge_awarded', 'milestone_completed') AND d >= dayof({s}) AND d < daybound({e})
      GROUP BY subject
    ),
    last_step AS (
      SELECT l.subject AS id,
        max(l.d) AS last_any,
        max(l.d) FILTER (WHERE l.kind = 'promotion') AS last_promotion
      FROM live l WHERE l.kind IN ({kinds}) AND l.d < daybound({e})
      GROUP BY l.subject
    ),
    person AS (
      SELECT p.*,
        (p.hired_at <= {e} AND (p.ended IS NULL OR p.ended > {e})) AS active,
        (epoch_us(p.t) - epoch_us(p.f)) / 1e6 / 86400 / 30.44 AS person_months,
        coalesce(st.promotions, 0) AS promotions, coalesce(st.wins, 0) AS wins,
        coalesce(st.micro_promotions, 0) AS micro_promotions, coalesce(st.laterals, 0) AS laterals,
        coalesce(r.n, 0) AS received, coalesce(r.points, 0) AS points, coalesce(g.n, 0) AS given,
        coalesce(c.badges, 0) AS badges, coalesce(c.milestones, 0) AS milestones,
        (epoch_us({e}) - greatest(epoch_us(p.hired_at), coalesce(ls.last_promotion * 86400000000, 0)))
          / 1e6 / 86400 / 30.44 AS months_in_level,
        coalesce(ls.last_any >= dayof({e} - INTERVAL 30 DAY), false) AS p30,
        coalesce(ls.last_any >= dayof({e} - INTERVAL 90 DAY), false) AS p90
      FROM inview p
      LEFT JOIN steps st ON st.id = p.id
      LEFT JOIN received r ON r.id = p.id
      LEFT JOIN given g ON g.id = p.id
      LEFT JOIN creds c ON c.id = p.id
      LEFT JOIN last_step ls ON ls.id = p.id
    ),
    grouped AS (
      SELECT 'organization' AS "by", 'organization' AS grp, * FROM person
      UNION ALL SELECT 'department', department, * FROM person
      UNION ALL SELECT 'track', track, * FROM person
      UNION ALL SELECT 'manager', manager_id, * FROM person WHERE manager_id IS NOT NULL
    )
    SELECT "by", grp,
      count(*) AS people,
      count(*) FILTER (WHERE active) AS active,
      sum(person_months) AS person_months,
      sum(promotions) AS promotions, sum(wins) AS micro_progressions,
      sum(micro_promotions) AS micro_promotions, sum(laterals) AS lateral_moves,
      sum(received) AS received, sum(given) AS given, sum(points) AS points_received,
      sum(badges) AS badges, sum(milestones) AS milestones,
      quantile_cont(months_in_level, 0.5) FILTER (WHERE active) AS median_months_in_level,
      count(*) FILTER (WHERE active AND p30) AS progressed_30,
      count(*) FILTER (WHERE active AND p90) AS progressed_90
    FROM grouped GROUP BY "by", grp ORDER BY "by", grp
    """
    cur = con.execute(sql)
    names = [c[0] for c in cur.description]
    groups = [dict(zip(names, row)) for row in cur.fetchall()]
    for g in groups:
        for k, v in g.items():
            if k not in ("by", "grp") and v is not None:
                g[k] = float(v) if isinstance(v, float) or k in ("person_months", "median_months_in_level") else int(v)
    kinds = dict(con.execute("SELECT kind, count(*) FROM ev GROUP BY kind").fetchall())
    people = con.execute("SELECT count(*) FROM pe").fetchone()[0]
    return {"kinds": kinds, "people_rows": people, "groups": groups}


def main():
    d, start, end = sys.argv[1], sys.argv[2], sys.argv[3]
    con = duckdb.connect()
    setup(con, d)
    result = aggregates(con, start, end)
    if "--bench" in sys.argv:
        n = int(sys.argv[sys.argv.index("--bench") + 1])
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            aggregates(con, start, end)
            times.append(time.perf_counter() - t0)
        times.sort()
        print(json.dumps({"duckdb": duckdb.__version__, "runs_s": times, "median_s": times[len(times) // 2]}), file=sys.stderr)
    json.dump(result, sys.stdout, default=str)


if __name__ == "__main__":
    main()
