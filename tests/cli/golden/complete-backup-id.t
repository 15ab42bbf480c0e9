# backup ids complete after the domain, from every chain of the store
$ mkdir -p $TMP/store/test/backups/20260101T000000Z $TMP/store/test/backups/junk; : > $TMP/store/test/backups/20260101T000000Z/20260101T000000Z.manifest.xml; : > $TMP/store/test/backups/20260101T000000Z/20260102T000000Z.manifest.xml; : > $TMP/store/test/backups/20260101T000000Z/20260101T000000Z.vda.qcow2; virt-state complete -- backup show test 2026010; virt-state complete -- backup verify test 20260102; virt-state complete -- backup restore test ""
--- stdout
20260101T000000Z
20260102T000000Z
20260102T000000Z
20260101T000000Z
20260102T000000Z
--- stderr
--- exit 0
