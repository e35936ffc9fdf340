#!/usr/bin/env bash
# manpage.sh RUNNEL OUTDIR - write runnel.1 and runnel-SUB.1 (one for each subcommand `RUNNEL --help`
# lists) into OUTDIR, made from the command's own help texts.
#
# Why generated: the help texts are the reference (each subcommand prints its own with --help), so the
# pages are those texts in man's format, never a second copy to keep in step. A page is: NAME (the
# subcommand's one-line summary from `runnel --help`), SYNOPSIS (the help's "usage:" lines), then the
# rest of the text as written, in no-fill mode so its columns stay aligned; a line of the help that is a
# heading ("options:", "exit status: ...", "example: ...") becomes a section of the page.
set -euo pipefail
runnel=${1:?usage: manpage.sh RUNNEL OUTDIR}
out=${2:?usage: manpage.sh RUNNEL OUTDIR}
mkdir -p "$out"
version=$("$runnel" --version | awk '{print $2}')
main_help=$("$runnel" --help)
# the subcommands and their summaries: the indented lines after "commands:"
commands=$(printf '%s\n' "$main_help" | awk '/^commands:$/ {on = 1; next} on && /^  [a-z]/ {print} on && /^$/ {on = 0}')
[ -n "$commands" ] || { echo "manpage.sh: no commands listed by $runnel --help" >&2; exit 1; }

# to_roff: the help text on stdin as the body of a page (after NAME): SYNOPSIS, then sections
to_roff() {
  awk '
    function esc(s) {                       # roff: backslashes, hyphens, a leading dot or quote
      gsub(/\\/, "\\e", s); gsub(/-/, "\\-", s)
      if (s ~ /^[.\047]/) s = "\\&" s
      return s
    }
    function section(name) { if (nf) print ".fi"; print ".SH " name; print ".nf"; nf = 1 }
    BEGIN { state = "start"; nf = 0 }
    state == "start" && /^usage: / { section("SYNOPSIS"); sub(/^usage: /, ""); print esc($0); state = "usage"; next }
    state == "start" && /^$/ { next }
    state == "start" { section("DESCRIPTION"); state = "body" }
    state == "usage" && /^       [^ ]/ { sub(/^       /, ""); print esc($0); next }
    state == "usage" { section("DESCRIPTION"); state = "body"; if ($0 == "") next }
    /^[a-z][a-z ]*:$/ { sub(/:$/, ""); section(toupper($0)); next }
    /^(exit status|examples?|see also|environment|files): / {
      head = $0; sub(/: .*/, "", head); sub(/^[^:]*: /, ""); section(toupper(head)); print esc($0); next
    }
    { print esc($0) }
    END { if (nf) print ".fi" }
  '
}

header() { # header NAME SUMMARY
  printf '.TH %s 1 "" "runnel %s" "runnel manual"\n' "$(printf '%s' "$1" | tr 'a-z' 'A-Z' | sed 's/-/\\-/g')" "$version"
  printf '.SH NAME\n%s \\- %s\n' "$(printf '%s' "$1" | sed 's/-/\\-/g')" "$(printf '%s' "$2" | sed 's/\\/\\e/g; s/-/\\-/g')"
}

see_also=""
while read -r sub summary; do
  see_also+="${see_also:+, }\\fBrunnel\\-$sub\\fR(1)"
done <<<"$commands"

{
  header runnel "a WebAssembly actor runtime"
  printf '%s\n' "$main_help" | sed '1,2d' | to_roff
  printf '.SH SEE ALSO\n%s\n' "$see_also"
} >"$out/runnel.1"

while read -r sub summary; do
  help=$("$runnel" help "$sub")
  {
    header "runnel-$sub" "$summary"
    printf '%s\n' "$help" | to_roff
    printf '.SH SEE ALSO\n\\fBrunnel\\fR(1)\n'
  } >"$out/runnel-$sub.1"
done <<<"$commands"
