# shellcheck shell=bash
# Shared helpers for tools/services/<name> scripts. Source it; do not run it.
#
# Conventions every service script follows:
#   - subcommands: start | stop | status | env   (start/stop idempotent; status exit 0 = running, 3 = not)
#   - data under ${CDC_SERVICES_DATA:-tools/services/.data}/<name>/
#   - servers listen on 127.0.0.1 only and run detached from the calling shell
#   - one service is started/stopped by one caller at a time (flock on <data root>/<name>.lock), so
#     parallel test workers that all call `start` are safe.

set -euo pipefail

# Debian keeps the server binaries in /usr/sbin, which is not always on a non-login PATH.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

SERVICES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVICES_DATA_ROOT="${CDC_SERVICES_DATA:-$SERVICES_DIR/.data}"
# How long `start` / `stop` wait for the server (seconds). Package installation is not counted.
# shellcheck disable=SC2034  # used by the service scripts
SERVICES_TIMEOUT="${CDC_SERVICES_TIMEOUT:-60}"
SERVICE_NAME="${SERVICE_NAME:-service}"

# ---------------------------------------------------------------- logging

log()  { printf '[services/%s] %s\n' "$SERVICE_NAME" "$*" >&2; }
warn() { printf '[services/%s] WARNING: %s\n' "$SERVICE_NAME" "$*" >&2; }
die()  { printf '[services/%s] ERROR: %s\n' "$SERVICE_NAME" "$*" >&2; exit 1; }

# tail_log FILE [LINES]: print the end of a server log to stderr (for failure messages).
tail_log() {
  local file="$1" lines="${2:-40}"
  if [[ -s "$file" ]]; then
    printf -- '----- last %s lines of %s -----\n' "$lines" "$file" >&2
    tail -n "$lines" "$file" >&2 || true
    printf -- '----- end of log -----\n' >&2
  else
    printf '(log %s is empty or missing)\n' "$file" >&2
  fi
}

# fail_with_log FILE MESSAGE...: error message + log tail, exit 1.
fail_with_log() {
  local file="$1"; shift
  printf '[services/%s] ERROR: %s\n' "$SERVICE_NAME" "$*" >&2
  tail_log "$file" 60
  exit 1
}

# ---------------------------------------------------------------- paths

# abspath PATH: absolute path without requiring it to exist.
abspath() {
  case "$1" in
    /*) printf '%s\n' "$1" ;;
    *)  printf '%s/%s\n' "$(pwd)" "$1" ;;
  esac
}
SERVICES_DATA_ROOT="$(abspath "$SERVICES_DATA_ROOT")"
[[ "$SERVICES_TIMEOUT" =~ ^[0-9]+$ ]] || die "CDC_SERVICES_TIMEOUT must be a number of seconds, got '$SERVICES_TIMEOUT'"

# service_dir NAME: the data directory of one service.
service_dir() { printf '%s/%s\n' "$SERVICES_DATA_ROOT" "$1"; }

# short_socket_dir PREFERRED_DIR SOCKET_FILE_NAME: unix socket paths are limited to 107 bytes;
# when PREFERRED_DIR/SOCKET_FILE_NAME is longer, use a short directory under /tmp derived from it.
short_socket_dir() {
  local dir="$1" file="$2"
  if (( ${#dir} + 1 + ${#file} <= 100 )); then
    printf '%s\n' "$dir"
  else
    printf '/tmp/cdc-sock-%s\n' "$(printf '%s' "$dir" | md5sum | cut -c1-10)"
  fi
}

# ---------------------------------------------------------------- locking

# with_lock NAME: take an exclusive lock for this service (fd 9) for the rest of the script.
# Daemons must be started with `9>&-` so they do not inherit (and hold) the lock.
with_lock() {
  mkdir -p "$SERVICES_DATA_ROOT"
  exec 9>"$SERVICES_DATA_ROOT/$1.lock"
  if ! flock -w 600 9; then
    die "could not lock $SERVICES_DATA_ROOT/$1.lock within 600 s (another start/stop still running?)"
  fi
}

# ---------------------------------------------------------------- processes and ports

# pid_alive PID: the process exists (and is not a zombie).
pid_alive() {
  local pid="$1"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  local state
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
  [[ "$state" != "Z" ]]
}

# read_pid FILE: first line of a pid file if it is a number, else nothing.
read_pid() {
  local file="$1" pid=""
  [[ -r "$file" ]] && pid="$(head -n1 "$file" 2>/dev/null | tr -d '[:space:]')"
  [[ "$pid" =~ ^[0-9]+$ ]] && printf '%s\n' "$pid"
  return 0
}

# pid_is PID PATTERN: process PID is alive and its executable name/command line matches PATTERN (ERE).
pid_is() {
  local pid="$1" pattern="$2"
  pid_alive "$pid" || return 1
  local cmd
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true) $(cat "/proc/$pid/comm" 2>/dev/null || true)"
  [[ "$cmd" =~ $pattern ]]
}

# port_open HOST PORT: something accepts TCP connections there.
port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

# wait_for TIMEOUT DESCRIPTION ABORT_FN CHECK_CMD...: poll CHECK_CMD every 0.25 s until it succeeds.
# Returns 1 on timeout, 2 when ABORT_FN (e.g. "the server process died") succeeds first.
wait_for() {
  local limit="$1" desc="$2" abort_fn="$3"; shift 3
  local deadline=$(( $(date +%s) + limit ))
  while :; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if [[ -n "$abort_fn" ]] && "$abort_fn"; then
      log "gave up waiting for $desc: the server process exited"
      return 2
    fi
    if (( $(date +%s) >= deadline )); then
      log "timed out after ${limit}s waiting for $desc"
      return 1
    fi
    sleep 0.25
  done
}

# wait_for_port TIMEOUT HOST PORT [ABORT_FN]
wait_for_port() {
  wait_for "$1" "port $2:$3" "${4:-}" port_open "$2" "$3"
}

# check_port_value NAME VALUE: a TCP port number.
check_port_value() {
  if ! [[ "$2" =~ ^[0-9]+$ ]] || (( 10#$2 <= 0 || 10#$2 >= 65536 )); then
    die "$1 must be a TCP port number, got '$2'"
  fi
}

# ---------------------------------------------------------------- packages

# apt_install PKG...: install Debian packages non-interactively, without starting their system services
# (a system mariadb/postgresql on the default ports is not wanted; ours run from tools/services).
apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found: install $* by hand"
  [[ "$(id -u)" == 0 ]] || die "installing $* needs root (apt-get)"
  log "installing $* with apt-get (one-time) ..."
  local created_policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# temporary, created by tools/services: do not start services during install\nexit 101\n' \
      >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  local apt_opts=(-y -q -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  local rc=0
  # fd 9 (our lock) must not leak into anything apt starts.
  DEBIAN_FRONTEND=noninteractive apt-get install "${apt_opts[@]}" --no-install-recommends "$@" </dev/null 9>&- >&2 || rc=$?
  if (( rc != 0 )); then
    log "apt-get install failed (rc=$rc); running apt-get update and retrying"
    DEBIAN_FRONTEND=noninteractive apt-get update -q -o DPkg::Lock::Timeout=600 </dev/null 9>&- >&2 || true
    rc=0
    DEBIAN_FRONTEND=noninteractive apt-get install "${apt_opts[@]}" --no-install-recommends "$@" </dev/null 9>&- >&2 || rc=$?
  fi
  if [[ -n "$created_policy" ]]; then rm -f /usr/sbin/policy-rc.d; fi
  (( rc == 0 )) || die "apt-get install $* failed (rc=$rc)"
}

# ---------------------------------------------------------------- env output

# print_env KEY VALUE: one shell-style assignment, quoted when needed.
print_env() { printf '%s=%q\n' "$1" "$2"; }

# usage_and_exit NAME
usage_and_exit() {
  printf 'usage: tools/services/%s start|stop|status|env\n' "$1" >&2
  exit 2
}
