#!/usr/bin/env bash
# Benchmark of the NFQUEUE path (not a test): throughput of an HTTP
# transfer and a TCP SYN/RST round-trip time between a client and a server
# namespace on two subnets joined by a router namespace that (1) forwards
# plainly, (2) queues every forwarded packet to `warden -q 0` with one
# rule, (3) with a ruleset of your choice (e.g. ET Open). Prints Mbit/s and
# SYN/RST RTT p50/p99 per setup, and the latency warden adds per packet
# over plain forwarding. scripts/inline-bench.sh runs it after the
# AF_PACKET part; it also runs alone.
#
# usage: sudo scripts/nfqueue-bench.sh [path/to/warden] [rules-file] [MB]
# needs: root, iproute2, python3, curl, and nft (with the kernel's nft
# queue expression) or iptables
set -euo pipefail
WARDEN=${1:-target/release/warden}
RULES=${2:-}
MB=${3:-50}
ID=$$
C=wqc$ID S=wqs$ID R=wqr$ID
DIR=$(mktemp -d /tmp/warden-nfq-bench.XXXXXX)
SERVER_PID= WARDEN_PID=

cleanup() {
    [ -n "$WARDEN_PID" ] && kill "$WARDEN_PID" 2>/dev/null || true
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
    for ns in $C $S $R; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$DIR"
}
trap cleanup EXIT

topology() {
    for ns in $C $S $R; do ip netns del "$ns" 2>/dev/null || true; ip netns add "$ns"; done
    ip link add qc$ID type veth peer name qa$ID
    ip link add qs$ID type veth peer name qb$ID
    ip link set qc$ID netns $C; ip link set qa$ID netns $R
    ip link set qs$ID netns $S; ip link set qb$ID netns $R
    ip -n $C addr add 10.232.1.1/24 dev qc$ID; ip -n $C link set qc$ID up
    ip -n $S addr add 10.232.2.1/24 dev qs$ID; ip -n $S link set qs$ID up
    ip -n $R addr add 10.232.1.254/24 dev qa$ID; ip -n $R link set qa$ID up
    ip -n $R addr add 10.232.2.254/24 dev qb$ID; ip -n $R link set qb$ID up
    ip -n $C route add default via 10.232.1.254
    ip -n $S route add default via 10.232.2.254
    ip netns exec $R sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
    ip netns exec $S python3 -m http.server -d "$DIR/www" 80 >/dev/null 2>&1 &
    SERVER_PID=$!
    sleep 0.5
}

# every forwarded packet to queue 0 (bypass: flows while warden starts)
queue_rule() {
    if ! printf 'add table inet wardenbench\nadd chain inet wardenbench fwd { type filter hook forward priority 0; policy accept; }\nadd rule inet wardenbench fwd queue num 0 bypass\n' \
        | ip netns exec $R nft -f - 2>/dev/null; then
        ip netns exec $R nft delete table inet wardenbench 2>/dev/null || true
        ip netns exec $R iptables -A FORWARD -j NFQUEUE --queue-num 0 --queue-bypass
    fi
}

measure() {
    local label=$1 key=$2
    ip netns exec $C curl -s -m 10 -o /dev/null --retry 5 --retry-connrefused http://10.232.2.1/small || true
    local best=0
    for _ in 1 2 3; do
        local bps
        bps=$(ip netns exec $C curl -s -m 120 -o /dev/null -w '%{speed_download}' http://10.232.2.1/big)
        best=$(python3 -c "print(max($best, $bps))")
    done
    ip netns exec $C python3 - "$label" "$best" "$DIR/$key" <<'PY'
import socket, sys
import time
label, bps, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
rtts = []
# SYN to a closed port, answered by the server's kernel with a RST: one
# round trip through the router, no server application involved
for _ in range(1000):
    s = socket.socket()
    s.settimeout(2)
    t = time.perf_counter()
    try:
        s.connect(("10.232.2.1", 9))
    except ConnectionRefusedError:
        rtts.append((time.perf_counter() - t) * 1e6)
    except OSError:
        pass
    s.close()
rtts.sort()
p = lambda q: rtts[min(len(rtts) - 1, int(q * len(rtts)))]
print(f"{label:28s} {bps * 8 / 1e6:9.1f} Mbit/s   SYN/RST RTT p50 {p(0.50):7.1f} us  p99 {p(0.99):7.1f} us")
with open(out, "w") as f:
    f.write(f"{p(0.50)} {p(0.99)}\n")
PY
}

run_warden() {
    local label=$1 key=$2 rules=$3
    topology
    queue_rule
    ip netns exec $R "$WARDEN" -q 0 -S "$rules" -k none \
        --set vars.address-groups.HOME_NET=any --set vars.address-groups.EXTERNAL_NET=any \
        -l "$DIR/out" 2>"$DIR/warden.log" &
    WARDEN_PID=$!
    for _ in $(seq 1 600); do grep -q "nfqueue up" "$DIR/warden.log" && break; sleep 0.1; done
    measure "$label" "$key"
    kill -TERM $WARDEN_PID; wait $WARDEN_PID || true; WARDEN_PID=
    grep "nfqueue:" "$DIR/warden.log" | sed 's/^/    /'
    kill $SERVER_PID; SERVER_PID=
}

mkdir -p "$DIR/www"
head -c $((MB * 1000000)) /dev/urandom > "$DIR/www/big"
echo hi > "$DIR/www/small"
echo 'alert http any any -> any any (msg:"bench"; http.uri; content:"/never"; sid:1;)' > "$DIR/one.rules"
echo "NFQUEUE: transfer of $MB MB, best of 3; 1000 SYN/RST round trips for latency"

topology
sleep 0.5
measure "linux-forwarding" plain
kill $SERVER_PID; SERVER_PID=

run_warden "warden -q (1 rule)" one "$DIR/one.rules"
[ -n "$RULES" ] && run_warden "warden -q ($(basename "$RULES"))" rules "$RULES"
read -r b50 b99 < "$DIR/plain"
read -r w50 w99 < "$DIR/one"
python3 -c "print(f'added by warden -q (1 rule): p50 {($w50-$b50)/2:+.1f} us, p99 {($w99-$b99)/2:+.1f} us per packet (half the round-trip difference)')"
if [ -n "$RULES" ]; then
    read -r r50 r99 < "$DIR/rules"
    python3 -c "print(f'added by warden -q ($(basename "$RULES")): p50 {($r50-$b50)/2:+.1f} us, p99 {($r99-$b99)/2:+.1f} us per packet')"
fi
