# shellcheck shell=bash
# `lab impair`: delay and loss on one node's link (sourced by scripts/lab/lab).
#
# Why not `tc qdisc ... netem`: this machine's kernel has no netem (nor fq) qdisc. Instead the
# node's host-side veth ($LAB_PFX-hN) is taken off the bridge and a relay (impair.py, AF_PACKET
# sockets) forwards between it and a new veth pair $LAB_PFX-jN <-> $LAB_PFX-iN whose iN end joins
# the bridge. Frames from the node are delayed / dropped; frames to the node pass straight.

impair_veth_bridge() { echo "$LAB_PFX-i$1"; }
impair_veth_relay()  { echo "$LAB_PFX-j$1"; }
impair_pidfile()     { echo "$(node_dir "$1")/impair.pid"; }
impair_conffile()    { echo "$(node_dir "$1")/impair.conf"; }

# Remove node $1's impairment (relay, extra veth pair) and put its veth back on the bridge.
impair_clear() {
  local i=$1 pid pidfile
  pidfile=$(impair_pidfile "$i")
  pid=$(cat "$pidfile" 2> /dev/null || true)
  if pid_alive "$pid" impair.py; then
    kill "$pid" 2> /dev/null || true
    while [ -d "/proc/$pid" ]; do sleep 0.02; done
  fi
  rm -f "$pidfile" "$(impair_conffile "$i")"
  ip link del "$(impair_veth_bridge "$i")" 2> /dev/null || true
  if ip link show "$(node_veth_host "$i")" > /dev/null 2>&1 && ip link show "$LAB_BR" > /dev/null 2>&1; then
    ip link set "$(node_veth_host "$i")" promisc off master "$LAB_BR" 2> /dev/null || true
  fi
}

# Every impairment of this lab (for `lab down`): relays by pid file, stray veths by prefix.
impair_clear_all() {
  local f i dev
  for f in "$LAB_STATE"/node*/impair.pid; do
    [ -f "$f" ] || continue
    i=${f%/impair.pid}; i=${i##*/node}
    impair_clear "$i"
  done
  for dev in $(ip -o link show | awk -F': ' '{ print $2 }' | cut -d@ -f1 | grep "^$LAB_PFX-[ij][0-9]" || true); do
    ip link del "$dev" 2> /dev/null || true
  done
}

# "100ms" / "100" / "0.1s" -> milliseconds; "20%" / "20" -> percent.
impair_ms() {
  local v=$1
  case $v in
    *ms) v=${v%ms} ;;
    *s) v=$(awk -v s="${v%s}" 'BEGIN { print s * 1000 }') ;;
  esac
  [[ $v =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--delay must look like 100ms, not '$1'"
  echo "$v"
}
impair_pct() {
  local v=${1%\%}
  if ! [[ $v =~ ^[0-9]+(\.[0-9]+)?$ ]] || ! awk -v p="$v" 'BEGIN { exit !(p <= 100) }'; then
    die "--loss must be 0-100%, not '$1'"
  fi
  echo "$v"
}

cmd_impair() {
  local i=${1:-} delay=0 loss=0 clear=0 seed='' hv bv rv pidfile pid
  require_root impair
  require_node "$i"
  shift
  [ $# -gt 0 ] || {
    if [ -f "$(impair_conffile "$i")" ]; then echo "node$i: $(cat "$(impair_conffile "$i")")"; else echo "node$i: no impairment"; fi
    return 0
  }
  while [ $# -gt 0 ]; do
    case $1 in
      --delay) delay=$(impair_ms "${2:-}"); shift 2 || die "--delay needs a value" ;;
      --delay=*) delay=$(impair_ms "${1#*=}"); shift ;;
      --loss) loss=$(impair_pct "${2:-}"); shift 2 || die "--loss needs a value" ;;
      --loss=*) loss=$(impair_pct "${1#*=}"); shift ;;
      --seed) seed=${2:-}; shift 2 || die "--seed needs a number" ;;
      --clear) clear=1; shift ;;
      *) die "impair: unknown option '$1' (see: lab help)" ;;
    esac
  done
  lab_lock
  impair_clear "$i"
  if [ "$clear" = 1 ]; then
    log "node$i: impairment cleared"
    return 0
  fi
  hv=$(node_veth_host "$i"); bv=$(impair_veth_bridge "$i"); rv=$(impair_veth_relay "$i")
  pidfile=$(impair_pidfile "$i")
  ip link add "$bv" type veth peer name "$rv"
  ip link set "$bv" master "$LAB_BR" up
  ip link set "$rv" promisc on up
  ip link set "$hv" nomaster
  ip link set "$hv" promisc on up
  setsid "$PYTHON" "$LAB_DIR/impair.py" "$hv" "$rv" --delay-ms "$delay" --loss-pct "$loss" ${seed:+--seed "$seed"} \
    > "$(node_dir "$i")/impair.log" 2>&1 < /dev/null 9>&- &
  pid=$!
  echo "$pid" > "$pidfile"
  echo "delay ${delay}ms loss ${loss}%" > "$(impair_conffile "$i")"
  sleep 0.2
  pid_alive "$pid" impair.py || { impair_clear "$i"; die "node$i: the relay did not start (see $(node_dir "$i")/impair.log)"; }
  log "node$i: delay ${delay} ms, loss ${loss} % on frames from the node (relay pid $pid)"
}
