package testredis

import "syscall"

// childAttr has the kernel kill a node when the test binary dies (a
// timeout, an interrupt), so that no redis-server outlives its test.
func childAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
