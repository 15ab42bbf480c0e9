#!/bin/bash
# The real testbed works: a guest boots under TCG without a network, its
# agent answers, it counts to its data disk, the agent can freeze and thaw
# its filesystems, reboots and shutdowns are told apart from restores, the
# counter can be read from a shut-off disk, and cleanup leaves nothing.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../testbed/lib.sh
. "$here/../testbed/lib.sh"

tb_require
tap_plan 24

# The daemons must not hold start-libvirtd.sh's lock: when they inherited
# it, every later call (one per test) waited on it for ever.
held=""
for p in $(pgrep -x libvirtd) $(pgrep -x virtlogd); do
    ls -l "/proc/$p/fd" 2>/dev/null | grep -q 'virt-state-start-libvirtd\.lock' && held+=" $p"
done
tap_is "$held" "" "neither libvirtd nor virtlogd holds start-libvirtd.sh's lock"
timeout 60 "$TB_TOP/scripts/start-libvirtd.sh" 2>/dev/null
tap_ok $? "scripts/start-libvirtd.sh returns at once when libvirtd already answers"

t0=$SECONDS
dom=$(tb_define_guest smoke)
tap_ok $? "a guest is defined and started"
xml=$(tb_virsh dumpxml "$dom")
grep -q "<domain type='qemu'" <<<"$xml"
tap_ok $? "it is a TCG (type qemu) domain"
! grep -q "<interface" <<<"$xml"
tap_ok $? "it has no network interface"

tb_wait_agent "$dom" 120
tap_ok $? "its guest agent answers ($((SECONDS - t0)) s after define)"

c1=$(tb_counter "$dom")
tap_ok $? "tb_counter reads the counter through the agent ($c1)"
sleep 3
c2=$(tb_counter "$dom")
[[ $c2 -ge $((c1 + 2)) ]]
tap_ok $? "the counter increases ($c1, then $c2 after 3 s)"
r=$(tb_counter "$dom" --ram)
[[ $r -ge $c2 ]]
tap_ok $? "the in-memory counter is at least the disk's ($r >= $c2)"
boot1=$(tb_boot_id "$dom")
[[ $boot1 =~ ^[0-9a-f-]{36}$ ]]
tap_ok $? "tb_boot_id reads the boot id ($boot1)"

# Freeze and thaw through the agent: later features rely on them.
tap_run "virsh domfsfreeze freezes the guest's filesystems" tb_virsh domfsfreeze "$dom"
tap_is "$(tb_agent "$dom" '{"execute":"guest-fsfreeze-status"}')" '"frozen"' \
    "the agent reports them frozen"
con=$(tb_console "$dom")
sleep 1.5
n1=$(grep -c '^counter' "$con")
sleep 3
n2=$(grep -c '^counter' "$con")
tap_is "$n2" "$n1" "the guest does not count while its disk is frozen"
tap_run "virsh domfsthaw thaws them" tb_virsh domfsthaw "$dom"
tap_is "$(tb_agent "$dom" '{"execute":"guest-fsfreeze-status"}')" '"thawed"' \
    "the agent reports them thawed"
tap_run "the guest counts again after the thaw" tb_wait_counter "$dom" $((c2 + 2)) 30

# A reboot is a new boot id; the counter goes on from the disk.
before=$(tb_counter "$dom")
tb_virsh reboot --mode agent "$dom" >/dev/null &&
    for _ in $(seq 120); do
        b=$(tb_boot_id "$dom" 2>/dev/null) && [[ $b != "$boot1" ]] && break
        sleep 1
    done
[[ -n $b && $b != "$boot1" ]]
tap_ok $? "a reboot through the agent gives a new boot id"
tb_wait_counter "$dom" $((before + 1)) 60
tap_ok $? "after the reboot the counter continues from the disk (was $before, now $(tb_counter "$dom"))"

# Clean shutdown, then read the counter from the shut-off disk.
last=$(tb_counter "$dom")
tap_run "shutdown through the agent stops the guest" tb_shutdown "$dom" 60
off=$(tb_counter_offline "$(tb_disk "$dom")")
[[ $off -ge $last ]]
tap_ok $? "tb_counter_offline reads the shut-off disk ($off >= $last)"

# Hard stop: the offline reader replays the journal.
tb_virsh start "$dom" >/dev/null && tb_wait_agent "$dom" 120 &&
    tb_wait_counter "$dom" $((off + 2)) 60
tap_ok $? "the guest starts again and counts on"
seen=$(tb_counter "$dom")
tb_virsh destroy "$dom" >/dev/null
off2=$(tb_counter_offline "$(tb_disk "$dom")")
[[ $off2 -ge $seen ]]
tap_ok $? "after a hard stop the disk holds the counter ($off2 >= $seen)"

run=$TB_RUN
tb_cleanup
! tb_virsh dominfo "$dom" >/dev/null 2>&1
tap_ok $? "tb_cleanup leaves no domain behind"
[[ ! -e $run ]]
tap_ok $? "tb_cleanup removes the run directory"
diag "wall time $((SECONDS - t0)) s"
