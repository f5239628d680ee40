# capture-lib.sh — sourced by the samples/peers/make-*.sh capture scripts:
# tcpdump on lo around each capture, servers in the background reading the
# FIFO on fd 9, waiting for a listening port. The sourcing script defines
# die(), PCAPS, KEYS, WORK and the PIDS array it ends at exit.

TCPDUMP_PID=
capture_start() { # NAME BPF
    local name=$1 i
    rm -f "$PCAPS/$name.pcap" "$KEYS/$name.keys"
    tcpdump -i lo -n -s 0 -B 32768 -U --immediate-mode -w "$PCAPS/$name.pcap" "$2" 2>"$WORK/tcpdump-$name.log" &
    TCPDUMP_PID=$!
    PIDS+=("$TCPDUMP_PID")
    for i in $(seq 100); do
        grep -q 'listening on' "$WORK/tcpdump-$name.log" 2>/dev/null && return 0
        sleep 0.05
    done
    die "tcpdump did not start for $name"
}
capture_stop() { # NAME — and fail when the kernel dropped packets
    sleep 0.3
    kill -INT "$TCPDUMP_PID"
    wait "$TCPDUMP_PID" 2>/dev/null || true
    grep -q '^0 packets dropped by kernel' "$WORK/tcpdump-$1.log" || die "$1: tcpdump dropped packets"
}
BG_PID=
start_bg() { # LOG CMD...
    local log=$1
    shift
    "$@" <&9 >"$WORK/$log.log" 2>&1 &
    BG_PID=$!
    PIDS+=("$BG_PID")
}
stop_bg() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
wait_listen() {
    local i
    for i in $(seq 100); do
        ss -Hltn "sport = :$1" | grep -q . && return 0
        sleep 0.05
    done
    die "nothing listens on port $1"
}
