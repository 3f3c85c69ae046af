//go:build unix

package testredis

import (
	"os"
	"syscall"
)

// kill ends p by its PID at once (SIGKILL), as a crash would.
func kill(p *os.Process) { _ = syscall.Kill(p.Pid, syscall.SIGKILL) }

// pause stops p (SIGSTOP); resume continues it (SIGCONT).
func pause(p *os.Process) { _ = syscall.Kill(p.Pid, syscall.SIGSTOP) }

func resume(p *os.Process) { _ = syscall.Kill(p.Pid, syscall.SIGCONT) }
