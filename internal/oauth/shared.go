package oauth

import (
	"errors"
	"sync"
)

var errFetchPanicked = errors.New("the shared request failed unexpectedly")

// shared runs one fetch per key at a time and keeps its result while fresh:
// concurrent callers with the same key wait for the fetch in flight, later
// callers reuse its result. Failures are handed to the callers that waited
// and never kept. Different keys never wait for each other.
type shared[T any] struct {
	mu    sync.Mutex
	done  map[string]T
	calls map[string]*sharedCall[T]
}

type sharedCall[T any] struct {
	wg  sync.WaitGroup
	val T
	err error
}

// get returns the kept value for key if fresh(value), else the result of
// fetch, run once however many callers ask at the same time. hit reports
// whether no fetch was run for this caller.
func (s *shared[T]) get(key string, fresh func(T) bool, fetch func() (T, error)) (val T, hit bool, err error) {
	s.mu.Lock()
	if v, ok := s.done[key]; ok && fresh(v) {
		s.mu.Unlock()
		return v, true, nil
	}
	if c, ok := s.calls[key]; ok {
		s.mu.Unlock()
		c.wg.Wait()
		return c.val, true, c.err
	}
	if s.calls == nil {
		s.calls, s.done = map[string]*sharedCall[T]{}, map[string]T{}
	}
	c := &sharedCall[T]{}
	c.wg.Add(1)
	s.calls[key] = c
	s.mu.Unlock()

	c.err = errFetchPanicked // replaced unless fetch panics
	defer func() {
		s.mu.Lock()
		delete(s.calls, key)
		if c.err == nil {
			s.done[key] = c.val
		}
		s.mu.Unlock()
		c.wg.Done() // never leave waiters behind, even on a panic
	}()
	c.val, c.err = fetch()
	return c.val, false, c.err
}
