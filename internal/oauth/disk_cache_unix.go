//go:build unix

package oauth

import (
	"fmt"
	"os"
	"syscall"
)

// checkOwner refuses a cache directory the effective user does not own: a
// directory another user made in advance (as root runs in CI containers
// meet) would let that user read or plant entries.
func checkOwner(dir string, fi os.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("the owner of the cache directory %s cannot be read", dir)
	}
	if euid := os.Geteuid(); int(st.Uid) != euid {
		return fmt.Errorf("the cache directory %s is owned by user %d, not by the user running Terraform (%d); use a directory of your own", dir, st.Uid, euid)
	}
	return nil
}

// openEntry opens a cache entry without following a symbolic link and
// without blocking on a FIFO.
func openEntry(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
}
