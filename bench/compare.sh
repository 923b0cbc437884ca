#!/usr/bin/env bash
# Compares anteroom with nginx as a plain reverse proxy, both in front of the
# same nginx origin, in interleaved wrk rounds, and prints a markdown table
# of medians and ratios against the targets of the issue "Faster than nginx:
# measured proxy performance". See bench/README.md.
#
#   bench/compare.sh                      # defaults: ROUNDS=5 DURATION=10s CONNECTIONS=64
#   ROUNDS=2 DURATION=5s bench/compare.sh
#   STORE=redis REDIS_ADDR=127.0.0.1:6379 bench/compare.sh
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
REDIS_ADDR=${REDIS_ADDR:-127.0.0.1:6379}
KEEP_TMP=${KEEP_TMP:-0}
SCENARIOS=${SCENARIOS:-a b c}
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
for sc in $SCENARIOS; do
	case $sc in a | b | c) ;; *) die "SCENARIOS must list a, b and/or c; got '$SCENARIOS'" ;; esac
done
[[ -z $ANTEROOM_BIN || -x $ANTEROOM_BIN ]] || die "ANTEROOM_BIN '$ANTEROOM_BIN' is not an executable"
for kv in $ANTEROOM_ENV; do
	[[ $kv =~ ^(GOGC|GOMEMLIMIT|GOMAXPROCS|GODEBUG)=[^[:space:]]+$ ]] || die "ANTEROOM_ENV takes GOGC=, GOMEMLIMIT=, GOMAXPROCS= or GODEBUG= settings; got '$kv'"
done

# ---- processes and cleanup --------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/anteroom-bench.XXXXXX")
# nginx workers run as nobody when started by root: they must read the page.
chmod 755 "$tmp"
pids=()
current_wrk="" # the wrk running now, if any: it ends by itself, but sooner is better
redis_prefix=""

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
	[[ -n $current_wrk ]] && stop "$current_wrk"
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		stop "${pids[i]}"
	done
	if [[ -n $redis_prefix && $REDIS_ADDR != *,* ]] && command -v redis-cli >/dev/null; then
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

mapfile -t ports < <("$helper" ports 4)
((${#ports[@]} == 4)) || die "could not find free loopback ports"
origin_port=${ports[0]} proxy_port=${ports[1]} ar_port=${ports[2]} admin_port=${ports[3]}

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

# ---- 5. anteroom ------------------------------------------------------------
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
cat >"$tmp/anteroom.yaml" <<EOF
listen: "127.0.0.1:$ar_port"
origin: { url: "http://127.0.0.1:$origin_port" }
admin: { listen: "127.0.0.1:$admin_port" }
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
secret=$("$tmp/anteroom" keygen)
# Go's defaults: GOMAXPROCS is every core, as nginx's worker_processes auto;
# ANTEROOM_ENV may set the runtime's knobs to measure them.
# shellcheck disable=SC2086 # ANTEROOM_ENV is a list of checked NAME=VALUE words
env -u GOMAXPROCS -u GOGC -u GOMEMLIMIT -u GODEBUG ANTEROOM_SECRET="$secret" $ANTEROOM_ENV \
	"$tmp/anteroom" serve -config "$tmp/anteroom.yaml" >"$tmp/anteroom.log" 2>&1 &
ar_pid=$!
pids+=("$ar_pid")
if ! wait_http "$ar_pid" "http://127.0.0.1:$ar_port/.anteroom/jwks.json"; then
	say "compare.sh: anteroom (STORE=$STORE) did not start on 127.0.0.1:$ar_port; its log:"
	cat "$tmp/anteroom.log" >&2
	[[ $STORE == redis ]] && say "compare.sh: STORE=redis needs a Redis at $REDIS_ADDR and a build with the Redis store"
	exit 1
fi

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
[[ -n $session_cookie ]] || die "anteroom gave no anteroom_session_shop cookie on GET / (log: $(tail -n 5 "$tmp/anteroom.log"))"
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

# wrk_run SCENARIO SIDE ROUND URL [HEADER]: one wrk run; ROUND 0 is a warm-up
# and is not recorded.
wrk_run() {
	local scenario=$1 side=$2 round=$3 url=$4 header=${5:-} d=$DURATION s=$duration_s line
	((round == 0)) && d=$WARMUP s=$warmup_s
	local out=$tmp/wrk-$scenario-$side-$round.txt args=(-t"$THREADS" -c"$CONNECTIONS" -d"$d" --latency)
	[[ -n $header ]] && args+=(-H "$header")
	local pid=$ar_pid cpu0 cpu1
	[[ $side == nginx ]] && pid=$proxy_pid
	cpu0=$("$helper" cpu "$pid") || die "reading the CPU time of $side (pid $pid)"
	timeout $((s + 30)) wrk "${args[@]}" "$url" >"$out" 2>&1 &
	current_wrk=$!
	if [[ $side == anteroom ]] && ((round > 0)); then
		# wrk counts error statuses but does not say which: ask three times
		# half-way through, under the same load, and keep the answers.
		sleep "$(awk -v s="$s" 'BEGIN { print s / 2 }')"
		local i code curl_args=(-s -m 2 -o "$tmp/mid.body" -w '%{http_code}')
		[[ -n $header ]] && curl_args+=(-H "$header")
		for i in 1 2 3; do
			code=$(curl "${curl_args[@]}" "$url" || true)
			echo "$code" >>"$tmp/mid-$scenario"
			if [[ $code != 2* && ! -e $tmp/mid-$scenario.body ]]; then
				cp "$tmp/mid.body" "$tmp/mid-$scenario.body"
			fi
		done
	fi
	local wrk_rc=0
	wait "$current_wrk" || wrk_rc=$?
	current_wrk=""
	if ((wrk_rc != 0)); then
		cat "$out" >&2
		die "wrk failed against $side ($url)"
	fi
	cpu1=$("$helper" cpu "$pid") || die "reading the CPU time of $side (pid $pid)"
	alive "$ar_pid" || {
		cat "$tmp/anteroom.log" >&2
		die "anteroom exited during scenario ($scenario); its log is above"
	}
	((round == 0)) && return 0
	line=$("$helper" wrk <"$out") || {
		cat "$out" >&2
		die "could not read wrk's output"
	}
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

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$ar_pid/status"; }

scenario() { # key title anteroom-url anteroom-header
	local key=$1 url=$3 header=$4 r
	say "($key) $2"
	if ((warmup_s > 0)); then
		wrk_run "$key" anteroom 0 "$url" "$header"
		wrk_run "$key" nginx 0 "$px/"
	fi
	[[ $key == c ]] && rss_before=$(rss_kb)
	for ((r = 1; r <= ROUNDS; r++)); do
		wrk_run "$key" anteroom "$r" "$url" "$header"
		wrk_run "$key" nginx "$r" "$px/"
	done
	if [[ $key == c ]]; then
		rss_after=$(rss_kb)
		# A new arrival's place says how many tickets the rounds handed out.
		local pos
		pos=$(curl -s -m 5 -H 'Accept: application/json' "$url" | sed -n 's/.*"position":\([0-9]*\).*/\1/p')
		echo "- (c) after the rounds a new arrival is number ${pos:-?} in the full room's line; anteroom's peak RSS (VmHWM) was $(awk '/^VmHWM:/ { printf "%.1f MiB", $2 / 1024 }' "/proc/$ar_pid/status")" >>"$samples"
	fi
	sample "$key"
}

say "rounds: $ROUNDS x $DURATION per side (warm-up $WARMUP), wrk -t$THREADS -c$CONNECTIONS, store $STORE"
rss_before=-1 rss_after=-1
for sc in $SCENARIOS; do
	case $sc in
	a) scenario a "admitted: GET / with a session cookie, vs nginx proxy GET /" "$ar/" "Cookie: $session_cookie" ;;
	b) scenario b "waiting: GET /.anteroom/status with a ticket cookie, vs nginx proxy GET /" "$ar/.anteroom/status?room=full" "Cookie: $ticket_cookie" ;;
	c) scenario c "arrivals: GET /full/ without cookies (full room), vs nginx proxy GET /" "$ar/full/" "" ;;
	esac
done

# ---- the report ---------------------------------------------------------------
echo "$("$tmp/anteroom" version 2>&1 | head -n 1) (store $STORE, GOMAXPROCS unset${ANTEROOM_ENV:+, $ANTEROOM_ENV}) vs $("$NGINX" -v 2>&1 | sed 's/^nginx version: //') (worker_processes auto); origin nginx, 1 worker, 1 KiB page"
echo "$(nproc) cores; $ROUNDS interleaved rounds of $DURATION per side; wrk -t$THREADS -c$CONNECTIONS; medians"
echo
rc=0
"$helper" report -results "$results" -rss-before "$rss_before" -rss-after "$rss_after" || rc=$?
((rc == 0 || rc == 2)) || die "building the report failed"
cat "$samples"
problems=$(grep -E 'level=(WARN|ERROR)' "$tmp/anteroom.log" || true)
if [[ -n $problems ]]; then
	echo "- anteroom logged $(wc -l <<<"$problems") warnings/errors; the first:"
	head -n 5 <<<"$problems" | sed 's/^/    /'
fi
exit "$rc"
