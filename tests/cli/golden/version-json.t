# version --json
$ virt-state -c test:///default version --json
--- stdout
{"virt-state":"0.1.0","libvirt_library":"9.0.0","libvirt_daemon":"9.0.0","hypervisor":"TEST","hypervisor_version":"0.0.2"}
--- stderr
--- exit 0
