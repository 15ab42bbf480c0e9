# a --xml file with a DTD is refused before libvirt is asked
$ printf '<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><domain>&e;</domain>' > $TMP/d.xml; virt-state -c test:///nonexistent save test $TMP/x.img --xml $TMP/d.xml
--- stdout
--- stderr
virt-state: save: '@TMP@/d.xml' has a document type declaration; domain XML must not have one
--- exit 1
