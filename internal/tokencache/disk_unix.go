//go:build unix

package tokencache

import (
	"fmt"
	"os"
	"path/filepath"
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

// checkAncestors refuses a cache directory that someone else could swap:
// every directory on the real path to it, and every directory holding a
// symbolic link on the way there, must be owned by root or the user and be
// writable by no one else (unless sticky, as /tmp is, where others cannot
// rename what is not theirs); and each such link must be owned by root or
// the user.
func checkAncestors(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for p := abs; ; p = filepath.Dir(p) {
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			if err := trusted(p, fi, "the symbolic link"); err != nil {
				return err
			}
			parent, err := filepath.EvalSymlinks(filepath.Dir(p))
			if err != nil {
				return err
			}
			if err := trustedDir(parent, fmt.Sprintf("the directory holding the symbolic link %s", p)); err != nil {
				return err
			}
		}
		if p == filepath.Dir(p) {
			break
		}
	}
	resolved, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return err
	}
	for p := filepath.Dir(resolved); ; p = filepath.Dir(p) {
		if err := trustedDir(p, "the directory "+p); err != nil {
			return err
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

func trustedDir(p, what string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if err := trusted(p, fi, what); err != nil {
		return err
	}
	if fi.Mode().Perm()&0o022 != 0 && fi.Mode()&os.ModeSticky == 0 {
		return fmt.Errorf("%s, on the way to the cache directory, may be written by other users (mode %04o), who could replace the cache directory; use a directory under one that only you can write", what, fi.Mode().Perm())
	}
	return nil
}

func trusted(p string, fi os.FileInfo, what string) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("the owner of %s cannot be read", p)
	}
	if euid := os.Geteuid(); st.Uid != 0 && int(st.Uid) != euid {
		return fmt.Errorf("%s, on the way to the cache directory, is owned by user %d, neither root nor the user running Terraform (%d), who could replace the cache directory", what, st.Uid, euid)
	}
	return nil
}
