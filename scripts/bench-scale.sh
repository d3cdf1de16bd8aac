#!/usr/bin/env bash
# bench-scale.sh: what serving costs as the site grows. For each store
# (STORES, default "embedded redis") and each size in articles (arguments,
# default 1000 100000 500000; 50 articles per source, two categories per
# article from a pool of 1% of the articles, at most 5,000), it
#   - fills a store through the store API (scripts/benchscale fill),
#   - measures every public route in process, cached and uncached
#     (the first request on a fresh server), deep pages included,
#   - starts `syndicate serve` on it and measures start-up to the first
#     feed, uncached renders per second (distinct feed pages), then a
#     mixed load (hot feeds, every source's and category's feed, random
#     deep pages, the index, the OPML, list pages, articles) with its
#     p50/p99, and the peak anonymous memory of serve under that load
#     (feeds.cache_bytes 64 MiB),
# and prints one table per store with the ratio of the largest size to
# the smallest. Redis needs SYNDICATE_TEST_REDIS_URL (make bench-scale runs
# this under scripts/with-redis.sh). Loopback only; stops what it started.
set -euo pipefail
export PATH="/usr/local/go/bin:$PATH"
top="$(cd "$(dirname "$0")/.." && pwd)"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 100000 500000)
stores="${STORES:-embedded redis}"
load_secs="${LOAD_SECONDS:-10}"
tmp="$(mktemp -d)"
srv=""
cleanup() { [ -n "$srv" ] && kill "$srv" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

(cd "$top" && go build -o "$tmp/syndicate" ./cmd/syndicate && go build -o "$tmp/benchscale" ./scripts/benchscale)

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

for st in $stores; do
	for n in "${sizes[@]}"; do
		res="$tmp/res-$st-$n"
		: >"$res"
		port="$(freeport)"
		if [ "$st" = redis ]; then
			[ -n "${SYNDICATE_TEST_REDIS_URL:-}" ] || { echo "bench-scale: redis needs SYNDICATE_TEST_REDIS_URL (run it under scripts/with-redis.sh)" >&2; exit 2; }
			sflags=(-redis "$SYNDICATE_TEST_REDIS_URL" -prefix "bench$n")
		else
			sflags=(-dir "$tmp/data-$n")
		fi
		echo "== $st, $n articles: fill" >&2
		"$tmp/benchscale" fill "${sflags[@]}" -articles "$n" -config "$tmp/config-$st-$n.yaml" -listen "127.0.0.1:$port" >>"$res"
		echo "== $st, $n articles: routes" >&2
		"$tmp/benchscale" routes "${sflags[@]}" -articles "$n" >>"$res"
		echo "== $st, $n articles: serve" >&2
		t0=$(date +%s.%N)
		"$tmp/syndicate" serve --config "$tmp/config-$st-$n.yaml" >"$tmp/serve.log" 2>&1 &
		srv=$!
		until curl -sf -o /dev/null "http://127.0.0.1:$port/feed.rss"; do
			kill -0 "$srv" 2>/dev/null || { cat "$tmp/serve.log" >&2; exit 1; }
			sleep 0.02
		done
		echo "startup_s $(echo "$(date +%s.%N) - $t0" | bc)" >>"$res"
		"$tmp/benchscale" load "${sflags[@]}" -articles "$n" -base "http://127.0.0.1:$port" -uncached -c 16 -d 5s >>"$res"
		# Peak anonymous memory of serve while the mixed load runs.
		(peak=0; while kill -0 "$srv" 2>/dev/null; do
			kb=$(awk '/^RssAnon/ {print $2}' "/proc/$srv/status" 2>/dev/null || echo 0)
			[ "${kb:-0}" -gt "$peak" ] && { peak=$kb; echo "$peak" >"$tmp/peak"; }
			sleep 0.2
		done) &
		sampler=$!
		"$tmp/benchscale" load "${sflags[@]}" -articles "$n" -base "http://127.0.0.1:$port" -c 32 -d "${load_secs}s" >>"$res"
		echo "serve_anon_mb $(($(cat "$tmp/peak" 2>/dev/null || echo 0) / 1024))" >>"$res"
		kill "$srv"
		wait "$srv" 2>/dev/null || true
		wait "$sampler" 2>/dev/null || true
		srv=""
		rm -f "$tmp/peak"
		[ "$st" = embedded ] && rm -rf "$tmp/data-$n"
	done
	# One table per store: a row per measure, a column per size, then the
	# ratio of the largest size to the smallest.
	echo
	echo "## $st (cache_bytes 64 MiB; ms = milliseconds, us = microseconds)"
	files=()
	for n in "${sizes[@]}"; do files+=("$tmp/res-$st-$n"); done
	python3 - "${sizes[*]}" "${files[@]}" <<'EOF'
import sys
sizes = sys.argv[1].split()
cols = []
for f in sys.argv[2:]:
    d = {}
    for line in open(f):
        k, _, v = line.strip().partition(" ")
        if k:
            d[k] = v
    cols.append(d)
names = []
for d in cols:
    for k in d:
        if k not in names:
            names.append(k)
head = "| measure | " + " | ".join(f"{int(s):,} articles" for s in sizes)
head += f" | {int(sizes[-1]) // int(sizes[0])}x size ratio |" if len(sizes) > 1 else " |"
print(head)
print("|---" * (len(sizes) + 1 + (len(sizes) > 1)) + "|")
for k in names:
    vals = [d.get(k, "") for d in cols]
    row = f"| {k} | " + " | ".join(vals)
    if len(sizes) > 1:
        try:
            a, b = float(vals[0]), float(vals[-1])
            row += f" | {b / a:.2f} |" if a else " | - |"
        except ValueError:
            row += " | - |"
    else:
        row += " |"
    print(row)
EOF
done
