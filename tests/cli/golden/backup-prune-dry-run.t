# two chains (a <- b, c <- d): --keep-last 1 keeps d and the full backup under it, --dry-run changes nothing (test:///default has no checkpoints)
$ mk() { k=full; p=; [ -n "$3" ] && k=incremental p="<parent>$3</parent>"; mkdir -p $TMP/store/test/backups/$2; : > $TMP/store/test/backups/$2/$1.vda.qcow2; printf '<backup version="1"><id>%s</id><chain>%s</chain><domain>test</domain><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid><kind>%s</kind>%s<status>complete</status><method>job</method><consistency>quiesced</consistency><begin>%s</begin><end>%s</end><bytes-copied>0</bytes-copied><checkpoint name="virt-state-%s">x</checkpoint><disks><disk target="vda"><image size="0" sha256="e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855">%s.vda.qcow2</image><virtual-size>1</virtual-size><bytes-written>0</bytes-written></disk></disks></backup>' $1 $2 $k "$p" $4 $4 $1 $1 > $TMP/store/test/backups/$2/$1.manifest.xml; }; mk a a "" 1790000000; mk b a a 1790000100; mk c c "" 1790000200; mk d c c 1790000300; export TZ=UTC; virt-state -c test:///default backup prune test --keep-last 1 --dry-run; echo "exit $?"; find $TMP/store/test/backups -type f | sort; virt-state -c test:///default --json backup prune test --keep-last 1 --dry-run | tr '{' '\n' | sed -n 's/.*"id":"\([a-z]\)".*"action":"\([a-z]*\)","reasons":\([^,]*\),.*/\1 \2 \3/p'
--- stdout
remove backup a (full, 2026-09-21 14:13:20, chain a)
  remove image @TMP@/store/test/backups/a/a.vda.qcow2
  checkpoint: 'virt-state-a' is not in libvirt
remove backup b (incremental, 2026-09-21 14:15:00, chain a)
  remove image @TMP@/store/test/backups/a/b.vda.qcow2
  checkpoint: 'virt-state-b' is not in libvirt
keep backup c (full, 2026-09-21 14:16:40, chain c): base of a kept backup
keep backup d (incremental, 2026-09-21 14:18:20, chain c): last
exit 0
@TMP@/store/test/backups/a/a.manifest.xml
@TMP@/store/test/backups/a/a.vda.qcow2
@TMP@/store/test/backups/a/b.manifest.xml
@TMP@/store/test/backups/a/b.vda.qcow2
@TMP@/store/test/backups/c/c.manifest.xml
@TMP@/store/test/backups/c/c.vda.qcow2
@TMP@/store/test/backups/c/d.manifest.xml
@TMP@/store/test/backups/c/d.vda.qcow2
a remove null
b remove null
c keep "base of a kept backup"
d keep "last"
--- stderr
virt-state: backup prune: dry run, nothing was changed: would remove 2 backups and 0 checkpoints of 'test', keep 2 backups
virt-state: backup prune: dry run, nothing was changed: would remove 2 backups and 0 checkpoints of 'test', keep 2 backups
--- exit 0
