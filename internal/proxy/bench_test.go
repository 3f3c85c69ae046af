package proxy

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/testhelp"
)

// BenchmarkProxyOverhead is what the proxy adds to a small GET on
// loopback: p50 and p99 of 2,000 sequential requests and of 64 concurrent
// clients, direct and through the proxy, and requests per second.
func BenchmarkProxyOverhead(b *testing.B) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }))
	b.Cleanup(up.Close)
	u, _ := url.Parse(up.URL)
	src := &longTokens{} // long enough that the proxy scrubs the answers
	p := startWith(b, Options{Upstream: u, Transport: &http.Transport{MaxIdleConnsPerHost: 128}, Fetch: src.fetch, Usable: src.usable})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}}
	get := func(target string) time.Duration {
		start := time.Now()
		resp, err := client.Get(target)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return time.Since(start)
	}
	for _, conc := range []int{1, 64} {
		b.Run(fmt.Sprintf("clients=%d", conc), func(b *testing.B) {
			for b.Loop() {
				start := time.Now()
				direct := latencies(2000, conc, func() time.Duration { return get(up.URL + "/x") })
				mid := time.Now()
				proxied := latencies(2000, conc, func() time.Duration { return get(p.URL + "/x") })
				b.ReportMetric(float64(pct(proxied, 50)-pct(direct, 50))/1e6, "p50-overhead-ms")
				b.ReportMetric(float64(pct(proxied, 99)-pct(direct, 99))/1e6, "p99-overhead-ms")
				b.ReportMetric(2000/mid.Sub(start).Seconds(), "direct-req/s")
				b.ReportMetric(2000/time.Since(mid).Seconds(), "proxied-req/s")
			}
		})
	}
}

// BenchmarkProxyMemory is the heap the process grows by while 100 MiB
// flows through the proxy (50 MiB each way).
func BenchmarkProxyMemory(b *testing.B) {
	const size = 50 << 20
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.Copy(w, io.LimitReader(zeros{}, size))
	}))
	b.Cleanup(up.Close)
	u, _ := url.Parse(up.URL)
	src := &longTokens{} // long enough that the proxy scrubs the answers
	p := startWith(b, Options{Upstream: u, Transport: &http.Transport{}, Fetch: src.fetch, Usable: src.usable})
	for b.Loop() {
		var before, peak runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		var top uint64
		stop := testhelp.Sample(5*time.Millisecond, func() {
			runtime.ReadMemStats(&peak)
			top = max(top, peak.HeapInuse)
		})
		req, _ := http.NewRequest(http.MethodPut, p.URL+"/blob", io.LimitReader(zeros{}, size))
		req.ContentLength = size
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		stop()
		b.ReportMetric(float64(top-min(top, before.HeapInuse))/(1<<20), "heap-growth-MiB")
	}
}

func latencies(n, conc int, do func() time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	var wg sync.WaitGroup
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = do()
			}
		}()
	}
	wg.Wait()
	slices.Sort(out)
	return out
}

func pct(d []time.Duration, p int) time.Duration { return d[len(d)*p/100] }
