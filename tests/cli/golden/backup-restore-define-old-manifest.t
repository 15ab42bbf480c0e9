# a manifest from before definitions were recorded: --define takes the domain's current one and says so; when the images do not verify nothing is written or defined
$ mkdir -p $TMP/store/test/backups/c $TMP/out; : > $TMP/store/test/backups/c/c.vda.qcow2; printf "<backup version=\"1\"><id>c</id><chain>c</chain><domain>test</domain><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid><kind>full</kind><status>complete</status><method>job</method><consistency>quiesced</consistency><begin>1</begin><end>2</end><bytes-copied>0</bytes-copied><checkpoint name=\"virt-state-c\">x</checkpoint><disks><disk target=\"vda\"><image size=\"0\" sha256=\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\">c.vda.qcow2</image><virtual-size>1</virtual-size><bytes-written>0</bytes-written></disk></disks></backup>" > $TMP/store/test/backups/c/c.manifest.xml; virt-state -c test:///default backup restore test c --to $TMP/out --define copy 2>&1 | sed 's/qemu-img: .*/qemu-img: .../'; ls -A $TMP/out
--- stdout
virt-state: backup restore: warning: backup 'c' does not record the domain's definition (an older version took it): 'copy' takes the current definition of 'test'
virt-state: backup restore: warning: '@TMP@' (mode 700) cannot be searched by others: QEMU, running as its own user, may not reach the images and 'copy' may not start
virt-state: backup restore: backup 'c': image '@TMP@/store/test/backups/c/c.vda.qcow2': qemu-img check finds it damaged or unreadable
virt-state: backup restore: backup 'c' is not restored: 1 problem in its images or those it builds on (above); nothing was written to '@TMP@/out'
--- stderr
--- exit 0
