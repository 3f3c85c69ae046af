package oauth

import (
	"context"
	"sync"
)

// shared runs one fetch per key at a time and keeps its result while fresh:
// concurrent callers with the same key wait for the fetch in flight, later
// callers reuse its result. Failures are handed to the callers that waited
// and never kept. Different keys never wait for each other.
//
// The fetch runs detached from any one caller, bounded by its own retry
// budget, since it serves them all; a caller whose context ends stops
// waiting at once, so that cancelling Terraform is never held up.
type shared[T any] struct {
	mu    sync.Mutex
	done  map[string]T
	calls map[string]*sharedCall[T]
}

type sharedCall[T any] struct {
	finished chan struct{}
	val      T
	err      error
}

// get returns the kept value for key if fresh(value), else the result of
// fetch, run once however many callers ask at the same time. hit reports
// whether the value came from a fetch another caller started or finished.
func (s *shared[T]) get(ctx context.Context, key string, fresh func(T) bool, fetch func() (T, error)) (val T, hit bool, err error) {
	s.mu.Lock()
	if v, ok := s.done[key]; ok && fresh(v) {
		s.mu.Unlock()
		return v, true, nil
	}
	c, inFlight := s.calls[key]
	if !inFlight {
		if s.calls == nil {
			s.calls, s.done = map[string]*sharedCall[T]{}, map[string]T{}
		}
		c = &sharedCall[T]{finished: make(chan struct{})}
		s.calls[key] = c
		go s.run(key, c, fetch)
	}
	s.mu.Unlock()

	select {
	case <-c.finished:
		return c.val, inFlight, c.err
	case <-ctx.Done():
		var zero T
		return zero, false, ctx.Err()
	}
}

func (s *shared[T]) run(key string, c *sharedCall[T], fetch func() (T, error)) {
	defer close(c.finished)
	c.val, c.err = fetch()
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.calls, key)
	if c.err == nil {
		s.done[key] = c.val
	}
}

// drop forgets key's value when keep says so: a token the API refused.
func (s *shared[T]) drop(key string, match func(T) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.done[key]; ok && match(v) {
		delete(s.done, key)
	}
}
