# save and restore refuse a connection to another host before connecting: FILE would be there, not here
$ virt-state -c qemu+ssh://elsewhere.example/system save web1 $TMP/x.img; echo "exit $?"; virt-state -c test+tcp://elsewhere.example/default restore $TMP/x.img; echo "exit $?"
--- stdout
exit 1
exit 1
--- stderr
virt-state: save: the connection 'qemu+ssh://elsewhere.example/system' is to another host, where this command's files would be; run virt-state on that host
virt-state: restore: the connection 'test+tcp://elsewhere.example/default' is to another host, where this command's files would be; run virt-state on that host
--- exit 0
