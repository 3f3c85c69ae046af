//go:build unix

package testredis

import (
	"os"
	"syscall"
)

// pause stops p (SIGSTOP); resume continues it (SIGCONT).
func pause(p *os.Process) { _ = syscall.Kill(p.Pid, syscall.SIGSTOP) }

func resume(p *os.Process) { _ = syscall.Kill(p.Pid, syscall.SIGCONT) }
