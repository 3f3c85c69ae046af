//go:build !unix

package testredis

import "os"

// pause and resume need signals: without them a node is not paused, and
// a test relying on it fails on what it checks.
func pause(*os.Process) {}

func resume(*os.Process) {}
