package tokencache_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testredis"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/tokencache"
)

// The failover tests: twenty machines with one credential set start
// together against an empty cache, and the primary holding the credential
// set's slot is killed by its PID, and a replica takes over: as soon as
// the first run holds the lock (its token request under way, the others
// waiting on the lock), or as soon as it has stored the token (the others
// about to read it, the entry perhaps not yet on a replica). Every run must end
// with a valid token within lock_wait plus its token request plus one
// Redis timeout; the token requests are counted (the bound the guide
// states); a run that could not store its token says so in its warning;
// and afterwards a new machine finds the entry, unless a run said it
// could not store it.

const (
	failoverRuns  = 20
	failoverFetch = 800 * time.Millisecond // the token server's answer time
	// failoverLockWait is the runs' lock_wait: the guide's promise holds
	// for a failover that completes within it, and on a loaded machine the
	// election alone has outlasted the default 5 s.
	failoverLockWait = 30 * time.Second
	// maxFailoverRequests is the bound the guide states.
	maxFailoverRequests = 2
)

// failoverMoments are when the primary is killed: as soon as a key
// matching the pattern appears.
var failoverMoments = []struct{ name, pattern string }{
	{"while the lock is held", "topo:*.lock"},
	{"as soon as the token is stored", "topo:*.token"},
}

// killWhen waits until keys finds a key matching pattern, then kills the
// primary primaryFor names for it.
func killWhen(t *testing.T, pattern string, keys func(context.Context, string) []string, primaryFor func(context.Context, string) (*testredis.Node, error)) {
	ctx := context.Background()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		ks := keys(ctx, pattern)
		if len(ks) == 0 {
			continue
		}
		primary, err := primaryFor(ctx, ks[0])
		if err != nil {
			t.Error(err)
			return
		}
		primary.Kill()
		t.Logf("killed the primary %s (PID %d) holding %s", primary.Addr, primary.PID(), ks[0])
		return
	}
	t.Errorf("no key matching %s appeared", pattern)
}

// wave runs n machines at once, calling during() once they have started;
// it returns the token requests they made, the slowest run's time and
// their warnings.
func wave(t *testing.T, n int, o tokencache.RedisOptions, ts *tokenServer, during func()) (requests int32, slowest time.Duration, failovers int64, warnings []string) {
	t.Helper()
	type run struct {
		c     *oauth.Client
		store *tokencache.Redis
	}
	runs := make([]run, n)
	for i := range runs {
		runs[i].c, runs[i].store = machine(t, o)
	}
	before := ts.n.Load()
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for i, r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := r.c.Token(context.Background(), fleetRequest(ts.url))
			took := time.Since(start)
			if err != nil {
				t.Errorf("run %d failed after %v: %v", i, took, err)
				return
			}
			mu.Lock()
			slowest = max(slowest, took)
			mu.Unlock()
		}()
	}
	during()
	wg.Wait()
	for _, r := range runs {
		failovers += r.store.Failovers()
		if w := r.store.Warning(); w != "" {
			warnings = append(warnings, w)
		}
	}
	return ts.n.Load() - before, slowest, failovers, warnings
}

// runFailover runs a first wave of twenty machines, killing the primary
// during it, and at once a second wave of twenty, which starts while the
// replica is being promoted (or just after).
func runFailover(t *testing.T, o tokencache.RedisOptions, kill func()) {
	t.Helper()
	o.LockWait = failoverLockWait
	ts := startTokenServer(t, failoverFetch, true)
	limit := failoverLockWait + failoverFetch + tokencache.DefaultRedisTimeout + 500*time.Millisecond
	var all []string
	total := int32(0)
	for i, during := range []func(){kill, func() {}} {
		requests, slowest, failovers, warnings := wave(t, failoverRuns, o, ts, during)
		total += requests
		all = append(all, warnings...)
		t.Logf("wave %d, %d runs: %d token requests, slowest run %v, %d calls waited out the failover, %d warnings",
			i+1, failoverRuns, requests, slowest.Round(10*time.Millisecond), failovers, len(warnings))
		for _, w := range warnings {
			t.Logf("warning: %s", w)
		}
		if slowest > limit {
			t.Errorf("wave %d: the slowest run took %v; want within lock_wait + the token request + one Redis timeout (%v)", i+1, slowest, limit)
		}
	}
	if total > maxFailoverRequests {
		t.Errorf("%d token requests through the failover; the guide promises at most %d", total, maxFailoverRequests)
	}
	// No entry lost silently: a machine starting now finds the token,
	// unless a run said it could not store it.
	notStored := false
	for _, w := range all {
		notStored = notStored || strings.Contains(w, "was not stored") || strings.Contains(w, "none is stored")
	}
	if requests, _, _, warnings := wave(t, 1, o, ts, func() {}); requests != 0 && !notStored {
		t.Errorf("after the failover the entry is gone, and no run said it could not store it (warnings now: %q)", warnings)
	}
}

func TestRedisSentinelFailover(t *testing.T) {
	for _, m := range failoverMoments {
		t.Run(m.name, func(t *testing.T) {
			s, o := newTopoPKI(t).sentinel(t)
			runFailover(t, o, func() {
				killWhen(t, m.pattern, s.Keys, func(ctx context.Context, _ string) (*testredis.Node, error) { return s.Primary(ctx) })
			})
		})
	}
}

func TestRedisClusterFailover(t *testing.T) {
	for _, m := range failoverMoments {
		t.Run(m.name, func(t *testing.T) {
			cl, o := newTopoPKI(t).cluster(t)
			runFailover(t, o, func() { killWhen(t, m.pattern, cl.Keys, cl.PrimaryFor) })
		})
	}
}

// An entry no replica confirmed, then a failover in the same run: the
// run's warning says the entry may be lost. The replicas hang while the
// entry is stored (so WAIT 1 times out), the primary is then killed and
// the replicas resume, and the run's next token meets the failover.
func TestRedisSentinelUnconfirmedEntryThenFailoverWarns(t *testing.T) {
	s, o := newTopoPKI(t).sentinel(t)
	ctx := context.Background()
	primary, err := s.Primary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var replicas []*testredis.Node
	for _, n := range s.Data {
		if n != primary {
			replicas = append(replicas, n)
		}
	}
	ts := startTokenServer(t, 0, false)
	c, store := machine(t, o)
	for _, r := range replicas {
		r.Pause()
	}
	fleetToken(t, c, ts)
	primary.Kill()
	for _, r := range replicas {
		r.Resume()
	}
	other := fleetRequest(ts.url)
	other.ClientSecret = oauth.Inline(redisSecret + "-after-the-failover")
	if _, err := c.Token(ctx, other); err != nil {
		t.Fatal(err)
	}
	if w := store.Warning(); !strings.Contains(w, "no replica had confirmed") || store.Failovers() == 0 {
		t.Errorf("warning %q after %d calls met the failover; want it to say the entry may be lost", w, store.Failovers())
	}
}
