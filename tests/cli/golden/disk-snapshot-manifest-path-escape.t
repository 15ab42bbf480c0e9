# a manifest naming a relative or dotted path is refused
$ mkdir -p $TMP/store/test/disk-snapshots/y; printf "<disk-snapshot version=\"1\"><name>y</name><domain>test</domain><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid><created>1</created><consistency>quiesced</consistency><domain-state>running</domain-state><disks><disk target=\"vda\"><overlay>/a/../../etc/passwd</overlay><backing format=\"raw\">/b</backing><virtual-size>1</virtual-size><backing-size>1</backing-size></disk></disks></disk-snapshot>" > $TMP/store/test/disk-snapshots/y/manifest.xml; virt-state -c test:///default disk-snapshot show test y; echo "exit $?"
--- stdout
exit 1
--- stderr
virt-state: disk-snapshot show: manifest '@TMP@/store/test/disk-snapshots/y/manifest.xml' is invalid: disk vda: paths must be absolute, without '.' or '..' components or a trailing '/'
--- exit 0
