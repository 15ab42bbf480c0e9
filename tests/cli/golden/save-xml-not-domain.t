# a --xml file that is not a domain
$ echo '<network/>' > $TMP/n.xml; virt-state -c test:///nonexistent save test $TMP/x.img --xml $TMP/n.xml
--- stdout
--- stderr
virt-state: save: '@TMP@/n.xml' is not a domain definition (its root element is not <domain>)
--- exit 1
