# version names library, daemon and hypervisor
$ virt-state -c test:///default version
--- stdout
virt-state 0.1.0
libvirt library: 9.0.0
libvirt daemon: 9.0.0
hypervisor: TEST 0.0.2
--- stderr
--- exit 0
