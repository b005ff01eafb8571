#!/bin/bash
# PID 1 of a Rackside lab node (runs inside the node's chroot, copied to /run/rackside-lab-init).
#
# A tiny init: starts sshd in the background and reaps every child, so sshd can be stopped and
# started (tests) without destroying the node. fd 3 is sshd's log, a file on the host opened by
# node-init.sh before the chroot.
#   SIGUSR1  start sshd (if it is not running)
#   SIGUSR2  stop sshd
#   SIGTERM  stop everything and exit (ends the node)

sshd_pid() {
  local pid
  pid=$(cat /run/sshd.pid 2> /dev/null) || return 1
  [ "$(cat "/proc/$pid/comm" 2> /dev/null)" = sshd ] && echo "$pid"
}

start_sshd() {
  sshd_pid > /dev/null && return
  rm -f /run/sshd.pid
  /usr/sbin/sshd -D -e < /dev/null >&3 2>&3 &
}

stop_sshd() {
  local pid
  pid=$(sshd_pid) && kill "$pid"
  rm -f /run/sshd.pid
}

trap start_sshd USR1
trap stop_sshd USR2
trap 'kill -TERM -1 2> /dev/null; exit 0' TERM

start_sshd
while :; do
  # bash reaps every child (also orphans re-parented to PID 1) while it waits; a trapped
  # signal interrupts the wait and the loop goes on.
  sleep 3600 3>&- &
  sleeper=$!
  wait "$sleeper"
  kill "$sleeper" 2> /dev/null
done
