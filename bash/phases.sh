# Sourced by setup.sh and test.sh: wall time per phase, so a run prints where its time went.
#   phase NAME     ends the running phase (if any) and starts NAME
#   phase_end      ends the running phase
#   phase_report   prints every phase of this run with its share of the total
# Phases append "NAME<TAB>SECONDS" to $VLAYER_PHASE_LOG, which the outermost script creates; setup.sh run from
# test.sh writes into the same log, so one table covers the whole run.
if [ -z "${VLAYER_PHASE_LOG:-}" ]; then
  VLAYER_PHASE_LOG=$(mktemp "${TMPDIR:-/tmp}/vlayer-phases.XXXXXX")
  export VLAYER_PHASE_LOG VLAYER_PHASE_OWNER=$$ VLAYER_RUN_START=$SECONDS
fi
_phase_name=""
_phase_start=0

phase_end() {
  if [ -n "$_phase_name" ]; then
    printf '%s\t%s\n' "$_phase_name" "$((SECONDS - _phase_start))" >> "$VLAYER_PHASE_LOG"
    _phase_name=""
  fi
}

phase() {
  phase_end
  _phase_name=$1
  _phase_start=$SECONDS
  echo "== $1" >&2
}

phase_report() {
  phase_end
  [ "${VLAYER_PHASE_OWNER:-}" = "$$" ] || return 0
  awk -F'\t' -v total="$((SECONDS - VLAYER_RUN_START))" '
    { secs[$1] += $2; if (!($1 in seen)) { seen[$1] = 1; order[n++] = $1 } }
    END {
      printf "\n%-64s %8s  %6s\n", "phase", "seconds", "share"
      for (i = 0; i < n; i++) {
        p = order[i]
        printf "%-64s %8d  %5.1f%%\n", p, secs[p], total ? 100 * secs[p] / total : 0
      }
      printf "%-64s %8d  %5.1f%%\n", "total (wall)", total, 100
    }' "$VLAYER_PHASE_LOG" >&2
  rm -f "$VLAYER_PHASE_LOG"
}
