package tokencache

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// Riding out a failover. Behind Sentinel and in a cluster, the primary
// holding an entry can die and a replica take its place: for a few seconds
// calls are refused, cut, or answered READONLY, CLUSTERDOWN, TRYAGAIN,
// LOADING or MASTERDOWN, and then the new primary answers. Giving up at the
// first such error would send every run of a fleet to the token server at
// once, which is what the cache is for preventing. So in those two
// topologies a run waits a failover out, looking again every failoverPoll,
// but never past the time it would have waited for another run's token
// anyway: Lock's deadline (lock_wait), which Save then shares, so that a run
// takes at most lock_wait plus its token request plus one call's timeout.
// A single server (or a primary endpoint) keeps the first failure's rule:
// it is a miss for the rest of the run, at once.

// A primary copies writes to its replicas after answering them: an entry
// stored just before the primary dies may not be on the replica that takes
// its place. So behind Sentinel and in a cluster, a run that stores an
// entry waits, on the same connection and at most replicaWait, until a
// replica confirms it (WAIT 1), when the primary has one (ROLE). An entry
// no replica confirmed is noted; if the run then meets a failover, its
// warning says that the entry may be lost. Neither command is a reason to
// fail: a server that refuses them (an ACL, a managed service) is simply
// not asked again in this run.
const replicaWait = 250 * time.Millisecond

func (r *Redis) awaitReplica(ctx context.Context, tx *redis.Tx) {
	if r.topology == topologySingle || r.noWait.Load() {
		return
	}
	role, err := tx.Do(ctx, "ROLE").Slice()
	if err != nil {
		r.noWait.Store(true)
		return
	}
	if len(role) < 3 || role[0] != "master" {
		return
	}
	if replicas, _ := role[2].([]any); len(replicas) == 0 {
		return
	}
	n, err := tx.Do(ctx, "WAIT", 1, replicaWait.Milliseconds()).Int64()
	switch {
	case err != nil:
		r.noWait.Store(true)
	case n == 0:
		r.unconfirmed.Store(true)
	}
}

// failoverPoll is how often a run waiting out a failover tries again.
const failoverPoll = 100 * time.Millisecond

// failoverCodes are Redis' answers while a primary is being replaced.
var failoverCodes = []string{"READONLY", "CLUSTERDOWN", "TRYAGAIN", "LOADING", "MASTERDOWN"}

// inFailover reports whether err is what a call meets while a primary is
// being replaced: a connection refused, cut or timed out, or one of the
// answers above. Authentication, TLS and the node guard's refusals are not.
func (r *Redis) inFailover(err error) bool {
	if r.topology == topologySingle || err == nil || r.refused.Load() != nil || r.authFailed.Load() {
		return false
	}
	if redis.IsAuthError(err) || strings.HasPrefix(err.Error(), noSentinelPrefix) {
		return false // the sentinels do not fail over: all of them failing is an outage
	}
	var redisErr redis.Error
	if errors.As(err, &redisErr) {
		code, _, _ := strings.Cut(err.Error(), " ")
		for _, c := range failoverCodes {
			if code == c {
				return true
			}
		}
		return false
	}
	var netErr net.Error
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout() ||
		strings.HasPrefix(err.Error(), "redis: client is closed") || strings.Contains(err.Error(), "connection pool timeout")
}

// retry runs call, and again after each failover error while the next try
// would start before deadline; it returns the last error.
func (r *Redis) retry(deadline time.Time, call func(ctx context.Context) error) error {
	for {
		ctx, cancel := r.call()
		err := call(ctx)
		cancel()
		if !r.inFailover(err) || time.Now().Add(failoverPoll).After(deadline) {
			return err
		}
		r.sawFailover()
		time.Sleep(failoverPoll)
	}
}

// sawFailover counts a call that met a failover and, in a cluster, has
// the client read the slot map again: the dead primary's slots have moved
// to its replica, and nothing else would tell the client before its next
// periodic reload (a dead node sends no MOVED).
func (r *Redis) sawFailover() {
	r.failovers.Add(1)
	if c, ok := r.client.(*redis.ClusterClient); ok {
		c.ReloadState(context.Background()) // in the background, at most one at a time
	}
}

// budget is until when a call for the entry name may wait out a failover:
// the deadline of this run's Lock for it, or now (one try).
func (r *Redis) budget(name string) time.Time {
	if v, ok := r.budgets.Load(name); ok {
		return v.(time.Time) //nolint:forcetypeassert // only times are stored
	}
	return time.Now()
}

// Failovers is how many calls met a failover and were tried again, for
// tests and benchmarks.
func (r *Redis) Failovers() int64 { return r.failovers.Load() }
