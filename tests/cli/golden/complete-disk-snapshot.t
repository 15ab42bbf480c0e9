# disk snapshot names complete after the domain
$ mkdir -p $TMP/store/test/disk-snapshots/nightly $TMP/store/test/disk-snapshots/noman; : > $TMP/store/test/disk-snapshots/nightly/manifest.xml; virt-state complete -- revert test n; virt-state complete -- disk-snapshot show test ""
--- stdout
nightly
nightly
--- stderr
--- exit 0
