# --define refuses a name that exists before any image is written
$ mkdir -p $TMP/store/test/backups/c $TMP/out; : > $TMP/store/test/backups/c/c.vda.qcow2; printf "<backup version=\"1\"><id>c</id><chain>c</chain><domain>test</domain><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid><kind>full</kind><status>complete</status><method>job</method><consistency>quiesced</consistency><begin>1</begin><end>2</end><bytes-copied>0</bytes-copied><checkpoint name=\"virt-state-c\">x</checkpoint><disks><disk target=\"vda\"><image size=\"0\" sha256=\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\">c.vda.qcow2</image><virtual-size>1</virtual-size><bytes-written>0</bytes-written></disk></disks></backup>" > $TMP/store/test/backups/c/c.manifest.xml; virt-state -c test:///default backup restore test c --to $TMP/out --define test; echo "exit $?"; ls -A $TMP/out
--- stdout
exit 1
--- stderr
virt-state: backup restore: a domain named 'test' exists already; nothing was written
--- exit 0
