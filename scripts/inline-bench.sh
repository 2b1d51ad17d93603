#!/usr/bin/env bash
# Benchmark of the inline path (not a test): throughput of an HTTP
# transfer and a TCP SYN/RST round-trip time between a client and a server
# namespace joined (1) by a plain Linux bridge, (2) by warden's AF_PACKET
# pair with one rule, (3) by warden with a ruleset of your choice (e.g. ET
# Open). Prints Mbit/s and SYN/RST RTT p50/p99 per setup, and the latency
# warden adds over the bridge.
#
# usage: sudo scripts/inline-bench.sh [path/to/warden] [rules-file] [MB]
# needs: root, iproute2, python3, curl
set -euo pipefail
WARDEN=${1:-target/release/warden}
RULES=${2:-}
MB=${3:-50}
ID=$$
C=wbc$ID S=wbs$ID W=wbw$ID
DIR=$(mktemp -d /tmp/warden-inline-bench.XXXXXX)
SERVER_PID= WARDEN_PID=

cleanup() {
    [ -n "$WARDEN_PID" ] && kill "$WARDEN_PID" 2>/dev/null || true
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
    for ns in $C $S $W; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$DIR"
}
trap cleanup EXIT

topology() {
    for ns in $C $S $W; do ip netns del "$ns" 2>/dev/null || true; ip netns add "$ns"; done
    ip link add bc$ID type veth peer name ba$ID
    ip link add bs$ID type veth peer name bb$ID
    ip link set bc$ID netns $C; ip link set ba$ID netns $W
    ip link set bs$ID netns $S; ip link set bb$ID netns $W
    ip -n $C addr add 10.231.0.1/24 dev bc$ID; ip -n $C link set bc$ID up
    ip -n $S addr add 10.231.0.2/24 dev bs$ID; ip -n $S link set bs$ID up
    ip -n $W link set ba$ID up; ip -n $W link set bb$ID up
    ip netns exec $S python3 -m http.server -d "$DIR/www" 80 >/dev/null 2>&1 &
    SERVER_PID=$!
    sleep 0.5
}

measure() {
    local label=$1
    # warm up (ARP, server start)
    ip netns exec $C curl -s -m 10 -o /dev/null --retry 5 --retry-connrefused http://10.231.0.2/small || true
    local best=0
    for _ in 1 2 3; do
        local bps
        bps=$(ip netns exec $C curl -s -m 120 -o /dev/null -w '%{speed_download}' http://10.231.0.2/big)
        best=$(python3 -c "print(max($best, $bps))")
    done
    ip netns exec $C python3 - "$label" "$best" <<'PY'
import socket, sys, time
label, bps = sys.argv[1], float(sys.argv[2])
rtts = []
# SYN to a closed port, answered at once by the server's kernel with a
# RST: one round trip through the path, no server application involved
for _ in range(1000):
    s = socket.socket()
    s.settimeout(2)
    t = time.perf_counter()
    try:
        s.connect(("10.231.0.2", 9))
    except ConnectionRefusedError:
        rtts.append((time.perf_counter() - t) * 1e6)
    except OSError:
        pass
    s.close()
rtts.sort()
p = lambda q: rtts[min(len(rtts) - 1, int(q * len(rtts)))]
print(f"{label:28s} {bps * 8 / 1e6:9.1f} Mbit/s   SYN/RST RTT p50 {p(0.50):7.1f} us  p99 {p(0.99):7.1f} us")
with open("/tmp/.warden-bench-" + label.split()[0], "w") as f:
    f.write(f"{p(0.50)} {p(0.99)}\n")
PY
}

run_warden() {
    local label=$1 rules=$2
    topology
    ip netns exec $W "$WARDEN" -Q -i ba$ID:bb$ID -S "$rules" -k none \
        --set vars.address-groups.HOME_NET=any --set vars.address-groups.EXTERNAL_NET=any \
        -l "$DIR/out" 2>"$DIR/warden.log" &
    WARDEN_PID=$!
    for _ in $(seq 1 600); do grep -q "bridge up" "$DIR/warden.log" && break; sleep 0.1; done
    measure "$label"
    kill -TERM $WARDEN_PID; wait $WARDEN_PID || true; WARDEN_PID=
    grep "live:" "$DIR/warden.log" | sed 's/^/    /'
    kill $SERVER_PID; SERVER_PID=
}

mkdir -p "$DIR/www"
head -c $((MB * 1000000)) /dev/urandom > "$DIR/www/big"
echo hi > "$DIR/www/small"
echo 'alert http any any -> any any (msg:"bench"; http.uri; content:"/never"; sid:1;)' > "$DIR/one.rules"
echo "transfer of $MB MB, best of 3; 1000 SYN/RST round trips for latency"

topology
ip -n $W link add br0 type bridge
ip -n $W link set ba$ID master br0; ip -n $W link set bb$ID master br0; ip -n $W link set br0 up
sleep 1
measure "linux-bridge"
kill $SERVER_PID; SERVER_PID=

run_warden "warden (1 rule)" "$DIR/one.rules"
[ -n "$RULES" ] && run_warden "warden-rules ($(basename "$RULES"))" "$RULES"
read -r b50 b99 < /tmp/.warden-bench-linux-bridge
read -r w50 w99 < "/tmp/.warden-bench-warden"
python3 -c "print(f'added by warden (1 rule): p50 {($w50-$b50)/2:+.1f} us, p99 {($w99-$b99)/2:+.1f} us per packet (half the round-trip difference)')"
if [ -n "$RULES" ]; then
    read -r r50 r99 < /tmp/.warden-bench-warden-rules
    python3 -c "print(f'added by warden ($(basename "$RULES")): p50 {($r50-$b50)/2:+.1f} us, p99 {($r99-$b99)/2:+.1f} us per packet')"
fi
rm -f /tmp/.warden-bench-*
