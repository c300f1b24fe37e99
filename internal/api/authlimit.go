package api

import (
	"container/list"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// failureLimit limits failed credentials per client address, as a token
// bucket kept as one time per address (GCRA): an address may fail burst
// times at once, then once more every window/burst, and is forgiven fully
// after window without failures. Entries expire lazily when they are
// looked at or reach the front of the list; at most max addresses are
// kept, the one that failed longest ago forgotten first. It starts no
// goroutine. A nil *failureLimit limits nothing.
type failureLimit struct {
	burst    int
	window   time.Duration
	interval time.Duration // window / burst: one failure's cost
	max      int
	now      func() time.Time

	mu      sync.Mutex
	entries map[netip.Prefix]*list.Element // of *failures
	order   *list.List                     // least recently failed first
}

// failures is one address's state.
type failures struct {
	addr netip.Prefix
	// tat is when the address's failures are all forgiven; it is limited
	// while tat is more than window-interval ahead of now.
	tat    time.Time
	warned time.Time // when a warning about it was last logged
}

func newFailureLimit(burst int, window time.Duration, max int, now func() time.Time) *failureLimit {
	if burst <= 0 || window <= 0 {
		return nil
	}
	if max <= 0 {
		max = 10000
	}
	return &failureLimit{burst: burst, window: window, interval: window / time.Duration(burst), max: max, now: now,
		entries: map[netip.Prefix]*list.Element{}, order: list.New()}
}

// wait returns how long addr must wait before its credentials are checked
// again (0: now).
func (l *failureLimit) wait(addr netip.Prefix) time.Duration {
	if l == nil {
		return 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	el, ok := l.entries[addr]
	if !ok {
		return 0
	}
	f := el.Value.(*failures)
	if !f.tat.After(now) {
		l.remove(el)
		return 0
	}
	return l.waitOf(f, now)
}

func (l *failureLimit) waitOf(f *failures, now time.Time) time.Duration {
	return max(0, f.tat.Sub(now)-(l.window-l.interval))
}

// fail records a failed credential from addr. It reports how long addr must
// now wait (0: it may try again at once) and whether to log a warning
// about it (the first time it is limited within a window).
func (l *failureLimit) fail(addr netip.Prefix) (time.Duration, bool) {
	if l == nil {
		return 0, false
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for front := l.order.Front(); front != nil && !front.Value.(*failures).tat.After(now); front = l.order.Front() {
		l.remove(front)
	}
	el, ok := l.entries[addr]
	if !ok {
		if l.order.Len() >= l.max {
			l.remove(l.order.Front())
		}
		el = l.order.PushBack(&failures{addr: addr, tat: now})
		l.entries[addr] = el
	}
	l.order.MoveToBack(el)
	f := el.Value.(*failures)
	f.tat = later(f.tat, now).Add(l.interval)
	d := l.waitOf(f, now)
	warn := d > 0 && now.Sub(f.warned) >= l.window
	if warn {
		f.warned = now
	}
	return d, warn
}

// tracked is how many addresses are kept (for tests).
func (l *failureLimit) tracked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.order.Len()
}

func (l *failureLimit) remove(el *list.Element) {
	delete(l.entries, el.Value.(*failures).addr)
	l.order.Remove(el)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// clientAddr is the address failures are counted by: the connection's
// source, or — when the connection comes from auth.proxy.trusted_cidrs —
// the nearest address in X-Forwarded-For that is not a trusted proxy. IPv4
// addresses count alone, IPv6 addresses by their /64 (what one host or
// customer is usually given).
func (a *API) clientAddr(r *http.Request) netip.Prefix {
	ip, ok := remoteIP(r)
	if !ok {
		return netip.Prefix{}
	}
	if a.trusted(ip) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop, ok := parseHop(strings.TrimSpace(hops[i]))
			if !ok {
				break
			}
			ip = hop.Unmap()
			if !a.trusted(ip) {
				break
			}
		}
	}
	bits := 32
	if ip.Is6() {
		bits = 64
	}
	p, _ := ip.Prefix(bits)
	return p
}

// parseHop reads one X-Forwarded-For entry: an address, with or without a
// port (some proxies add it), IPv6 possibly in brackets.
func parseHop(s string) (netip.Addr, bool) {
	if ip, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return ip, true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr(), true
	}
	return netip.Addr{}, false
}

func remoteIP(r *http.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return ip.Unmap(), true
}

func (a *API) trusted(ip netip.Addr) bool {
	for _, p := range a.auth.ProxyTrusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// failedCredential records a refused credential from the request's
// address and logs, once per window, that the address is now limited.
func (a *API) failedCredential(r *http.Request, addr netip.Prefix, via string) {
	d, warn := a.failLimit.fail(addr)
	if warn {
		loggerFrom(r.Context()).WarnContext(r.Context(), "too many failed credentials from one address: refusing its attempts for a while",
			"client", addr.String(), "via", via, "failures", a.failLimit.burst, "window", a.failLimit.window.String(), "retry_after", retryAfter(d)+"s")
	}
}

// limitedMessage says why an address is refused and when it may retry.
func limitedMessage(d time.Duration) string {
	return "too many invalid credentials from this address: try again in " + retryAfter(d) +
		" seconds (auth.login_limit); requests with a valid key are still served"
}
