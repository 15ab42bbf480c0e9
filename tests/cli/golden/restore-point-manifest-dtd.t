# a manifest with a DOCTYPE and an external entity is refused without reading the entity (its secret appears nowhere)
$ P=$TMP/store/test/restore-points/p1; mkdir -p $P; echo s3cr3t-T0KEN > $TMP/secret; sed -e "1a <!DOCTYPE restore-point [<!ENTITY e SYSTEM \"file://$TMP/secret\">]>" -e "s|<description>before|<description>\&e; before|" "$VIRT_STATE_SRCDIR/tests/cli/fixtures/restore-point.xml" > $P/manifest.xml; virt-state -c test:///nonexistent restore-point show test p1; echo "exit $?"; virt-state -c test:///nonexistent --json restore-point list test; echo "exit $?"; virt-state -c test:///nonexistent restore-point verify test p1; echo "exit $?"
--- stdout
exit 1
[]
exit 1
exit 1
--- stderr
virt-state: restore-point show: manifest '@TMP@/store/test/restore-points/p1/manifest.xml' has a document type declaration; manifests must not have one
virt-state: restore-point list: manifest '@TMP@/store/test/restore-points/p1/manifest.xml' has a document type declaration; manifests must not have one
virt-state: restore-point verify: manifest '@TMP@/store/test/restore-points/p1/manifest.xml' has a document type declaration; manifests must not have one
--- exit 0
