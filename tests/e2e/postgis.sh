#!/usr/bin/env bash
# PostGIS: incidents and a layer read from a throwaway PostgreSQL 15 + PostGIS
# cluster (loopback only, a free port, a password-protected role) give the
# same model and risk surface as the same study reading the files; a SQL query
# source too; the weekly ledger round-trips through the database; a wrong
# password fails cleanly and no password ever reaches an output.
# PostgreSQL missing is a failure, not a skip: scripts/install-deps.sh (and so
# CI) installs postgresql-15 and postgresql-15-postgis-3.
set -euo pipefail
RTM="$1"
SRC="$2"
PGBIN=/usr/lib/postgresql/15/bin
fail() { echo "FAIL: $*"; exit 1; }

for b in initdb pg_ctl postgres psql; do
  [ -x "$PGBIN/$b" ] || [ "$b" = psql ] || fail "$PGBIN/$b is missing: run scripts/install-deps.sh (postgresql-15)"
done
command -v psql >/dev/null || fail "psql is missing: run scripts/install-deps.sh (postgresql-15)"
[ -f /usr/share/postgresql/15/extension/postgis.control ] ||
  fail "PostGIS for PostgreSQL 15 is missing: run scripts/install-deps.sh (postgresql-15-postgis-3)"
command -v ogr2ogr >/dev/null || fail "ogr2ogr is missing (gdal-bin)"

work="$(mktemp -d)"
chmod 755 "$work"  # the server's user must reach its data folder
PGDATA_DIR="$work/pgdata"
SOCK="$work/sock"   # the server's socket and log
mkdir -p "$PGDATA_DIR" "$SOCK"
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || fail "no 'postgres' user to run the server as (CI runs as root)"
  chown postgres "$PGDATA_DIR" "$SOCK"
  as_pg=(runuser -u postgres --)
fi
cleanup() {
  local rc=$?
  if [ -f "$PGDATA_DIR/postmaster.pid" ]; then
    "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT="$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
PW="Rtm-pw-$RANDOM$RANDOM-x9"   # the role's password: must appear in no output
WRONG="Wrong-pw-$RANDOM$RANDOM-q7"
printf 'superpw\n' > "$work/super.pw"
chmod 644 "$work/super.pw"
"${as_pg[@]}" "$PGBIN/initdb" -D "$PGDATA_DIR" -U postgres --pwfile="$work/super.pw" \
  --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$work/initdb.log" 2>&1 ||
  { cat "$work/initdb.log"; fail "initdb"; }
"${as_pg[@]}" "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -w -t 60 -l "$SOCK/server.log" \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$SOCK -c fsync=off" start >/dev/null ||
  { cat "$SOCK/server.log"; fail "the server did not start"; }

psql_su() { psql -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PORT" -U postgres "$@"; }
psql_su -d postgres -c "CREATE ROLE rtm LOGIN PASSWORD '$PW'" -c "CREATE DATABASE rtm OWNER rtm"
psql_su -d rtm -c "CREATE EXTENSION postgis"

CONN="PG:host=127.0.0.1 port=$PORT dbname=rtm user=rtm"
export RTM_TEST_DB_PASSWORD="$PW"
# Load the sample city's incidents (the CSV, text columns as GDAL reads them) and one layer.
PGPASSWORD="$PW" ogr2ogr -f PostgreSQL "$CONN" "$SRC/sample-city/assaults_2016_2018.csv" -nln assaults \
  -oo X_POSSIBLE_NAMES=longitude -oo Y_POSSIBLE_NAMES=latitude -oo KEEP_GEOM_COLUMNS=YES -oo AUTODETECT_TYPE=NO \
  -a_srs EPSG:4326 -lco GEOMETRY_NAME=geom
PGPASSWORD="$PW" ogr2ogr -f PostgreSQL "$CONN" "$SRC/sample-city/liquor_retail.geojson" -nln liquor_retail \
  -lco GEOMETRY_NAME=geom
n=$(psql_su -d rtm -At -c "SELECT count(*) FROM assaults")
[ "$n" -gt 1000 ] || fail "only $n incidents loaded"

# The study files: the sample city with absolute paths and no maps (speed);
# variants read the incidents and liquor_retail from the database.
/usr/bin/python3 - "$SRC" "$work" "$CONN" "$PW" "$WRONG" <<'PY'
import re, sys
src, work, conn, pw, wrong = sys.argv[1:]
base = open(f"{src}/config/sample-city.toml").read().replace('"../sample-city/', f'"{src}/sample-city/')
base += '\n[render]\nbriefing = false\nmap = false\n'

def pg(text, incidents, layer_source, extra_schedule=""):
    text = re.sub(r'(\[incidents\]\n)source = [^\n]*\nx = [^\n]*\ny = [^\n]*\ncrs = [^\n]*\n',
                  lambda m: m.group(1) + incidents, text)
    text = re.sub(r'(name = "liquor_retail"\n)source = [^\n]*\n', lambda m: m.group(1) + layer_source, text)
    if extra_schedule:
        text += "\n[schedule]\n" + extra_schedule
    return text

env = 'password_env = "RTM_TEST_DB_PASSWORD"\n'
table = pg(base, f'source = "{conn}"\nlayer = "assaults"\n' + env, f'source = "{conn}"\nlayer = "liquor_retail"\n' + env)
# the SQL variant writes its password into the source string: it must be redacted everywhere
sql = pg(base,
         f'source = "{conn} password={pw}"\n'
         'sql = "SELECT ogc_fid, date, loc_cat, longitude, latitude, district, geom FROM assaults WHERE date >= \'2016\' ORDER BY ogc_fid"\n',
         f'source = "{conn}"\nsql = "SELECT * FROM liquor_retail"\n' + env)
ledger = pg(base, f'source = "{conn}"\nlayer = "assaults"\n' + env, f'source = "{conn}"\nlayer = "liquor_retail"\n' + env,
            f'ledger = "{conn}"\nledger_password_env = "RTM_TEST_DB_PASSWORD"\n')
badsql = pg(base, f'source = "{conn}"\nsql = "SELECT * FROM no_such_table"\n' + env, f'source = "{conn}"\nlayer = "liquor_retail"\n' + env)
wrongpw = pg(base, f'source = "{conn} password={wrong}"\nlayer = "assaults"\n', f'source = "{conn}"\nlayer = "liquor_retail"\n' + env)
for name, text in [("files", base), ("table", table), ("sql", sql), ("ledger", ledger), ("wrong", wrongpw), ("badsql", badsql)]:
    open(f"{work}/{name}.toml", "w").write(text)
assert table != base and 'layer = "assaults"' in table and 'layer = "liquor_retail"' in table, table
assert "sql = " in sql and f"password={pw}" in sql
PY
# the incidents CSV's columns, so the SQL above selects real ones
head -1 "$SRC/sample-city/assaults_2016_2018.csv" | grep -q '^date,loc_cat,longitude,latitude,district' || fail "unexpected CSV header: $(head -1 "$SRC/sample-city/assaults_2016_2018.csv")"

out="$work/out"
mkdir -p "$out"
"$RTM" run "$work/files.toml" --out "$out/files" --quiet
"$RTM" run "$work/table.toml" --out "$out/table" --quiet
"$RTM" run "$work/sql.toml" --out "$out/sql" --quiet 2>"$out/sql.stderr"
"$RTM" validate "$work/sql.toml" >"$out/sql.validate" 2>&1

# (a), (b): same model (factors, coefficients within 1e-9 relative) and the same risk.tif, cell for cell.
/usr/bin/python3 - "$out" <<'PY'
import json, sys
from osgeo import gdal
import numpy as np
out = sys.argv[1]
ref = json.load(open(f"{out}/files/model.json"))
ref_risk = gdal.Open(f"{out}/files/risk.tif").ReadAsArray()
assert len(ref["factors"]) > 0, "the file study selected no factor"
def same(a, b, where):
    """model.json values: numbers within 1e-9 relative, everything else equal."""
    if isinstance(a, float) or isinstance(b, float):
        assert abs(a - b) <= 1e-9 * max(abs(a), abs(b)), (where, a, b)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), (where, sorted(a.keys() ^ b.keys()))
        for k in a:
            same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), (where, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{i}]")
    else:
        assert a == b, (where, a, b)
for v in ("table", "sql"):
    m = json.load(open(f"{out}/{v}/model.json"))
    names = [f["name"] for f in m["factors"]]
    same(ref, m, v)  # factors, coefficients, SEs, RRVs, intercept, family, fit, grid, window
    risk = gdal.Open(f"{out}/{v}/risk.tif").ReadAsArray()
    assert risk.shape == ref_risk.shape and np.array_equal(risk, ref_risk), (v, "risk.tif differs")
    rep = json.load(open(f"{out}/{v}/report.json"))
    inc = rep["inputs"]["incidents"] if "inputs" in rep else rep["incidents"]
    assert inc["driver"] == "PostgreSQL", inc["driver"]
    assert len(inc.get("rows_sha256", "")) == 64 and "sha256" not in inc, inc
    assert inc["source"].startswith("PG:host=127.0.0.1"), inc["source"]
    lr = [l for l in rep["layers"] if l["name"] == "liquor_retail"][0]
    assert lr["driver"] == "PostgreSQL" and len(lr["rows_sha256"]) == 64, lr
    ref_lr = [l for l in json.load(open(f"{out}/files/report.json"))["layers"] if l["name"] == "liquor_retail"][0]
    assert (lr["read"], lr["kept"]) == (ref_lr["read"], ref_lr["kept"]), (lr["read"], ref_lr["read"])
    print(f"ok: {v}: {len(names)} factors and risk.tif ({risk.shape[1]}x{risk.shape[0]}) as from the files;"
          f" incidents rows_sha256 {inc['rows_sha256'][:12]}...")
t = json.load(open(f"{out}/table/report.json")); s = json.load(open(f"{out}/sql/report.json"))
ti = t.get("inputs", t)["incidents"]; si = s.get("inputs", s)["incidents"]
assert "password=***" in si["source"], si["source"]
assert si["read"] == ti["read"] and si["kept"] == ti["kept"], (si["read"], ti["read"])
PY
grep -q "password=\*\*\*" "$out/sql.validate" || { cat "$out/sql.validate"; fail "validate does not show the redacted source"; }

# (c) the ledger in PostGIS: two dated runs; `rtm history` lists them as the GeoPackage ledger does.
for d in 2018-01-01 2018-01-08; do
  "$RTM" run "$work/files.toml" --as-of "$d" --runs "$work/runs-gpkg" --quiet
  "$RTM" run "$work/ledger.toml" --as-of "$d" --runs "$work/runs-pg" --quiet
done
[ ! -e "$work/runs-pg/ledger.gpkg" ] || fail "the PostGIS study wrote a GeoPackage ledger"
"$RTM" history "$work/files.toml" --runs "$work/runs-gpkg" >"$out/history-gpkg.txt"
"$RTM" history "$work/ledger.toml" --runs "$work/runs-pg" >"$out/history-pg.txt"
head -1 "$out/history-pg.txt" | grep -q "2 run(s) in PG:host=127.0.0.1 port=$PORT dbname=rtm user=rtm$" ||
  { cat "$out/history-pg.txt"; fail "history does not name the database ledger"; }
diff <(tail -n +2 "$out/history-gpkg.txt") <(tail -n +2 "$out/history-pg.txt") ||
  fail "rtm history differs between the GeoPackage and the PostGIS ledger"
grep -q "changes in 2018-01-08 since 2018-01-01" "$out/history-pg.txt" || { cat "$out/history-pg.txt"; fail "no change section"; }
sel=$(psql_su -d rtm -At -c "SELECT string_agg(reselected::text, '' ORDER BY as_of) FROM runs")
[ "$sel" = "10" ] || fail "reselected pattern in the database ledger: '$sel', expected 10"
models=$(psql_su -d rtm -At -c "SELECT count(*) FROM models")
[ "$models" -eq 1 ] || fail "models in the database ledger: $models, expected 1"
places=$(psql_su -d rtm -At -c "SELECT count(*) FROM places WHERE ST_SRID(geom) = 26971 AND NOT ST_IsEmpty(geom)")
gp=$(ogrinfo -ro -so "$work/runs-gpkg/ledger.gpkg" places | awk -F': ' '/Feature Count/ { print $2 }')
[ "$places" -gt 0 ] && [ "$places" -eq "$gp" ] || fail "places in the database ledger: $places, GeoPackage: $gp"
hash=$(psql_su -d rtm -At -c "SELECT DISTINCT incidents_sha256 FROM runs")
[ "${#hash}" -eq 64 ] || fail "incidents_sha256 in the database ledger: '$hash'"
echo "ok: ledger in PostGIS: $(head -1 "$out/history-pg.txt")"

# A ledger write that fails half-way (the server refuses to create the places
# table, after runs and models were replaced) rolls back: the ledger is as before.
psql_su -d rtm <<'SQL'
CREATE FUNCTION rtm_test_refuse_places() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_event_trigger_ddl_commands() WHERE object_identity = 'public.places') THEN
    RAISE EXCEPTION 'rtm test: refusing to create places';
  END IF;
END $$;
CREATE EVENT TRIGGER rtm_test_refuse_places ON ddl_command_end WHEN TAG IN ('CREATE TABLE')
  EXECUTE FUNCTION rtm_test_refuse_places();
SQL
ledger_dump() { psql_su -d rtm -At -c "SELECT r::text FROM runs r ORDER BY as_of" -c "SELECT m::text FROM models m" \
  -c "SELECT run_id, rank, ST_AsText(geom) FROM places ORDER BY run_id, rank"; }
before="$(ledger_dump)"
set +e
"$RTM" run "$work/ledger.toml" --as-of 2018-01-15 --runs "$work/runs-pg" --quiet 2>"$out/interrupted.stderr"
rc=$?
set -e
[ "$rc" -eq 7 ] || { cat "$out/interrupted.stderr"; fail "a failed ledger write: exit $rc, expected 7 (output)"; }
grep -q "refusing to create places" "$out/interrupted.stderr" || { cat "$out/interrupted.stderr"; fail "no cause given"; }
[ "$(ledger_dump)" = "$before" ] || fail "a failed ledger write changed the ledger"
"$RTM" history "$work/ledger.toml" --runs "$work/runs-pg" | cmp -s - "$out/history-pg.txt" ||
  fail "rtm history changed after a failed ledger write"
psql_su -d rtm -c "DROP EVENT TRIGGER rtm_test_refuse_places"
echo "ok: a failed ledger write left the ledger as it was: $(head -1 "$out/interrupted.stderr")"

# A query that fails: a data error naming the key and the source.
set +e
"$RTM" validate "$work/badsql.toml" >"$out/badsql.stdout" 2>"$out/badsql.stderr"
rc=$?
set -e
[ "$rc" -eq 4 ] && grep -q "incidents.sql: the query failed on PG:host=127.0.0.1 port=$PORT dbname=rtm user=rtm: .*no_such_table" "$out/badsql.stderr" ||
  { cat "$out/badsql.stderr"; fail "a failing query: exit $rc"; }
echo "ok: failing query: $(head -1 "$out/badsql.stderr")"

# (d) a wrong password: a data error (exit 4) naming the source, the password redacted.
set +e
"$RTM" run "$work/wrong.toml" --out "$out/wrong" >"$out/wrong.stdout" 2>"$out/wrong.stderr"
rc=$?
set -e
[ "$rc" -eq 4 ] || { cat "$out/wrong.stderr"; fail "wrong password: exit $rc, expected 4 (data)"; }
grep -q "incidents" "$out/wrong.stderr" && grep -q "PG:host=127.0.0.1 port=$PORT dbname=rtm user=rtm password=\*\*\*" "$out/wrong.stderr" &&
  grep -qi "password authentication failed" "$out/wrong.stderr" ||
  { cat "$out/wrong.stderr"; fail "the message does not name the source (redacted) and the cause"; }
[ ! -e "$out/wrong" ] || [ -z "$(ls -A "$out/wrong")" ] || fail "a failed run left outputs in $out/wrong"
echo "ok: wrong password: $(head -1 "$out/wrong.stderr")"

# No password anywhere: stdout, stderr, every output file (binary ones too), the database ledger.
for secret in "$PW" "$WRONG"; do
  if grep -r -a -l -F -- "$secret" "$out" "$work/runs-gpkg" "$work/runs-pg"; then fail "a password reached the files above"; fi
done
psql_su -d rtm -At -c "SELECT r::text FROM runs r UNION ALL SELECT m::text FROM models m" | grep -q -F -- "$PW" &&
  fail "the password reached the database ledger"
echo "ok: no password in any output ($(find "$out" "$work/runs-gpkg" "$work/runs-pg" -type f | wc -l) files checked)"
