#!/usr/bin/env bash
# bench-serve.sh [embedded|redis|both] [feed|page|article|json|front|partner]: the serving load run of
# the README's performance section. Serves a cached 50-item feed (the kit's
# perf-feed-50.xml as a file: source) and runs the kit's serve-bench with
# wrk against it, against the reference Go server (same bytes, precomputed)
# and nginx (gzip_static) in the same run, for a 200, a gzip 200 and a 304.
# With "page" it loads a reader page instead: the embeddable comment thread
# of the feed's first article, /articles/{id}/comments; with "article" that
# article's page, /articles/{id}.html (the page a browser gets at
# /articles/{id}; wrk sends no Accept header, which gets the JSON there);
# with "json" that JSON, /articles/{id}; with "front" the front page, /;
# with "partner" a partner's private feed, /partners/bench/feed.rss?key=….
# Only the printed ratios mean anything on a shared machine.
set -euo pipefail
export PATH="/usr/local/go/bin:$PATH"
top="$(cd "$(dirname "$0")/.." && pwd)"
kit="${BENCH_KIT:-}"
[ -d "$kit" ] || { echo "bench-serve: no benchmark kit at $kit (set BENCH_KIT)" >&2; exit 2; }
which="${1:-both}"
what="${2:-feed}"
case "$what" in feed|page|article|json|front|partner) ;; *) echo "bench-serve: second argument: feed, page, article, json, front or partner" >&2; exit 2 ;; esac
partner_key="bench-partner-key-$(date +%s)-0123456789"
tmp="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
(cd "$top" && go build -o "$tmp/syndicate" ./cmd/syndicate)
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

run() { # $1 = store name, $2 = extra store config
	local port; port="$(freeport)"
	cat >"$tmp/$1.yaml" <<YAML
listen: "127.0.0.1:$port"
base_url: "http://127.0.0.1:$port"
store:
  data_dir: "$tmp/data-$1"
$2
feeds: {default_limit: 50}
log: {level: warn}
partners:
  - name: bench
    key: "$partner_key"
sources:
  - id: perf
    name: "Perf Partner"
    url: "file:$kit/samples/perf-feed-50.xml"
    site_url: "https://perf.example/"
YAML
	"$tmp/syndicate" serve --config "$tmp/$1.yaml" >"$tmp/$1.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 100); do
		[ "$(curl -s "http://127.0.0.1:$port/feed.rss" | grep -c '<item>' || true)" -ge 1 ] && break
		sleep 0.1
	done
	local path=/feed.rss
	local id
	# Our own article URL (the feed also carries the partner's links,
	# whose paths may look alike).
	id="$(curl -s "http://127.0.0.1:$port/feed.rss" | grep -o "http://127.0.0.1:$port/articles/[^/<\"#?]*" | head -1)"
	id="${id#http://127.0.0.1:$port}"
	case "$what" in
	page) path="$id/comments" ;;
	article) path="$id.html" ;;
	json) path="$id" ;;
	front) path="/" ;;
	partner) path="/partners/bench/feed.rss?key=$partner_key" ;;
	esac
	local code # cached before the first run, and a 200: never load an error page
	code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$path")"
	[ "$code" = 200 ] || { echo "bench-serve: $path answered $code, not 200" >&2; exit 1; }
	echo "== $1 store: $path"
	local vs=(--vs-go --vs-nginx)
	[ "$what" = front ] && vs=(--vs-go) # the kit's nginx serves files: "/" has no ETag there
	"$kit/serve-bench" -d "${BENCH_SECONDS:-5}" -n "${BENCH_RUNS:-3}" "${vs[@]}" "http://127.0.0.1:$port" "$path"
}

if [ "$which" = embedded ] || [ "$which" = both ]; then
	run embedded ""
fi
if [ "$which" = redis ] || [ "$which" = both ]; then
	rport="$(freeport)"
	redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
		--pidfile "$tmp/redis.pid" --dir "$tmp" --logfile "$tmp/redis.log"
	for _ in $(seq 50); do [ -s "$tmp/redis.pid" ] && break; sleep 0.1; done
	pids+=("$(cat "$tmp/redis.pid")")
	run redis "  redis_url: \"redis://127.0.0.1:$rport/0\""
fi
