//go:build !unix

package testredis

import "os"

// kill ends p at once.
func kill(p *os.Process) { _ = p.Kill() }

// pause and resume need signals: without them a node is not paused, and
// a test relying on it fails on what it checks.
func pause(*os.Process) {}

func resume(*os.Process) {}
