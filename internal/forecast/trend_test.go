package forecast

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)

// feed adds a sample every step for d, value f(hours since t0).
func feed(tr *Trend, from time.Time, d, step time.Duration, f func(h float64) float64) time.Time {
	at := from
	for ; at.Sub(from) < d; at = at.Add(step) {
		tr.Add(at, f(at.Sub(t0).Hours()))
	}
	return at
}

func TestTrendRecoversSlopeThroughNoiseAndOutliers(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tr, err := New(12*time.Hour, 48)
	if err != nil {
		t.Fatal(err)
	}
	feed(tr, t0, 24*time.Hour, time.Minute, func(h float64) float64 {
		v := 20 + 2*h + rng.NormFloat64()*3
		if rng.IntN(50) == 0 {
			v += 25 // spikes: a least-squares fit would tilt, Sen's slope does not
		}
		return v
	})
	f, ok := tr.Fit(0, NewScratch())
	if !ok {
		t.Fatal("no fit")
	}
	perHour := f.Slope * 3600
	if math.Abs(perHour-2) > 0.1 {
		t.Errorf("slope = %.3f/h, want 2", perHour)
	}
	if !(f.SlopeLow*3600 < 2 && 2 < f.SlopeHigh*3600) {
		t.Errorf("band [%.3f, %.3f]/h does not hold the true slope 2", f.SlopeLow*3600, f.SlopeHigh*3600)
	}
	if want := 20 + 2*f.At.Sub(t0).Hours(); math.Abs(f.Level-want) > 1 {
		t.Errorf("level = %.2f at %s, want %.2f", f.Level, f.At, want)
	}
	if f.Span < 11*time.Hour || f.Points != 48 {
		t.Errorf("fitted %d buckets over %s, want 48 over about 12h", f.Points, f.Span)
	}
	e, ok := f.Reach(100, true)
	if !ok || e.Reached {
		t.Fatalf("Reach = %+v, %v", e, ok)
	}
	// The trend line reaches 100 at hour 40; the series' upper edge (noise,
	// spikes) earlier.
	line := t0.Add(40 * time.Hour)
	if !(e.Earliest.Before(e.At) || e.Earliest.Equal(e.At)) || e.At.After(line) || !e.Latest.After(line) {
		t.Errorf("exhaustion %s (earliest %s, latest %s), want at or before %s and latest after it", e.At, e.Earliest, e.Latest, line)
	}
}

func TestReachFallingToAFloorAndFlat(t *testing.T) {
	tr, _ := New(6*time.Hour, 24)
	feed(tr, t0, 8*time.Hour, time.Minute, func(h float64) float64 { return 500 - 10*h })
	f, ok := tr.Fit(0, NewScratch())
	if !ok {
		t.Fatal("no fit")
	}
	e, ok := f.Reach(0, false)
	if !ok {
		t.Fatal("a falling series does not reach its floor")
	}
	if got := e.At.Sub(t0).Hours(); math.Abs(got-50) > 0.5 {
		t.Errorf("reaches 0 at hour %.2f, want 50", got)
	}
	if _, ok := f.Reach(1000, true); ok {
		t.Error("a falling series reaches a ceiling")
	}
	flat, _ := New(6*time.Hour, 24)
	feed(flat, t0, 8*time.Hour, time.Minute, func(h float64) float64 { return 42 })
	ff, _ := flat.Fit(0, NewScratch())
	if _, ok := ff.Reach(100, true); ok {
		t.Error("a flat series reaches its limit")
	}
}

func TestFitRecentBuckets(t *testing.T) {
	tr, _ := New(24*time.Hour, 48)
	// Flat for 18 hours, then a leak of 5/h.
	feed(tr, t0, 24*time.Hour, time.Minute, func(h float64) float64 { return 30 + 5*math.Max(0, h-18) })
	s := NewScratch()
	all, _ := tr.Fit(0, s)
	recent, _ := tr.Fit(12, s)
	if !(all.Slope*3600 < 2.5) || math.Abs(recent.Slope*3600-5) > 0.2 {
		t.Errorf("whole-window slope %.2f/h (want well under 5), last quarter %.2f/h (want 5)", all.Slope*3600, recent.Slope*3600)
	}
}

func TestAddAndFitDoNotAllocate(t *testing.T) {
	tr, _ := New(time.Hour, 48)
	s := NewScratch()
	at := t0
	allocs := testing.AllocsPerRun(1000, func() {
		at = at.Add(10 * time.Second)
		if tr.Add(at, float64(at.Unix()%97)) {
			tr.Fit(0, s)
		}
	})
	if allocs != 0 {
		t.Errorf("Add+Fit allocate %.1f times per sample, want 0", allocs)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	if _, err := New(0, 10); err == nil {
		t.Error("New(0 window) succeeded")
	}
	if _, err := New(time.Hour, 100); err == nil {
		t.Error("New(100 buckets) succeeded")
	}
}

func BenchmarkAdd(b *testing.B) {
	tr, _ := New(24*time.Hour, 48)
	at := t0
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		at = at.Add(10 * time.Second)
		tr.Add(at, float64(i%100))
	}
}

func BenchmarkFit48(b *testing.B) {
	tr, _ := New(24*time.Hour, 48)
	feed(tr, t0, 25*time.Hour, time.Minute, func(h float64) float64 { return h + math.Sin(h) })
	s := NewScratch()
	b.ReportAllocs()
	for b.Loop() {
		tr.Fit(0, s)
	}
}
