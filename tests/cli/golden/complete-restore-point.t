# revert completes restore points and disk snapshots; restore-point show only restore points; directories without a manifest are not offered
$ mkdir -p $TMP/store/test/disk-snapshots/nightly $TMP/store/test/restore-points/p1 $TMP/store/test/restore-points/p2-noman; : > $TMP/store/test/disk-snapshots/nightly/manifest.xml; : > $TMP/store/test/restore-points/p1/manifest.xml; virt-state complete -- revert test ""; echo --; virt-state complete -- restore-point show test ""; echo --; virt-state complete -- restore-point verify test p; echo --; virt-state complete -- restore-point delete test n
--- stdout
nightly
p1
--
p1
--
p1
--
--- stderr
--- exit 0
