#!/bin/bash
# t_scripts.sh - the example hook scripts in scripts/vipd-* and the check
# script scripts/check-kamailio: POSIX sh (dash -n, shellcheck when
# installed), documented, refusing bad arguments before anything is sent,
# and doing what their headers say against stand-ins for systemctl and the
# cloud CLIs that only record how they were called. What the real servers
# can show (BIND for vipd-nsupdate, an HTTP server for vipd-action-url,
# kamailio for check-kamailio) is tested against them in
# test/netns/t_realhooks.sh; the curl and nsupdate stand-ins here are kept
# only for what a server cannot see (argument shape, refusals). Nothing
# leaves this machine and nothing outside a temporary directory is touched.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=test/tap.sh
. test/tap.sh

D=$(mktemp -d /tmp/vipd-scripts.XXXXXX) || exit 1
trap 'rm -rf "$D"' EXIT
mkdir "$D/bin"
# Stand-ins: arguments one per line into $D/NAME.args, stdin into NAME.stdin.
for cmd in curl nsupdate systemctl aws hcloud doctl; do
	cat >"$D/bin/$cmd" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >"$D/$cmd.args"
[ "$cmd" = nsupdate ] && cat >"$D/$cmd.stdin"
exit \${FAKE_RC:-0}
EOF
	chmod 755 "$D/bin/$cmd"
done
# run SCRIPT ARG... - run scripts/SCRIPT as vipd would: a clean environment,
# the VIPD_* variables of a takeover (override with VAR=value before run).
run() {
	local s=$1
	shift
	rm -f "$D"/*.args "$D"/*.stdin
	env -i PATH="$D/bin:/usr/sbin:/usr/bin:/sbin:/bin" VIPD_EVENT="${EV:-transition}" \
		VIPD_HOOK=notify VIPD_GROUP=1 VIPD_STATE="${ST:-MASTER}" VIPD_PREV_STATE=BACKUP \
		VIPD_REASON='peer timed out; $(touch '"$D"'/pwned)' \
		VIPD_VIPS="2001:db8::100/64 192.0.2.100/24" VIPD_INTERFACE=eth0 VIPD_NODE=pbx-a \
		VIPD_PEER=pbx-b VIPD_PEER_ADDRESS=192.0.2.2 FAKE_RC="${RC:-0}" \
		"scripts/$s" "$@" >"$D/out" 2>"$D/err"
}
args_have() { grep -qxF -- "$2" "$D/$1.args"; }

for s in scripts/vipd-action-url scripts/vipd-nsupdate scripts/vipd-service scripts/vipd-cloud-ip \
	scripts/check-kamailio scripts/vipd-calls-kamailio scripts/vipd-calls-asterisk \
	scripts/vipd-calls-freeswitch scripts/vipd-fence-example; do
	check "$s: executable" test -x "$s"
	check "$s: POSIX sh (dash -n)" dash -n "$s"
	if command -v shellcheck >/dev/null; then
		check "$s: shellcheck -s sh" shellcheck -s sh "$s"
	fi
	check "$s: its header documents usage and exit status" \
		sh -c "head -50 '$s' | grep -q '^# Exit status' && head -50 '$s' | grep -q 'vipd.conf'"
	check "$s: README documents it" grep -q "^### ${s#scripts/}" README.md
done

# --- vipd-action-url ------------------------------------------------------------
run vipd-action-url
check "action-url: no URL is a usage error (2)" test "$?" = 2
run vipd-action-url file:///etc/passwd
check "action-url: only http(s) URLs" test "$?" = 2 -a ! -e "$D/curl.args"
run vipd-action-url https://pbx.example/takeover
check "action-url: the URL is the last argument, after --" \
	test "$(tail -n 2 "$D/curl.args" | tr '\n' ' ')" = "-- https://pbx.example/takeover "
check "action-url: time limit, --fail, http(s) only, also after redirects" \
	sh -c "grep -qx -- --max-time '$D/curl.args' && grep -qx -- --fail '$D/curl.args' && grep -qxF -- =http,https '$D/curl.args'"

# --- vipd-nsupdate -----------------------------------------------------------------
run vipd-nsupdate -s 192.0.2.53 -n "$(printf 'sip.example.com\nsend')"
check "nsupdate: a name with a newline is refused (2), nothing sent" \
	test "$?" = 2 -a ! -e "$D/nsupdate.args"
run vipd-nsupdate -s 192.0.2.53 -n sip.example.com -a 192.0.2.300
check "nsupdate: a bad address is refused (2)" test "$?" = 2
ST=BACKUP run vipd-nsupdate -s 192.0.2.53 -n sip.example.com
check "nsupdate: not master: nothing to do, exit 0" test "$?" = 0 -a ! -e "$D/nsupdate.args"

# --- check-kamailio ----------------------------------------------------------------
for bad in "-H -x" "-H a;b" "-p 50x" "-T sctp" "-t 50" "extra"; do
	# shellcheck disable=SC2086 # one option and its value
	run check-kamailio $bad
	check "check-kamailio: '$bad' is refused as bad usage (3)" test "$?" = 3
done

# --- vipd-service -------------------------------------------------------------------
run vipd-service kamailio
check "service: MASTER starts the unit" test "$(tr '\n' ' ' <"$D/systemctl.args")" = "start -- kamailio "
ST=BACKUP run vipd-service kamailio
check "service: BACKUP stops it" test "$(tr '\n' ' ' <"$D/systemctl.args")" = "stop -- kamailio "
ST=FAULT run vipd-service -m restart asterisk freeswitch
check "service: FAULT stops every unit named" \
	test "$(tr '\n' ' ' <"$D/systemctl.args")" = "stop -- asterisk freeswitch "
ST=STOPPING run vipd-service kamailio
check "service: STOPPING stops it" args_have systemctl stop
run vipd-service -m restart -n asterisk
check "service: -m restart -n" test "$(tr '\n' ' ' <"$D/systemctl.args")" = "--no-block restart -- asterisk "
ST=INIT run vipd-service kamailio
check "service: INIT does nothing" test "$?" = 0 -a ! -e "$D/systemctl.args"
EV=master_again run vipd-service kamailio
check "service: master-again does nothing" test "$?" = 0 -a ! -e "$D/systemctl.args"
run vipd-service kamailio --now
check "service: an option as unit name is refused" test "$?" = 2 -a ! -e "$D/systemctl.args"
run vipd-service 'kamailio;reboot'
check "service: a unit name with shell syntax is refused" test "$?" = 2 -a ! -e "$D/systemctl.args"

# --- vipd-cloud-ip ------------------------------------------------------------------
run vipd-cloud-ip -c "$D/none.conf"
check "cloud-ip: without a config it exits 3" test "$?" = 3
check "cloud-ip: ... saying it is not configured" grep -q 'not configured' "$D/err"
sed -n 's/^#   \([A-Z_]*=CHANGE-ME\).*/\1/p' scripts/vipd-cloud-ip >"$D/template.conf"
check "cloud-ip: the header holds the config template" test -s "$D/template.conf"
run vipd-cloud-ip -c "$D/template.conf"
check "cloud-ip: the template's placeholders are refused (3)" test "$?" = 3
check "cloud-ip: ... naming the setting" grep -q 'PROVIDER is not set' "$D/err"
printf 'PROVIDER=hcloud   # Hetzner\nFLOATING_IP_ID=sip-ip\nSERVER=CHANGE-ME\n' >"$D/h.conf"
run vipd-cloud-ip -c "$D/h.conf"
check "cloud-ip: one placeholder left is refused too" test "$?" = 3 -a ! -e "$D/hcloud.args"
printf 'PROVIDER=hcloud   # Hetzner\nFLOATING_IP_ID=sip-ip\nSERVER=pbx-a\n' >"$D/h.conf"
run vipd-cloud-ip -c "$D/h.conf"
check "cloud-ip: hcloud assigns the floating IP to this server" \
	test "$(tr '\n' ' ' <"$D/hcloud.args")" = "floating-ip assign sip-ip pbx-a "
EV=master_again run vipd-cloud-ip -c "$D/h.conf"
check "cloud-ip: and again on master-again" test -e "$D/hcloud.args"
ST=BACKUP run vipd-cloud-ip -c "$D/h.conf"
check "cloud-ip: not master: nothing to do" test "$?" = 0 -a ! -e "$D/hcloud.args"
printf 'PROVIDER=aws\nALLOCATION_ID=eipalloc-1\nINSTANCE_ID=i-2\nREGION=eu-central-1\n' >"$D/a.conf"
run vipd-cloud-ip -c "$D/a.conf"
check "cloud-ip: aws associate-address with reassociation" \
	test "$(tr '\n' ' ' <"$D/aws.args")" = "ec2 associate-address --region eu-central-1 --allocation-id eipalloc-1 --instance-id i-2 --allow-reassociation "
printf 'PROVIDER=doctl\nRESERVED_IP=203.0.113.10\nDROPLET_ID=42\n' >"$D/d.conf"
RC=1 run vipd-cloud-ip -c "$D/d.conf"
check "cloud-ip: doctl, and the CLI's failure is the exit status" \
	test "$?:$(tr '\n' ' ' <"$D/doctl.args")" = "1:compute reserved-ip-action assign 203.0.113.10 42 "
printf 'PROVIDER=hcloud\nSERVER=pbx-a\nFLOATING_IP_ID=--help\n' >"$D/o.conf"
run vipd-cloud-ip -c "$D/o.conf"
check "cloud-ip: a value that looks like an option is refused" test "$?" = 3 -a ! -e "$D/hcloud.args"
printf 'PROVIDER=hcloud\nSERVER=$(touch %s/pwned)\nFLOATING_IP_ID=x\n' "$D" >"$D/e.conf"
run vipd-cloud-ip -c "$D/e.conf"
check "cloud-ip: config values are data, never run" \
	test ! -e "$D/pwned" -a "$(sed -n 4p "$D/hcloud.args")" = "\$(touch $D/pwned)"

# --- call counters ------------------------------------------------------------------
# Asterisk and FreeSWITCH are not in Debian 12 and cannot run here: stand-ins
# print what the real CLIs print (their answers and their failures) and the
# counters' parsing and error paths are tested against those. The Kamailio
# counter runs against a real kamailio in test/netns/t_drain.sh; here only
# kamcmd's failure modes that a live server cannot be made to show.
# fake NAME STATUS TEXT - $D/bin/NAME prints TEXT (printf %b) and exits STATUS.
fake() {
	printf '#!/bin/sh\nprintf "%%s\\n" "$@" >"%s/%s.args"\nprintf %%b %s\nexit %s\n' \
		"$D" "$1" "'$3'" "$2" >"$D/bin/$1"
	chmod 755 "$D/bin/$1"
}
count() { # SCRIPT - run it; prints "STATUS:STDOUT"
	run "$1"
	echo "$?:$(cat "$D/out")"
}
# count_is DESC SCRIPT WANT CLI STATUS TEXT - with the stand-in CLI printing
# TEXT and exiting STATUS (fake), SCRIPT's count is WANT ("STATUS:STDOUT").
count_is() {
	fake "$4" "$5" "$6"
	check "$1" test "$(count "$2")" = "$3"
}
count_is "calls-asterisk: 1 active call" vipd-calls-asterisk "0:1" \
	asterisk 0 '2 active channels\n1 active call\n15 calls processed\n'
check "... asked with -rx, one argument" \
	test "$(tr '\n' '|' <"$D/asterisk.args")" = "-rx|core show channels count|"
count_is "calls-asterisk: 0 active calls" vipd-calls-asterisk "0:0" \
	asterisk 0 '0 active channels\n0 active calls\n3 calls processed\n'
count_is "calls-asterisk: Asterisk not running: exit 1, no count printed" vipd-calls-asterisk "1:" \
	asterisk 1 'Unable to connect to remote asterisk (does /var/run/asterisk/asterisk.ctl exist?)\n'
check "... saying why" grep -q "Unable to connect to remote asterisk" "$D/err"
count_is "calls-asterisk: an answer without the count is an error" vipd-calls-asterisk "1:" \
	asterisk 0 'No such command core show channels count\n'
count_is "calls-asterisk: an empty answer is an error, never 0" vipd-calls-asterisk "1:" \
	asterisk 0 ''
count_is "calls-freeswitch: 3 total." vipd-calls-freeswitch "0:3" fs_cli 0 '\n3 total.\n\n'
count_is "calls-freeswitch: 0 total." vipd-calls-freeswitch "0:0" fs_cli 0 '\n0 total.\n\n'
count_is "calls-freeswitch: FreeSWITCH not running: exit 1, no count" vipd-calls-freeswitch "1:" \
	fs_cli 1 '[ERROR] fs_cli.c:1699 main() Error Connecting []\n'
count_is "calls-freeswitch: -ERR is an error" vipd-calls-freeswitch "1:" \
	fs_cli 0 '-ERR show Command not found!\n'
run vipd-calls-freeswitch -H 'a;b'
check "calls-freeswitch: a bad host is a usage error (3)" test "$?" = 3
count_is "calls-kamailio: kamcmd cannot connect: exit 1, no count" vipd-calls-kamailio "1:" \
	kamcmd 255 'ERROR: connect_unix_sock: connect(/run/kamailio/kamailio_ctl): No such file or directory [2]\n'
check "... saying why" grep -q "connect_unix_sock" "$D/err"
count_is "calls-kamailio: no dialog module: an error" vipd-calls-kamailio "1:" \
	kamcmd 0 'error: 500 - command dlg.stats_active not found\n'
run vipd-calls-kamailio -k bogus
check "calls-kamailio: a bad kind is a usage error (3)" test "$?" = 3

# --- fence example ------------------------------------------------------------------
fake ipmitool 0 'Chassis Power is off\n'
run vipd-fence-example -p pbx-b ipmi 10.0.0.12 fence /etc/vipd/bmc.pass
check "fence ipmi: exit 0 once the peer is off" test "$?" = 0
check "... asked for the power status with the password from a file" \
	test "$(tr '\n' ' ' <"$D/ipmitool.args")" = "-I lanplus -H 10.0.0.12 -U fence -f /etc/vipd/bmc.pass chassis power status "
run vipd-fence-example -p pbx-c ipmi 10.0.0.12 fence /etc/vipd/bmc.pass
check "fence: asked to fence another peer than configured: refused (3), nothing run" \
	test "$?" = 3
fake virsh 1 'error: failed to get domain\n'
run vipd-fence-example -p pbx-b libvirt qemu:///system pbx-b
check "fence libvirt: the domain cannot be seen: not confirmed, exit 1" test "$?" = 1
fake virsh 0 'shut off\n'
run vipd-fence-example -p pbx-b libvirt qemu:///system pbx-b
check "fence libvirt: shut off: exit 0" test "$?" = 0
run vipd-fence-example -p pbx-b libvirt --connect=x pbx-b
check "fence: an argument that looks like an option is refused (3)" test "$?" = 3

tap_end
