#!/bin/bash
# holds a testbed guest (vst-research-<label>-...) until /tmp/research-rp/stop-$1 exists
export VIRT_STATE_TESTBED_WORK=/tmp/research-rp/work
. /work/main/tests/testbed/lib.sh
tb_require
tb_define_guest "$1" --disks 2
dom=$TB_DOMAIN
echo "$dom" > /tmp/research-rp/dom-$1
echo "$TB_RUN/$dom" > /tmp/research-rp/dir-$1
tb_wait_agent "$dom" && echo ready > /tmp/research-rp/ready-$1
while [[ ! -e /tmp/research-rp/stop-$1 ]]; do sleep 2; done
