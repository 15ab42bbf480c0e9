# freeze --timeout --json names the guardian left behind; thaw --json stops it
$ virt-state -c test:///default --json freeze test --timeout 600 | sed "s/\"guardian_pid\":[0-9]*/\"guardian_pid\":PID/"; grep -v "^#" $TMP/store/test/frozen | sed -e "s/=[0-9]\{6,\}$/=TIME/" -e "s/^guardian=[0-9]*/guardian=PID/"; virt-state -c test:///default thaw test --json | sed "s/\"guardian_pid\":[0-9]*/\"guardian_pid\":PID/"; ls -A $TMP/store/test
--- stdout
{"domain":"test","frozen_filesystems":2,"timeout":600,"guardian_pid":PID}
uuid=6695eb01-f6a4-8304-79aa-97f2502e193f
frozen_at=TIME
deadline=TIME
guardian=PID
filesystems=2
{"domain":"test","thawed_filesystems":0,"guardian_pid":PID}
lock
--- stderr
virt-state: freeze: froze 2 filesystems of 'test'; they thaw by themselves in 600 s (or: virt-state thaw test)
virt-state: thaw: 'test' was not frozen
--- exit 0
