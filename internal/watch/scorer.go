package watch

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// Scorer is the per-series anomaly detector the watcher drives.
//
// The contract: one Scorer per series, fed every sample of that series in
// arrival order from a single goroutine (no locking needed); Observe
// returns a score in [0,1] (0 normal, ≥ the insight threshold anomalous)
// and, for anomalous scores, a short reason a person can read. A Scorer
// that also implements encoding.BinaryMarshaler and BinaryUnmarshaler has
// its state kept in the watcher's snapshots.
//
// tend's real detectors live in package detect; the app adapts them to
// this interface. ZScore below is the fallback used when no factory is
// configured, and by tests.
type Scorer interface {
	Observe(t time.Time, v float64) (score float64, reason string)
}

// NewScorer makes the Scorer for a new series.
type NewScorer func() Scorer

var _ Scorer = (*ZScore)(nil)

// ZScore is the fallback detector: a robust streaming z-score. It tracks an
// exponentially weighted mean and mean absolute deviation of the series
// (about the last 50 samples), clipping each update at 3σ so that an
// outlier barely moves the baseline, and scores a value by how many σ it
// lies from the mean: 4σ scores 0.5, 6σ and more score 1. The first 10
// samples score 0 while it warms up. 24 bytes of state, no allocation.
type ZScore struct {
	mean, dev float64
	n         uint32
}

// NewZScore returns a fresh ZScore.
func NewZScore() Scorer { return &ZScore{} }

const (
	zAlpha  = 0.02
	zWarmup = 10
	zClip   = 3.0
)

// Observe scores v and learns from it.
func (z *ZScore) Observe(_ time.Time, v float64) (float64, string) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, ""
	}
	if z.n == 0 {
		z.mean, z.n = v, 1
		return 0, ""
	}
	sigma := math.Max(z.dev*1.2533, math.Max(0.01*math.Abs(z.mean), 1e-9))
	diff := v - z.mean
	dist := math.Abs(diff) / sigma
	score := 0.0
	reason := ""
	if z.n >= zWarmup {
		score = math.Min(1, math.Max(0, (dist-2)/4))
		if score >= 0.5 {
			dir := "above"
			if diff < 0 {
				dir = "below"
			}
			reason = fmt.Sprintf("value %.4g is %.1fσ %s the recent mean %.4g", v, dist, dir, z.mean)
		}
	}
	// Learn, with the deviation clipped so one outlier barely shifts the baseline.
	if z.n >= zWarmup {
		diff = math.Max(-zClip*sigma, math.Min(zClip*sigma, diff))
	}
	a := zAlpha
	if z.n < 1/zAlpha {
		a = 1 / float64(z.n+1)
	}
	z.mean += a * diff
	z.dev += a * (math.Abs(diff) - z.dev)
	if z.n < math.MaxUint32 {
		z.n++
	}
	return score, reason
}

// MarshalBinary snapshots the state.
func (z *ZScore) MarshalBinary() ([]byte, error) {
	b := make([]byte, 20)
	binary.LittleEndian.PutUint64(b, math.Float64bits(z.mean))
	binary.LittleEndian.PutUint64(b[8:], math.Float64bits(z.dev))
	binary.LittleEndian.PutUint32(b[16:], z.n)
	return b, nil
}

// UnmarshalBinary restores a snapshot.
func (z *ZScore) UnmarshalBinary(b []byte) error {
	if len(b) != 20 {
		return errors.New("zscore snapshot: want 20 bytes")
	}
	z.mean = math.Float64frombits(binary.LittleEndian.Uint64(b))
	z.dev = math.Float64frombits(binary.LittleEndian.Uint64(b[8:]))
	z.n = binary.LittleEndian.Uint32(b[16:])
	return nil
}
