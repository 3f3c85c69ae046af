package tokencache

import (
	"sync"
	"time"
)

// Rollback protection. Whoever can write to a store (a Redis writer, above
// all) cannot forge an entry, but can put back an older one it copied: an
// earlier token for the same client, which a server that revokes a client's
// earlier tokens on issue (Epicollect5) has revoked, or one the API already
// refused. Every entry seals the time its token was issued (issued_at,
// authenticated with the rest), and a store remembers, per entry, the newest
// issue time it has stored or accepted in this process: an entry issued
// before that is a miss. An entry forgotten because the API refused its
// token raises the floor past that token's issue time, so the same sealed
// bytes written back are a miss too.
//
// The memory is the process's: a provider process that has not yet seen an
// entry accepts the one it finds, whatever its age (within its keep time).

// floors keeps, per entry name, the newest issue time seen.
type floors struct {
	mu sync.Mutex
	m  map[string]floor
}

type floor struct {
	at time.Time
	// exclusive is set when the token issued at at was forgotten: an entry
	// must then be issued after at, not at it.
	exclusive bool
}

// accept reports whether an entry issued at issued may be used for name,
// and raises the floor to it.
func (f *floors) accept(name string, issued time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	cur, ok := f.m[name]
	if ok && (issued.Before(cur.at) || cur.exclusive && issued.Equal(cur.at)) {
		return false
	}
	f.set(name, floor{at: issued})
	return true
}

// saw raises name's floor to issued, as a store does for what it saves.
func (f *floors) saw(name string, issued time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if cur, ok := f.m[name]; !ok || issued.After(cur.at) {
		f.set(name, floor{at: issued})
	}
}

// forgot raises name's floor past issued.
func (f *floors) forgot(name string, issued time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if cur, ok := f.m[name]; !ok || !issued.Before(cur.at) {
		f.set(name, floor{at: issued, exclusive: true})
	}
}

func (f *floors) set(name string, fl floor) {
	if f.m == nil {
		f.m = map[string]floor{}
	}
	f.m[name] = fl
}
