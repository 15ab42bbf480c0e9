# help and completion work even with a broken configuration file
$ virt-state --config $TMP/none.conf help | head -n 1; virt-state --config $TMP/none.conf complete -- sa; echo "exit $?"
--- stdout
Usage: virt-state [GLOBAL OPTIONS] COMMAND [ARGUMENTS] [OPTIONS]
save
exit 0
--- stderr
--- exit 0
