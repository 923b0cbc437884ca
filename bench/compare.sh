#!/usr/bin/env bash
# Compares anteroom with nginx as a plain reverse proxy, both in front of the
# same nginx origin, in interleaved wrk rounds, and prints a markdown table
# of medians and ratios against the targets of the issue "Faster than nginx:
# measured proxy performance". See bench/README.md.
#
#   bench/compare.sh                      # defaults: ROUNDS=5 DURATION=10s CONNECTIONS=64
#   ROUNDS=2 DURATION=5s bench/compare.sh
#   STORE=redis bench/compare.sh          # starts its own redis-server on a free port
#   STORE=redis REDIS_ADDR=127.0.0.1:6379 bench/compare.sh
#   STORE=redis NODES=3 SCENARIOS=c bench/compare.sh   # three gateways, one Redis
#
# Exit status: 0 every target met, 2 a target missed, 1 the benchmark could
# not run.
set -euo pipefail

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
WARMUP=${WARMUP:-2s}
STORE=${STORE:-memory}
REDIS_ADDR=${REDIS_ADDR:-}
NODES=${NODES:-1}
SCENARIOS=${SCENARIOS:-a b c}
KEEP_TMP=${KEEP_TMP:-0}
ANTEROOM_BIN=${ANTEROOM_BIN:-}
ANTEROOM_ENV=${ANTEROOM_ENV:-}

root=$(cd "$(dirname "$0")/.." && pwd)

say() { printf '%s\n' "$*" >&2; }
die() { say "compare.sh: $*"; exit 1; }

# seconds converts a wrk duration ("10", "10s", "2m", "1h") to seconds.
seconds() {
	[[ $1 =~ ^([0-9]+)(s|m|h)?$ ]] || return 1
	case ${BASH_REMATCH[2]} in
	m) echo $((BASH_REMATCH[1] * 60)) ;;
	h) echo $((BASH_REMATCH[1] * 3600)) ;;
	*) echo $((BASH_REMATCH[1])) ;;
	esac
}

# ---- 1. what the benchmark needs -------------------------------------------
NGINX=${NGINX:-$(command -v nginx || true)}
[[ -z $NGINX && -x /usr/sbin/nginx ]] && NGINX=/usr/sbin/nginx
missing=()
[[ -n $NGINX && -x $NGINX ]] || missing+=(nginx)
command -v wrk >/dev/null || missing+=(wrk)
if ((${#missing[@]})); then
	say "compare.sh: ${missing[*]} not found; install with:"
	say "    apt-get install -y nginx wrk"
	exit 1
fi
command -v curl >/dev/null || die "curl not found; install with: apt-get install -y curl"
command -v go >/dev/null || die "go not found; it builds anteroom"

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, got '$ROUNDS'"
[[ $CONNECTIONS =~ ^[1-9][0-9]*$ ]] || die "CONNECTIONS must be a positive integer, got '$CONNECTIONS'"
[[ $THREADS =~ ^[1-9][0-9]*$ ]] || die "THREADS must be a positive integer, got '$THREADS'"
((CONNECTIONS >= THREADS)) || die "CONNECTIONS ($CONNECTIONS) must be at least THREADS ($THREADS)"
duration_s=$(seconds "$DURATION") && ((duration_s > 0)) || die "DURATION must be like 10s, 2m; got '$DURATION'"
warmup_s=$(seconds "$WARMUP") || die "WARMUP must be like 2s, or 0; got '$WARMUP'"
case $STORE in memory | redis) ;; *) die "STORE must be memory or redis, got '$STORE'" ;; esac
[[ $NODES =~ ^[1-9]$ ]] || die "NODES must be 1-9, got '$NODES'"
((NODES == 1)) || [[ $STORE == redis ]] || die "NODES=$NODES needs STORE=redis: nodes share their queue through Redis"
((CONNECTIONS >= NODES)) || die "CONNECTIONS ($CONNECTIONS) must be at least NODES ($NODES)"
for k in $SCENARIOS; do
	case $k in a | b | c) ;; *) die "SCENARIOS lists a, b and c, got '$k'" ;; esac
done
[[ -z $ANTEROOM_BIN || -x $ANTEROOM_BIN ]] || die "ANTEROOM_BIN '$ANTEROOM_BIN' is not an executable"
for kv in $ANTEROOM_ENV; do
	[[ $kv =~ ^(GOGC|GOMEMLIMIT|GOMAXPROCS|GODEBUG)=[^[:space:]]+$ ]] || die "ANTEROOM_ENV takes GOGC=, GOMEMLIMIT=, GOMAXPROCS= or GODEBUG= settings; got '$kv'"
done
own_redis=0
if [[ $STORE == redis && -z $REDIS_ADDR ]]; then
	command -v redis-server >/dev/null || die "STORE=redis without REDIS_ADDR starts a redis-server: install it with apt-get install -y redis-server"
	own_redis=1
fi
[[ $STORE != redis ]] || command -v redis-cli >/dev/null ||
	die "STORE=redis counts Redis commands with redis-cli: install it with apt-get install -y redis-tools"

# ---- processes and cleanup --------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/anteroom-bench.XXXXXX")
# nginx workers run as nobody when started by root: they must read the page.
chmod 755 "$tmp"
pids=()
current_wrks=() # the wrk processes running now: they end by themselves, but sooner is better
redis_prefix=""
redis_pid="" # set when the script starts its own redis-server

# alive is true while pid runs (a zombie, exited but not reaped, does not).
alive() {
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
	[[ -n $st && $st != Z ]]
}

stop() {
	local pid=$1 i
	if alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 250; i++)); do
			alive "$pid" || break
			sleep 0.1
		done
		if alive "$pid"; then
			say "compare.sh: pid $pid did not stop in 25s; killing it"
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	local i
	for i in "${current_wrks[@]}"; do
		stop "$i"
	done
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		stop "${pids[i]}"
	done
	if ((own_redis == 0)) && [[ -n $redis_prefix && $REDIS_ADDR != *,* ]] && command -v redis-cli >/dev/null; then
		# Best effort: remove the keys this run wrote under its own prefix.
		local h=${REDIS_ADDR%:*} p=${REDIS_ADDR##*:}
		timeout 60 redis-cli -h "$h" -p "$p" --scan --pattern "$redis_prefix*" 2>/dev/null |
			timeout 60 xargs -r -n 500 redis-cli -h "$h" -p "$p" del >/dev/null 2>&1 || true
	fi
	if [[ $KEEP_TMP == 1 ]]; then
		say "compare.sh: kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_http waits up to 10s for url to answer 200 while pid runs.
wait_http() {
	local pid=$1 url=$2 i
	for ((i = 0; i < 100; i++)); do
		alive "$pid" || return 1
		[[ $(curl -s -o /dev/null -m 1 -w '%{http_code}' "$url" || true) == 200 ]] && return 0
		sleep 0.1
	done
	return 1
}

# ---- 2. build ---------------------------------------------------------------
say "building anteroom and the bench helper in $tmp"
if [[ -n $ANTEROOM_BIN ]]; then
	# Another build (an older commit, say), to compare two builds run by run.
	cp "$ANTEROOM_BIN" "$tmp/anteroom"
else
	"$root/scripts/build.sh" "$tmp/anteroom" bench >&2 || die "scripts/build.sh failed"
fi
(cd "$root" && CGO_ENABLED=0 go build -o "$tmp/helper" ./bench/helper) || die "building bench/helper failed"
helper=$tmp/helper

nports=$((3 + 2 * NODES))
mapfile -t ports < <("$helper" ports "$nports")
((${#ports[@]} == nports)) || die "could not find free loopback ports"
origin_port=${ports[0]} proxy_port=${ports[1]} redis_port=${ports[2]}
ar_ports=() admin_ports=()
for ((i = 0; i < NODES; i++)); do
	ar_ports+=("${ports[3 + 2 * i]}") admin_ports+=("${ports[4 + 2 * i]}")
done
ar_port=${ar_ports[0]}

# nginx writes temp files only for large bodies, but wants the directories.
nginx_common() { # dir
	cat <<EOF
daemon off;
master_process on;
error_log $1/error.log warn;
pid $1/nginx.pid;
EOF
}
nginx_http_common() { # dir
	cat <<EOF
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $1/tmp/body;
    proxy_temp_path $1/tmp/proxy;
    fastcgi_temp_path $1/tmp/fastcgi;
    uwsgi_temp_path $1/tmp/uwsgi;
    scgi_temp_path $1/tmp/scgi;
EOF
}

start_nginx() { # name port
	local dir=$tmp/$1
	"$NGINX" -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/stdout.log" 2>&1 &
	pids+=($!)
	if ! wait_http $! "http://127.0.0.1:$2/"; then
		say "compare.sh: nginx ($1) did not start on 127.0.0.1:$2; its log:"
		cat "$dir/error.log" "$dir/stdout.log" >&2 2>/dev/null || true
		exit 1
	fi
}

# ---- 3. the origin: nginx answering a 1 KiB page ----------------------------
mkdir -p "$tmp/origin/html" "$tmp/origin/tmp"
{
	head='<!doctype html><html><head><title>origin</title></head><body><p>'
	tail=$'</p></body></html>\n'
	printf '%s' "$head"
	printf 'x%.0s' $(seq $((1024 - ${#head} - ${#tail})))
	printf '%s' "$tail"
} >"$tmp/origin/html/index.html"
{
	nginx_common "$tmp/origin"
	cat <<EOF
worker_processes 1;
events { worker_connections 4096; }
http {
$(nginx_http_common "$tmp/origin")
    server {
        listen 127.0.0.1:$origin_port;
        root $tmp/origin/html;
        # Every path is the same 1 KiB page.
        location / { default_type text/html; try_files /index.html =404; }
    }
}
EOF
} >"$tmp/origin/nginx.conf"
start_nginx origin "$origin_port"

# ---- 4. the baseline: nginx as a plain reverse proxy ------------------------
mkdir -p "$tmp/proxy/tmp"
{
	nginx_common "$tmp/proxy"
	cat <<EOF
# auto: one worker per core, the cores anteroom's GOMAXPROCS also gets.
worker_processes auto;
events { worker_connections 4096; }
http {
$(nginx_http_common "$tmp/proxy")
    upstream origin {
        server 127.0.0.1:$origin_port;
        keepalive 64;
        keepalive_requests 1000000;
    }
    server {
        listen 127.0.0.1:$proxy_port;
        location / {
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            # What anteroom also tells the origin.
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_set_header X-Forwarded-Host \$host;
        }
    }
}
EOF
} >"$tmp/proxy/nginx.conf"
start_nginx proxy "$proxy_port"
proxy_pid=${pids[-1]}

# ---- 5. Redis, when the script starts its own, and anteroom -----------------
if ((own_redis)); then
	# No persistence: the run's keys die with it.
	mkdir -p "$tmp/redis"
	redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$tmp/redis" --save '' --appendonly no \
		--maxmemory-policy noeviction >"$tmp/redis/redis.log" 2>&1 &
	pids+=($!)
	REDIS_ADDR=127.0.0.1:$redis_port
	for ((i = 0; i < 100; i++)); do
		[[ $(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null || true) == PONG ]] && break
		alive "${pids[-1]}" || break
		sleep 0.1
	done
	[[ $(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null || true) == PONG ]] || {
		cat "$tmp/redis/redis.log" >&2
		die "redis-server did not start on 127.0.0.1:$redis_port"
	}
	redis_pid=${pids[-1]}
fi
if [[ $STORE == redis ]]; then
	redis_prefix="anteroom-bench-$$-$RANDOM"
	addrs=$(printf '"%s", ' ${REDIS_ADDR//,/ })
	store_yaml="store:
  backend: redis
  redis: { addrs: [${addrs%, }], key_prefix: \"$redis_prefix\" }"
else
	store_yaml='store:
  backend: memory
  memory: { state_file: "-" }'
fi
# anteroom_config NODE prints node NODE's configuration: the nodes differ
# only in their ports.
anteroom_config() {
	cat <<EOF
listen: "127.0.0.1:${ar_ports[$1]}"
origin: { url: "http://127.0.0.1:$origin_port" }
admin: { listen: "127.0.0.1:${admin_ports[$1]}" }
$store_yaml
# Far above what the benchmark sends: the limits must never be what is measured.
limits:
  origin_rps: 10000000
  per_client: { rps: 100000000, burst: 100000000 }
log: { level: info }
rooms:
  # The whole shop, with room for everyone: scenario (a).
  - name: shop
    paths: ["/*"]
    max_active_users: 1000000
    new_users_per_minute: 100000000
    # Longer than the run: wrk replays one cookie and never takes the
    # re-signed one, so a short session would expire or re-sign every time.
    session_duration: 24h
  # A room whose one slot the benchmark fills first: everyone else waits.
  # Scenarios (b) and (c).
  - name: full
    paths: ["/full", "/full/*"]
    max_active_users: 1
    new_users_per_minute: 1
    session_duration: 24h
EOF
}
secret=$("$tmp/anteroom" keygen)
ar_pids=()
for ((i = 0; i < NODES; i++)); do
	anteroom_config "$i" >"$tmp/anteroom-$i.yaml"
	# Go's defaults: GOMAXPROCS is every core, as nginx's worker_processes auto.
	# ANTEROOM_ENV may set the runtime's knobs, to measure them.
	# shellcheck disable=SC2086 # a list of checked NAME=VALUE words
	env -u GOMAXPROCS -u GOGC -u GOMEMLIMIT -u GODEBUG ANTEROOM_SECRET="$secret" $ANTEROOM_ENV \
		"$tmp/anteroom" serve -config "$tmp/anteroom-$i.yaml" >"$tmp/anteroom-$i.log" 2>&1 &
	ar_pids+=($!)
	pids+=($!)
	if ! wait_http $! "http://127.0.0.1:${ar_ports[i]}/.anteroom/jwks.json"; then
		say "compare.sh: anteroom node $i (STORE=$STORE) did not start on 127.0.0.1:${ar_ports[i]}; its log:"
		cat "$tmp/anteroom-$i.log" >&2
		[[ $STORE == redis ]] && say "compare.sh: STORE=redis needs a Redis at $REDIS_ADDR and a build with the Redis store"
		exit 1
	fi
done
ar_pid=${ar_pids[0]}

ar=http://127.0.0.1:$ar_port
px=http://127.0.0.1:$proxy_port

# cookie prints "name=value" of the Set-Cookie named $2 in the headers of GET $1.
cookie() {
	curl -s -m 5 -D - -o /dev/null "$1" | tr -d '\r' |
		sed -n "s/^[Ss]et-[Cc]ookie: *\($2=[^;]*\).*/\1/p" | head -n 1 || true
}

[[ $(curl -s -m 5 -o /dev/null -w '%{http_code} %{size_download}' "$px/") == "200 1024" ]] ||
	die "nginx proxy does not answer GET / with the 1 KiB page"
session_cookie=$(cookie "$ar/" anteroom_session_shop)
[[ -n $session_cookie ]] || die "anteroom gave no anteroom_session_shop cookie on GET / (log: $(tail -n 5 "$tmp/anteroom-0.log"))"
[[ $(curl -s -m 5 -o /dev/null -w '%{http_code} %{size_download}' -H "Cookie: $session_cookie" "$ar/") == "200 1024" ]] ||
	die "anteroom does not proxy GET / with a session cookie to the 1 KiB page"
slot=$(cookie "$ar/full/" anteroom_session_full)
[[ -n $slot ]] || die "the first GET /full/ was not admitted (no anteroom_session_full cookie)"
ticket_cookie=$(cookie "$ar/full/" anteroom_ticket_full)
[[ -n $ticket_cookie ]] || die "the second GET /full/ got no anteroom_ticket_full cookie"
status=$(curl -s -m 5 -H "Cookie: $ticket_cookie" "$ar/.anteroom/status?room=full")
[[ $status == *'"state":"waiting"'* ]] || die "status poll with the ticket is not waiting: $status"

# ---- 6. interleaved rounds ----------------------------------------------------
results=$tmp/results
: >"$results"
samples=$tmp/samples
: >"$samples"

# sum_cpu prints the CPU seconds the given processes (and their children)
# used so far.
sum_cpu() {
	local pid c total=0
	for pid in "$@"; do
		c=$("$helper" cpu "$pid") || return 1
		total=$(awk -v a="$total" -v b="$c" 'BEGIN { printf "%.3f", a + b }')
	done
	echo "$total"
}

# wrk_run SCENARIO SIDE ROUND PATH [HEADER]: one run of the load; ROUND 0 is
# a warm-up and is not recorded. With NODES > 1 the load is NODES wrk
# processes at once, the connections split among them: one per gateway
# for anteroom, all at the one proxy for nginx, so both sides see the same
# shape of load. Their req/s and counts add up; the p99 is the worst of
# theirs.
wrk_run() {
	local scenario=$1 side=$2 round=$3 path=$4 header=${5:-} d=$DURATION s=$duration_s line
	((round == 0)) && d=$WARMUP s=$warmup_s
	local threads=$THREADS conns=$CONNECTIONS i
	if ((NODES > 1)); then
		threads=1 conns=$((CONNECTIONS / NODES))
	fi
	local cpu_pids=("$ar_pid") cpu0 cpu1 outs=() url c
	((NODES > 1)) && cpu_pids=("${ar_pids[@]}")
	[[ $side == nginx ]] && cpu_pids=("$proxy_pid")
	cpu0=$(sum_cpu "${cpu_pids[@]}") || die "reading the CPU time of $side"
	current_wrks=()
	for ((i = 0; i < NODES; i++)); do
		url=$px/
		[[ $side == anteroom ]] && url=http://127.0.0.1:${ar_ports[i]}$path
		c=$conns
		((i == 0)) && c=$((CONNECTIONS - conns * (NODES - 1)))
		local out=$tmp/wrk-$scenario-$side-$round-$i.txt args=(-t"$threads" -c"$c" -d"$d" --latency)
		[[ -n $header ]] && args+=(-H "$header")
		outs+=("$out")
		timeout $((s + 30)) wrk "${args[@]}" "$url" >"$out" 2>&1 &
		current_wrks+=($!)
	done
	if [[ $side == anteroom ]] && ((round > 0)); then
		# wrk counts error statuses but does not say which: ask three times
		# half-way through, under the same load, and keep the answers.
		sleep "$(awk -v s="$s" 'BEGIN { print s / 2 }')"
		local code curl_args=(-s -m 2 -o "$tmp/mid.body" -w '%{http_code}')
		[[ -n $header ]] && curl_args+=(-H "$header")
		for i in 1 2 3; do
			code=$(curl "${curl_args[@]}" "$ar$path" || true)
			echo "$code" >>"$tmp/mid-$scenario"
			if [[ $code != 2* && ! -e $tmp/mid-$scenario.body ]]; then
				cp "$tmp/mid.body" "$tmp/mid-$scenario.body"
			fi
		done
	fi
	local wrk_rc=0 pid
	for pid in "${current_wrks[@]}"; do
		wait "$pid" || wrk_rc=$?
	done
	current_wrks=()
	if ((wrk_rc != 0)); then
		cat "${outs[@]}" >&2
		die "wrk failed against $side ($path)"
	fi
	cpu1=$(sum_cpu "${cpu_pids[@]}") || die "reading the CPU time of $side"
	for pid in "${ar_pids[@]}"; do
		alive "$pid" || {
			cat "$tmp"/anteroom-*.log >&2
			die "anteroom exited during scenario ($scenario); its log is above"
		}
	done
	((round == 0)) && return 0
	local lines=() out
	for out in "${outs[@]}"; do
		lines+=("$("$helper" wrk <"$out")") || {
			cat "$out" >&2
			die "could not read wrk's output"
		}
	done
	line=$(printf '%s\n' "${lines[@]}" | awk '{ rps += $1; if ($2 > p99) p99 = $2; n += $3; e += $4; s += $5 }
		END { printf "%.2f %.3f %d %d %d\n", rps, p99, n, e, s }')
	local cpu
	cpu=$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.3f", b - a }')
	echo "$scenario $side $round $line $cpu" >>"$results"
	local rps p99 reqs non2xx sockerr
	read -r rps p99 reqs non2xx sockerr <<<"$line"
	say "$(printf '  (%s) round %d/%d  %-8s %10.0f req/s  p99 %8.3f ms  CPU %6.1f µs/req  4xx/5xx %d  socket errors %d' \
		"$scenario" "$round" "$ROUNDS" "$side" "$rps" "$p99" "$(awk -v c="$cpu" -v n="$reqs" 'BEGIN { print (n > 0 ? c / n * 1e6 : 0) }')" "$non2xx" "$sockerr")"
}

# sample reports, when wrk counted error statuses from anteroom, what the
# requests made half-way through its rounds were answered.
sample() { # scenario
	local n codes
	n=$(awk -v s="$1" '$1 == s && $2 == "anteroom" { n += $7 } END { print n + 0 }' "$results")
	((n > 0)) || return 0
	codes=$(sort "$tmp/mid-$1" 2>/dev/null | uniq -c | awk '{ printf "%s%s x%d", sep, $2, $1; sep = ", " }')
	local line="- ($1) anteroom answered $n requests with 4xx/5xx; requests made half-way through its rounds got: ${codes:-nothing}"
	[[ -e $tmp/mid-$1.body ]] && line+="; the first error said: $(head -c 160 "$tmp/mid-$1.body" | tr '\n' ' ')"
	echo "$line" >>"$samples"
}

# rss_kb prints the VmRSS (or, given VmHWM, the peak) of every node, summed.
rss_kb() {
	local pid field=${1:-VmRSS} total=0 kb
	for pid in "${ar_pids[@]}"; do
		kb=$(awk -v f="$field:" '$1 == f { print $2 }' "/proc/$pid/status")
		total=$((total + kb))
	done
	echo "$total"
}

# redis_calls prints, from Redis's INFO commandstats, the scripts run
# (EVALSHA and EVAL: each one round trip from a gateway) and every command
# run, the scripts' own calls included; INFO itself is not counted. Empty
# for a cluster (several addresses).
redis_calls() {
	[[ $STORE == redis && $REDIS_ADDR != *,* ]] || return 0
	local h=${REDIS_ADDR%:*} p=${REDIS_ADDR##*:}
	redis-cli -h "$h" -p "$p" info commandstats | tr -d '\r' |
		awk -F'[:=,]' '/^cmdstat_/ && $1 != "cmdstat_info" { all += $3; if ($1 == "cmdstat_evalsha" || $1 == "cmdstat_eval") sc += $3 }
			END { print sc + 0, all + 0 }'
}

# redis_mem prints Redis's used_memory in bytes; empty for a cluster.
redis_mem() {
	[[ $STORE == redis && $REDIS_ADDR != *,* ]] || return 0
	redis-cli -h "${REDIS_ADDR%:*}" -p "${REDIS_ADDR##*:}" info memory | tr -d '\r' | sed -n 's/^used_memory://p'
}

scenario() { # key title anteroom-path anteroom-header
	local key=$1 path=$3 header=$4 r
	say "($key) $2"
	if ((warmup_s > 0)); then
		wrk_run "$key" anteroom 0 "$path" "$header"
		wrk_run "$key" nginx 0 "$path"
	fi
	local calls0 calls1 rcpu0="" rmem0=""
	[[ $key == c ]] && rss_before=$(rss_kb) && calls0=$(redis_calls) && rmem0=$(redis_mem)
	[[ $key == c && -n $redis_pid ]] && rcpu0=$("$helper" cpu "$redis_pid")
	for ((r = 1; r <= ROUNDS; r++)); do
		wrk_run "$key" anteroom "$r" "$path" "$header"
		wrk_run "$key" nginx "$r" "$path"
	done
	if [[ $key == c ]]; then
		rss_after=$(rss_kb)
		calls1=$(redis_calls)
		local arrivals
		arrivals=$(awk '$1 == "c" && $2 == "anteroom" { n += $6 } END { print n + 0 }' "$results")
		if [[ -n $calls0 && -n $calls1 ]] && ((arrivals > 0)); then
			echo "- (c) Redis, over the rounds (the nginx rounds in between included, when the gateways only tick): $calls0 $calls1 $arrivals" |
				awk '{ s = $(NF-2) - $(NF-4); a = $(NF-1) - $(NF-3); n = $NF
					printf "%s %d scripts (EVALSHA/EVAL, one round trip each) and %d commands in all (the scripts'"'"' own included) for %d arrivals: %.4f round trips and %.2f commands per arrival\n",
						substr($0, 1, index($0, ":")), s, a, n, s / n, a / n }' >>"$samples"
		fi
		local rmem1
		rmem1=$(redis_mem)
		if [[ -n $rmem0 && -n $rmem1 ]] && ((arrivals > 0)); then
			awk -v a="$rmem0" -v b="$rmem1" -v n="$arrivals" \
				'BEGIN { printf "- (c) Redis used_memory %.1f MiB before, %.1f MiB after: %.2f MiB per million arrivals\n", a / 1048576, b / 1048576, (b - a) / 1048576 / (n / 1e6) }' >>"$samples"
		fi
		if [[ -n $rcpu0 ]] && ((arrivals > 0)); then
			awk -v a="$rcpu0" -v b="$("$helper" cpu "$redis_pid")" -v n="$arrivals" \
				'BEGIN { printf "- (c) the redis-server this script started used %.1f s of CPU over the rounds: %.1f µs per arrival\n", b - a, (b - a) / n * 1e6 }' >>"$samples"
		fi
		# A new arrival's place says how many tickets the rounds handed out.
		local pos
		pos=$(curl -s -m 5 -H 'Accept: application/json' "$ar$path" | sed -n 's/.*"position":\([0-9]*\).*/\1/p')
		echo "- (c) after the rounds a new arrival is number ${pos:-?} in the full room's line; anteroom's peak RSS (VmHWM) was $(awk -v k="$(rss_kb VmHWM)" 'BEGIN { printf "%.1f MiB", k / 1024 }')$( ((NODES > 1)) && echo ", the $NODES nodes' summed")" >>"$samples"
	fi
	sample "$key"
}

say "rounds: $ROUNDS x $DURATION per side (warm-up $WARMUP), wrk -t$THREADS -c$CONNECTIONS, store $STORE, $NODES node(s), scenarios $SCENARIOS"
rss_before=-1 rss_after=-1
for k in $SCENARIOS; do
	case $k in
	a) scenario a "admitted: GET / with a session cookie, vs nginx proxy GET /" "/" "Cookie: $session_cookie" ;;
	b) scenario b "waiting: GET /.anteroom/status with a ticket cookie, vs nginx proxy GET /" "/.anteroom/status?room=full" "Cookie: $ticket_cookie" ;;
	c) scenario c "arrivals: GET /full/ without cookies (full room), vs nginx proxy GET /" "/full/" "" ;;
	esac
done

# ---- the report ---------------------------------------------------------------
load="wrk -t$THREADS -c$CONNECTIONS"
((NODES > 1)) && load="$NODES gateways on one Redis, $NODES wrk -t1 at once splitting $CONNECTIONS connections (one per gateway; all at the proxy for nginx)"
echo "$("$tmp/anteroom" version 2>&1 | head -n 1) (store $STORE, GOMAXPROCS unset${ANTEROOM_ENV:+, $ANTEROOM_ENV}) vs $("$NGINX" -v 2>&1 | sed 's/^nginx version: //') (worker_processes auto); origin nginx, 1 worker, 1 KiB page"
echo "$(nproc) cores; $ROUNDS interleaved rounds of $DURATION per side; $load; medians"
echo
rc=0
"$helper" report -results "$results" -rss-before "$rss_before" -rss-after "$rss_after" || rc=$?
((rc == 0 || rc == 2)) || die "building the report failed"
cat "$samples"
problems=$(cat "$tmp"/anteroom-*.log | grep -E 'level=(WARN|ERROR)' || true)
if [[ -n $problems ]]; then
	echo "- anteroom logged $(wc -l <<<"$problems") warnings/errors; the first:"
	head -n 5 <<<"$problems" | sed 's/^/    /'
fi
exit "$rc"
