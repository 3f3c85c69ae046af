//go:build !unix

package tokencache

import (
	"errors"
	"os"
)

// checkOwner: on Windows the directory's ACL, not a numeric owner, decides
// who may read it; the profile directories the cache belongs in are private.
func checkOwner(string, os.FileInfo) error { return nil }

// checkAncestors: on Windows, ACLs decide who may change a path.
func checkAncestors(string) error { return nil }

// openEntry refuses a symbolic link, then opens the entry.
func openEntry(path string) (*os.File, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	return os.Open(path)
}
