package forecast

import (
	"math"
	"time"
)

// Exhaustion is when a fitted trend reaches a limit.
type Exhaustion struct {
	// At is when the trend plus its peak excess (the series' upper edge)
	// reaches the limit; Earliest with the steeper slope of the band;
	// Latest with the shallower slope and the trend line itself (zero when
	// the shallower slope does not lead to the limit at all).
	At, Earliest, Latest time.Time
	// Reached is true when the series is at or beyond the limit already.
	Reached bool
}

// maxAhead bounds predictions: beyond ten years there is nothing to say.
const maxAhead = 10 * 365 * 24 * time.Hour

// Reach computes when f reaches limit, rising to it (up) or falling to it.
// It reports false when the trend does not head to the limit at all.
func (f Fit) Reach(limit float64, up bool) (Exhaustion, bool) {
	level, slope, lo, hi, peak := f.Level, f.Slope, f.SlopeLow, f.SlopeHigh, f.Peak
	if !up {
		// Mirror a fall to a floor as a rise to a ceiling.
		level, limit, slope, lo, hi = -level, -limit, -slope, -hi, -lo
		peak = f.Trough
	}
	edge := level + math.Max(peak, 0)
	if edge >= limit {
		return Exhaustion{At: f.At, Earliest: f.At, Reached: level >= limit}, true
	}
	if slope <= 0 {
		return Exhaustion{}, false
	}
	ahead := func(gap, s float64) time.Time {
		if s <= 0 {
			return time.Time{}
		}
		d := time.Duration(gap / s * float64(time.Second))
		if gap/s > maxAhead.Seconds() || d < 0 {
			d = maxAhead
		}
		return f.At.Add(d)
	}
	e := Exhaustion{At: ahead(limit-edge, slope), Earliest: ahead(limit-edge, math.Max(hi, slope))}
	if lo > 0 {
		e.Latest = ahead(limit-level, lo)
	}
	return e, true
}
