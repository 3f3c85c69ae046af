package testhelp

import (
	"sync"
	"testing"
)

// AtOnce calls f(0) to f(n-1) at once, each in a goroutine of its own, and
// returns their results in order. An error fails the test, and leaves that
// result zero.
func AtOnce[V any](t testing.TB, n int, f func(i int) (V, error)) []V {
	t.Helper()
	got := make([]V, n)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := f(i)
			if err != nil {
				t.Error(err)
				return
			}
			got[i] = v
		}()
	}
	wg.Wait()
	return got
}
