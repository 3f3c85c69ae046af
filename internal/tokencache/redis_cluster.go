package tokencache

import (
	"context"
	"crypto/tls"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// Where a cluster or Sentinel client may connect. A cluster tells its
// clients where its keys live, in a MOVED or ASK answer and in its slot map
// (CLUSTER SLOTS), and a sentinel tells them where the primary is (SENTINEL
// GET-MASTER-ADDR-BY-NAME, and again after each failover); go-redis
// connects to whatever address it is told, sending the password there
// (HELLO ... AUTH, then AUTH). A node or sentinel that lies, or anyone who
// can answer in its place, could so collect the password at an address of
// its choice. The client connects only to the hosts named in the URL (the
// URL's own and every ?addr=, on any port) and to addresses in
// ClusterNetworks; any other address is refused before connecting, and the
// warning names it. Plain redis:// without AllowPlaintext is refused to any
// address that is not loopback, wherever it came from.

// clusterGuard is the dial hook of every node client of a cluster, and of
// the primary's client behind Sentinel.
type clusterGuard struct {
	r         *Redis
	hosts     map[string]bool // names, lower-cased, and IP addresses, as netip prints them
	networks  []netip.Prefix
	plainOnly bool // redis:// without AllowPlaintext: loopback only
}

func newNodeGuard(r *Redis, u *url.URL, o RedisOptions) *clusterGuard {
	g := &clusterGuard{r: r, hosts: map[string]bool{}, networks: o.ClusterNetworks, plainOnly: u.Scheme == "redis" && !o.AllowPlaintext}
	for _, h := range nodeHosts(u) {
		g.hosts[canonicalHost(h)] = true
	}
	return g
}

func canonicalHost(h string) string {
	if ip, err := netip.ParseAddr(h); err == nil {
		return ip.Unmap().WithZone("").String()
	}
	return strings.ToLower(strings.TrimSuffix(h, "."))
}

func (g *clusterGuard) inNetworks(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, n := range g.networks {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

func (g *clusterGuard) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, g.refuse(addr)
		}
		if g.hosts[canonicalHost(host)] {
			return next(ctx, network, addr)
		}
		if g.plainOnly && !oauth.IsLoopback(host) {
			return nil, g.refuse(addr)
		}
		if len(g.networks) > 0 {
			// Not a host of the URL: an address in the allowed networks,
			// dialled as the address checked (a name is resolved once here).
			var ips []netip.Addr
			if ip, err := netip.ParseAddr(host); err == nil {
				ips = []netip.Addr{ip}
			} else if ips, err = net.DefaultResolver.LookupNetIP(ctx, "ip", host); err != nil {
				return nil, err
			}
			for _, ip := range ips {
				if g.inNetworks(ip) && (!g.plainOnly || ip.IsLoopback()) {
					return next(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
				}
			}
		}
		return nil, g.refuse(addr)
	}
}

// dialer is the guard as a whole dialer, TLS included (a dialer given to
// go-redis replaces its TLS handshake too).
func (g *clusterGuard) dialer(tc *tls.Config, timeout time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return g.DialHook(func(ctx context.Context, network, addr string) (net.Conn, error) {
		d := &net.Dialer{Timeout: timeout, KeepAlive: 5 * time.Minute}
		if tc == nil {
			return d.DialContext(ctx, network, addr)
		}
		return (&tls.Dialer{NetDialer: d, Config: tc}).DialContext(ctx, network, addr)
	})
}

func (g *clusterGuard) refuse(addr string) error {
	err := &errAddressRefused{addr: addr}
	g.r.refused.CompareAndSwap(nil, err)
	return err
}

func (*clusterGuard) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }

func (*clusterGuard) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
