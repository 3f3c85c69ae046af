package testhelp

import "time"

// Sample calls f every interval, from a goroutine of its own, until the
// stop it returns is called. stop returns once f has returned for the last
// time, so that what f wrote may then be read without a lock.
func Sample(interval time.Duration, f func()) (stop func()) {
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-done:
				return
			case <-time.After(interval):
			}
			f()
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
