#!/usr/bin/env bash
# bench-ingest.sh: the ingest load run of the README's performance section.
# 1,000 sources x 50 items from local partner servers (the benchmark kit's
# load_partners.py on 20 loopback hosts), timed against ingest-limit, the
# fetch+parse floor, in the same run: a first pass (all new) and a second
# pass (all 304), with peak RSS. Needs the benchmark kit (BENCH_KIT).
set -euo pipefail
export PATH="/usr/local/go/bin:$PATH"
top="$(cd "$(dirname "$0")/.." && pwd)"
kit="${BENCH_KIT:-}"
[ -d "$kit" ] || { echo "bench-ingest: no benchmark kit at $kit (set BENCH_KIT)" >&2; exit 2; }
tmp="$(mktemp -d)"
lp=""
cleanup() { [ -n "$lp" ] && kill "$lp" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

python3 "$kit/load_partners.py" "$kit/samples/perf-feed-50.xml" "$tmp/port" 20 >"$tmp/lp.log" 2>&1 &
lp=$!
for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
port="$(cat "$tmp/port")"
{
	echo 'store: {data_dir: "'"$tmp"'/data"}'
	echo 'ingest: {allow_private_networks: true}'
	echo 'log: {level: warn}'
	echo 'sources:'
	for n in $(seq 0 999); do
		url="http://127.0.0.$((1 + n % 20)):$port/p/$n.rss"
		echo "$url" >>"$tmp/urls"
		echo "  - {id: p$n, name: \"Partner $n\", url: \"$url\"}"
	done
} >"$tmp/config.yaml"

(cd "$kit/ingest-limit" && go build -o "$tmp/ingest-limit" .)
(cd "$top" && go build -o "$tmp/syndicate" ./cmd/syndicate)

echo "floor (ingest-limit: 16 workers, fetch + gofeed parse, nothing stored):"
"$tmp/ingest-limit" <"$tmp/urls" | sed 's/^/  /'
for pass in first second; do
	/usr/bin/time -f "%e %M" -o "$tmp/time" "$tmp/syndicate" ingest --config "$tmp/config.yaml" >"$tmp/$pass.out" 2>"$tmp/$pass.err" || true
	read -r secs kb <"$tmp/time"
	ok=$(grep -c 'status=ok' "$tmp/$pass.out" || true)
	nm=$(grep -c 'status=not-modified' "$tmp/$pass.out" || true)
	failed=$(grep -c 'status=failed' "$tmp/$pass.out" || true)
	echo "syndicate $pass pass: ${secs} s, peak RSS $((kb / 1024)) MB, ok=$ok not-modified=$nm failed=$failed"
done
echo "partner server: $(curl -s "http://127.0.0.1:$port/_stats")"
