#!/bin/bash
# t_completion.sh - bash completion for vipctl (etc/vipctl.bash-completion):
# sourced as bash-completion would, then _vipctl called for command lines
# the way readline calls it, with and without bash-completion's helpers
# loaded. The commands come from `vipctl --commands` (the command table,
# include/ctltab.h), group ids from `vipctl -j status`; a stand-in vipctl
# first in PATH hands the first to the real build/vipctl and answers the
# second itself, so no daemon is needed. Every command of the table must
# be completed, listed by `vipctl -h` and described in vipctl(8).
# `make install` puts the file where bash-completion looks (t_install.sh).
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=test/tap.sh
. test/tap.sh

VIPCTL=${VIPCTL:-build/vipctl}
[ -x "$VIPCTL" ] || { echo "not ok - $VIPCTL is built (make)"; exit 1; }
REAL=$(realpath "$VIPCTL")
D=$(mktemp -d /tmp/vipd-completion.XXXXXX) || exit 1
trap 'rm -rf "$D"' EXIT
mkdir "$D/bin" || exit 1
# The stand-in: the command table from the real vipctl; otherwise records
# its arguments and answers status with groups 1 and 20.
cat >"$D/bin/vipctl" <<STANDIN
#!/bin/sh
[ "\$*" = --commands ] && exec "$REAL" --commands
printf '%s\n' "\$*" >>"$D/vipctl.args"
echo '{ "node": "pbx-a", "groups": [ { "id": 1 }, { "id": 20 } ] }'
STANDIN
chmod 755 "$D/bin/vipctl"
touch "$D/vipd.sock" "$D/other.sock"

# complete_line MODE WORD... - in a fresh bash (MODE "plain": only our
# file; "full": bash-completion first), complete the last WORD and print
# the candidates sorted, on one line.
complete_line() {
	local mode=$1
	shift
	PATH="$D/bin:$PATH" bash --norc --noprofile -c '
		mode=$1; shift
		if [ "$mode" = full ]; then
			. /usr/share/bash-completion/bash_completion || exit 1
		fi
		. etc/vipctl.bash-completion || exit 1
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_vipctl vipctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		[ ${#COMPREPLY[@]} = 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' \
		_ "$mode" "$@"
}
# expect DESC WANT MODE WORD... - the candidates for WORD... are WANT.
expect() {
	local desc=$1 want=$2 mode=$3 got
	shift 3
	got=$(complete_line "$mode" "$@" 2>&1)
	if [ "$got" = "$want" ]; then
		ok "$mode: $desc"
	else
		not_ok "$mode: $desc"
		echo "#   got:  '$got'"
		echo "#   want: '$want'"
	fi
}

if bash -n etc/vipctl.bash-completion; then ok "bash -n"; else not_ok "bash -n"; fi
if command -v shellcheck >/dev/null; then
	if shellcheck -s bash etc/vipctl.bash-completion; then
		ok "shellcheck -s bash"
	else
		not_ok "shellcheck -s bash"
	fi
fi
if grep -q '^complete -F _vipctl vipctl$' etc/vipctl.bash-completion; then
	ok "the file registers _vipctl for vipctl"
else
	not_ok "the file registers _vipctl for vipctl"
fi
modes=plain
if [ -r /usr/share/bash-completion/bash_completion ]; then
	modes="plain full"
else
	not_ok "bash-completion is installed (make deps installs it)"
fi

for mode in $modes; do
	expect "every command" "check events metrics reload standby status switchover version " \
		"$mode" vipctl ""
	expect "a prefix: s" "standby status switchover " "$mode" vipctl s
	expect "options" "--commands --help --json --socket --version -V -h -j -s " "$mode" vipctl -
	expect "the command after an option" "standby status switchover " "$mode" vipctl -j s
	expect "the command after -s SOCKET" "standby status switchover " "$mode" vipctl -s "$D/vipd.sock" s
	expect "-s takes a file" "$D/other.sock " "$mode" vipctl -s "$D/ot"
	expect "standby: on or off" "off on " "$mode" vipctl standby ""
	expect "standby on: --force, --when-idle and its options, or a group of the daemon" "--force --json --max-wait --then --when-idle 1 20 " "$mode" vipctl standby on ""
	expect "switchover: --force, --when-idle and its options, --cancel or a group" "--cancel --force --json --max-wait --then --when-idle 1 20 " "$mode" vipctl switchover ""
	expect "switchover --then: switch or cancel" "cancel switch " "$mode" vipctl switchover --when-idle --then ""
	expect "check: a group, or --json" "--json 1 20 " "$mode" vipctl check ""
	expect "check: only --json after the group" "--json " "$mode" vipctl check 1 ""
	expect "switchover --max-wait: a duration, typed" "" "$mode" vipctl switchover --when-idle --max-wait ""
	expect "standby off: on or off is given, then a group" "--force --json --max-wait --then --when-idle 1 20 " "$mode" vipctl standby off ""
	expect "events: --follow" "--follow " "$mode" vipctl events --f
	expect "status: --json" "--json " "$mode" vipctl status --
done
# The table is the one source: each of its commands is completed, in -h
# and in the man page. A command added to include/ctltab.h and forgotten
# in vipctl(8) fails here; -h and the completion cannot forget it.
table_cmds=$("$VIPCTL" --commands | cut -f1 | uniq)
if [ -n "$table_cmds" ]; then ok "vipctl --commands lists the table"; else not_ok "vipctl --commands lists the table"; fi
help=$("$VIPCTL" -h)
all=$(complete_line plain vipctl "")
for c in $table_cmds; do
	case " $all" in *" $c "*) ok "completion offers $c" ;; *) not_ok "completion offers $c" ;; esac
	if grep -q "^  $c\( \|\$\)" <<<"$help"; then ok "vipctl -h lists $c"; else not_ok "vipctl -h lists $c"; fi
	if grep -q "^\.It Cm $c\( \|\$\)" man/vipctl.8; then ok "vipctl(8) describes $c"; else not_ok "vipctl(8) describes $c"; fi
done
# (root) in -h exactly for the commands the table says change state.
want=$("$VIPCTL" --commands | awk -F '\t' '$2 == "change" { print $1 }' | uniq | tr '\n' ' ')
got=$(awk '/^  [a-z]/ { c = $1 } / \(root\)$/ { print c }' <<<"$help" | tr '\n' ' ')
if [ -n "$want" ] && [ "$got" = "$want" ]; then
	ok "vipctl -h marks (root) exactly the commands that change state: $want"
else
	not_ok "vipctl -h marks (root) exactly the commands that change state"
	echo "#   got:  '$got'"
	echo "#   want: '$want'"
fi
rm -f "$D/vipctl.args"
complete_line plain vipctl -s "$D/vipd.sock" check "" >/dev/null
if grep -qxF -- "-s $D/vipd.sock -j status" "$D/vipctl.args" 2>/dev/null; then
	ok "group ids are asked of the daemon on the socket given with -s"
else
	not_ok "group ids are asked of the daemon on the socket given with -s"
	sed 's/^/#   /' "$D/vipctl.args" 2>/dev/null
fi
# No vipctl at all (or no daemon, and no command table): no candidates, and
# nothing on the terminal.
printf '#!/bin/sh\nexit 3\n' >"$D/bin/vipctl"
expect "no daemon: no group ids, no error output" "" plain vipctl check ""

tap_end
