#!/usr/bin/env bash
# with-redis.sh COMMAND [ARG...] runs COMMAND against a private, throwaway
# redis-server and exits with COMMAND's status.
#
# The server listens on a free loopback port (never 6379, so a developer's
# own Redis is left alone), keeps nothing on disk (--save '', appendonly
# off) and lives in a temporary directory. Its URL is exported as
# SYNDICATE_TEST_REDIS_URL. A 3-master Cluster is exported as
# SYNDICATE_TEST_REDIS_CLUSTER_URL, and a Sentinel deployment (a primary, a
# replica and a sentinel) as SYNDICATE_TEST_SENTINEL_URL, with its nodes'
# directories (node-PORT/redis.pid) under SYNDICATE_TEST_SENTINEL_DIR for the
# failover test, which kills the primary. They are stopped when this script exits, however
# that happens (success, failure, Ctrl-C). COMMAND runs in the foreground,
# so Ctrl-C reaches it directly; a TERM sent to this script alone takes
# effect when COMMAND ends.
set -euo pipefail

if [ "$#" -eq 0 ]; then
	echo "usage: $0 COMMAND [ARG...]" >&2
	exit 2
fi
export PATH="/usr/local/go/bin:$PATH"

if ! command -v redis-server >/dev/null 2>&1; then
	"$(dirname "$0")/deps.sh"
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/syndicate-redis.XXXXXX")"
pidfile="$tmp/redis.pid"

stop_cluster() {
	local pf pid
	for pf in "$tmp"/cluster-*/redis.pid; do
		[ -s "$pf" ] || continue
		pid="$(cat "$pf")"
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
	done
}
stop_redis() {
	[ -s "$pidfile" ] || return 0
	local pid
	pid="$(cat "$pidfile")"
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
	rm -f "$pidfile"
}
stop_sentinel() {
	local pf pid
	for pf in "$tmp"/sentinel/*/redis.pid "$tmp"/sentinel/sentinel.pid; do
		[ -s "$pf" ] || continue
		pid="$(cat "$pf")"
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
	done
}
cleanup() {
	stop_sentinel
	stop_cluster
	stop_redis
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# port_free reports whether nothing accepts connections on the port.
port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# redis_ping reports whether a Redis on the port says PONG; bash's /dev/tcp
# stands in when redis-cli is not installed.
redis_ping() {
	if command -v redis-cli >/dev/null 2>&1; then
		[ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = PONG ]
		return
	fi
	local reply
	reply="$(
		exec 2>/dev/null
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf 'PING\r\n' >&3
		IFS= read -r -t 1 line <&3 || exit 1
		printf '%s' "${line%$'\r'}"
	)" || return 1
	[ "$reply" = "+PONG" ]
}

port=""
for _ in $(seq 20); do
	candidate=$((20000 + RANDOM % 40000))
	port_free "$candidate" || continue
	redis-server --port "$candidate" --bind 127.0.0.1 --save '' --appendonly no \
		--daemonize yes --pidfile "$pidfile" --dir "$tmp" --logfile "$tmp/redis.log" || continue
	# Ours only when our process wrote its pid file (it does so after binding)
	# and answers: another process may have taken the port meanwhile.
	for _ in $(seq 100); do
		if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && redis_ping "$candidate"; then
			port="$candidate"
			break 2
		fi
		sleep 0.05
	done
	stop_redis
done
if [ -z "$port" ]; then
	echo "with-redis: could not start redis-server on a free port; its last log:" >&2
	tail -n 20 "$tmp/redis.log" >&2 2>/dev/null || true
	exit 1
fi

export SYNDICATE_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
echo "with-redis: private redis-server at $SYNDICATE_TEST_REDIS_URL" >&2

# A private 3-master Redis Cluster on three more free loopback ports, for
# the store contract and lease tests on a cluster (docs/decisions/fleet.md).
cluster_ports=()
for _ in $(seq 60); do
	[ "${#cluster_ports[@]}" -eq 3 ] && break
	candidate=$((20000 + RANDOM % 40000))
	[ "$candidate" = "$port" ] && continue
	port_free "$candidate" || continue
	node="$tmp/cluster-$candidate"
	mkdir -p "$node"
	redis-server --port "$candidate" --bind 127.0.0.1 --save '' --appendonly no \
		--cluster-enabled yes --cluster-config-file "$node/nodes.conf" --cluster-node-timeout 2000 \
		--daemonize yes --pidfile "$node/redis.pid" --dir "$node" --logfile "$node/redis.log" || continue
	for _ in $(seq 100); do
		if [ -s "$node/redis.pid" ] && redis_ping "$candidate"; then
			cluster_ports+=("$candidate")
			break
		fi
		sleep 0.05
	done
done
if [ "${#cluster_ports[@]}" -ne 3 ]; then
	echo "with-redis: could not start three cluster nodes" >&2
	exit 1
fi
hosts=()
for p in "${cluster_ports[@]}"; do hosts+=("127.0.0.1:$p"); done
if ! redis-cli --cluster create "${hosts[@]}" --cluster-replicas 0 --cluster-yes >"$tmp/cluster-create.log" 2>&1; then
	echo "with-redis: redis-cli --cluster create failed:" >&2
	tail -n 20 "$tmp/cluster-create.log" >&2
	exit 1
fi
for _ in $(seq 200); do
	if redis-cli -p "${cluster_ports[0]}" cluster info 2>/dev/null | grep -q 'cluster_state:ok'; then
		break
	fi
	sleep 0.05
done
export SYNDICATE_TEST_REDIS_CLUSTER_URL="redis://$(IFS=,; echo "${hosts[*]}")"
echo "with-redis: private 3-master Redis Cluster at $SYNDICATE_TEST_REDIS_CLUSTER_URL" >&2

# A private Sentinel deployment: a primary, its replica and one sentinel
# (quorum 1) that fails over a second after the primary stops answering.
taken=("$port" "${cluster_ports[@]}")
# pick_port sets picked to a free port no node of this script has taken
# (a global, not an echo: a $(...) subshell would lose the taken list).
pick_port() {
	local candidate
	for _ in $(seq 60); do
		candidate=$((20000 + RANDOM % 40000))
		[[ " ${taken[*]} " == *" $candidate "* ]] && continue
		port_free "$candidate" || continue
		taken+=("$candidate")
		picked="$candidate"
		return 0
	done
	return 1
}
# start_node PORT [ARG...] starts a data node under $tmp/sentinel/node-PORT.
start_node() {
	local p="$1" node="$tmp/sentinel/node-$1"
	shift
	mkdir -p "$node"
	redis-server --port "$p" --bind 127.0.0.1 --save '' --appendonly no \
		--daemonize yes --pidfile "$node/redis.pid" --dir "$node" --logfile "$node/redis.log" "$@" || return 1
	for _ in $(seq 200); do
		if [ -s "$node/redis.pid" ] && redis_ping "$p"; then return 0; fi
		sleep 0.05
	done
	return 1
}
# start_free_node WHAT [ARG...] starts a data node on a free port, trying
# another port when one fails (another process may take a port between the
# check and the bind), and sets picked to its port.
start_free_node() {
	local what="$1" node
	shift
	for _ in 1 2 3 4 5; do
		pick_port || break
		start_node "$picked" "$@" && return 0
		node="$tmp/sentinel/node-$picked"
		[ -s "$node/redis.pid" ] && kill "$(cat "$node/redis.pid")" 2>/dev/null
		echo "with-redis: the sentinel $what did not start on port $picked; its log:" >&2
		tail -n 5 "$node/redis.log" >&2 2>/dev/null || true
	done
	echo "with-redis: could not start the sentinel $what" >&2
	return 1
}
mkdir -p "$tmp/sentinel"
start_free_node primary || exit 1
primary_port="$picked"
start_free_node replica --replicaof 127.0.0.1 "$primary_port" || exit 1
replica_port="$picked"
for _ in $(seq 200); do
	redis-cli -p "$replica_port" info replication 2>/dev/null | grep -q 'master_link_status:up' && break
	sleep 0.05
done
pick_port || { echo "with-redis: no free port for the sentinel" >&2; exit 1; }
sentinel_port="$picked"
cat >"$tmp/sentinel/sentinel.conf" <<EOF_SENTINEL
port $sentinel_port
bind 127.0.0.1
daemonize yes
pidfile $tmp/sentinel/sentinel.pid
logfile $tmp/sentinel/sentinel.log
dir $tmp/sentinel
sentinel monitor syntest 127.0.0.1 $primary_port 1
sentinel down-after-milliseconds syntest 1000
sentinel failover-timeout syntest 5000
sentinel parallel-syncs syntest 1
EOF_SENTINEL
redis-server "$tmp/sentinel/sentinel.conf" --sentinel || { echo "with-redis: could not start the sentinel" >&2; exit 1; }
sentinel_ready=""
for _ in $(seq 400); do
	if redis-cli -p "$sentinel_port" sentinel master syntest 2>/dev/null | grep -A1 -x 'num-slaves' | tail -n 1 | grep -qx 1; then
		sentinel_ready=1
		break
	fi
	sleep 0.05
done
if [ -z "$sentinel_ready" ]; then
	echo "with-redis: the sentinel did not discover the replica; its log:" >&2
	tail -n 20 "$tmp/sentinel/sentinel.log" >&2 2>/dev/null || true
	exit 1
fi
export SYNDICATE_TEST_SENTINEL_URL="redis://127.0.0.1:$sentinel_port/0?master_name=syntest"
export SYNDICATE_TEST_SENTINEL_DIR="$tmp/sentinel"
echo "with-redis: private Sentinel (primary :$primary_port, replica :$replica_port) at $SYNDICATE_TEST_SENTINEL_URL" >&2
set +e
"$@"
status=$?
set -e
exit "$status"
