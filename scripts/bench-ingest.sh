#!/usr/bin/env bash
# bench-ingest.sh: the ingest load run of the README's performance section.
# SOURCES sources (default 1,000) x ITEMS items (default 50, at most 50: the
# first ITEMS items of the benchmark kit's perf-feed-50.xml) from local
# partner servers (the kit's load_partners.py on 20 loopback hosts), timed
# against ingest-limit, the fetch+parse floor, in the same run: a first pass
# (all new) and a second pass (all 304). Memory is sampled from
# /proc/PID/status while each pass runs: the peak RSS, and apart from it the
# peak anonymous memory (the heap and stacks) and the peak file-mapped
# memory (the embedded store's bbolt file map, which the kernel pages in
# and out as it likes and which is not the process's to bound).
# The store is the embedded one, or Redis when REDIS_URL is set (a Redis
# nobody else uses: keys are written under a fresh prefix and left there).
# Needs the benchmark kit (BENCH_KIT).
set -euo pipefail
export PATH="/usr/local/go/bin:$PATH"
top="$(cd "$(dirname "$0")/.." && pwd)"
kit="${BENCH_KIT:-}"
[ -d "$kit" ] || { echo "bench-ingest: no benchmark kit at $kit (set BENCH_KIT)" >&2; exit 2; }
sources="${SOURCES:-1000}"
items="${ITEMS:-50}"
tmp="$(mktemp -d)"
lp=""
cleanup() { [ -n "$lp" ] && kill "$lp" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

sample="$kit/samples/perf-feed-50.xml"
if [ "$items" != 50 ]; then
	# The first ITEMS items of the 50-item sample, the channel kept.
	python3 - "$sample" "$items" >"$tmp/sample.xml" <<'EOF'
import re, sys
doc = open(sys.argv[1], encoding="utf-8").read()
n = int(sys.argv[2])
items = re.findall(r"<item>.*?</item>\s*", doc, re.S)
head, tail = doc[: doc.index("<item>")], doc[doc.rindex("</item>") + len("</item>"):]
sys.stdout.write(head + "".join(items[:n]) + tail)
EOF
	sample="$tmp/sample.xml"
fi

python3 "$kit/load_partners.py" "$sample" "$tmp/port" 20 >"$tmp/lp.log" 2>&1 &
lp=$!
for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
port="$(cat "$tmp/port")"
{
	if [ -n "${REDIS_URL:-}" ]; then
		echo 'store: {redis_url: "'"$REDIS_URL"'", redis_prefix: "benchingest'"$$"'"}'
	else
		echo 'store: {data_dir: "'"$tmp"'/data"}'
	fi
	echo 'ingest: {allow_private_networks: true}'
	echo 'log: {level: warn}'
	echo 'sources:'
	for n in $(seq 0 $((sources - 1))); do
		url="http://127.0.0.$((1 + n % 20)):$port/p/$n.rss"
		echo "$url" >>"$tmp/urls"
		echo "  - {id: p$n, name: \"Partner $n\", url: \"$url\"}"
	done
} >"$tmp/config.yaml"

(cd "$kit/ingest-limit" && go build -o "$tmp/ingest-limit" .)
(cd "$top" && go build -o "$tmp/syndicate" ./cmd/syndicate)

# peaks PID: the peak VmRSS, RssAnon and RssFile (KB) of PID until it exits.
peaks() {
	local rss=0 anon=0 file=0 r a f
	while [ -r "/proc/$1/status" ]; do
		read -r r a f < <(awk '/^VmRSS/ {r=$2} /^RssAnon/ {a=$2} /^RssFile/ {f=$2} END {print r+0, a+0, f+0}' "/proc/$1/status" 2>/dev/null || echo "0 0 0")
		[ "$r" -gt "$rss" ] && rss=$r
		[ "$a" -gt "$anon" ] && anon=$a
		[ "$f" -gt "$file" ] && file=$f
		sleep 0.05
	done
	echo "$rss $anon $file"
}

echo "$sources sources x $items items, store: $([ -n "${REDIS_URL:-}" ] && echo redis || echo embedded)"
echo "floor (ingest-limit: 16 workers, fetch + gofeed parse, nothing stored):"
"$tmp/ingest-limit" <"$tmp/urls" | sed 's/^/  /'
for pass in first second; do
	t0=$(date +%s.%N)
	"$tmp/syndicate" ingest --config "$tmp/config.yaml" >"$tmp/$pass.out" 2>"$tmp/$pass.err" &
	pid=$!
	read -r rss anon file < <(peaks "$pid")
	wait "$pid" || true
	secs=$(echo "$(date +%s.%N) - $t0" | bc)
	ok=$(grep -c 'status=ok' "$tmp/$pass.out" || true)
	nm=$(grep -c 'status=not-modified' "$tmp/$pass.out" || true)
	failed=$(grep -c 'status=failed' "$tmp/$pass.out" || true)
	printf 'syndicate %s pass: %.2f s, peak RSS %d MB (anonymous %d MB, file-mapped %d MB), ok=%d not-modified=%d failed=%d\n' \
		"$pass" "$secs" $((rss / 1024)) $((anon / 1024)) $((file / 1024)) "$ok" "$nm" "$failed"
done
echo "partner server: $(curl -s "http://127.0.0.1:$port/_stats")"
