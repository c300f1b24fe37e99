package api

import (
	"net/netip"
	"testing"
	"time"
)

func TestFailureLimitBounded(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	l := newFailureLimit(2, time.Minute, 3, func() time.Time { return now })
	addr := func(i int) netip.Prefix { return netip.PrefixFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}), 32) }
	for i := range 5 {
		l.fail(addr(i))
		l.fail(addr(i))
		now = now.Add(time.Second)
	}
	if n := l.tracked(); n != 3 {
		t.Fatalf("tracked %d addresses, want at most 3", n)
	}
	if l.wait(addr(0)) != 0 || l.wait(addr(1)) != 0 {
		t.Error("the addresses that failed longest ago should have been forgotten")
	}
	if l.wait(addr(4)) == 0 {
		t.Error("the newest address should still be limited")
	}
	// Lazily expired: after the window, one new failure clears the rest.
	now = now.Add(time.Minute)
	l.fail(addr(9))
	if n := l.tracked(); n != 1 {
		t.Errorf("tracked %d addresses after the window, want 1", n)
	}
	if newFailureLimit(0, time.Minute, 3, time.Now) != nil {
		t.Error("0 failures should be no limit")
	}
	var off *failureLimit
	if d, warn := off.fail(addr(1)); d != 0 || warn || off.wait(addr(1)) != 0 {
		t.Error("a nil limit limits nothing")
	}
}
