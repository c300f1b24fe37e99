package detect

import (
	"fmt"
	"math"
	"time"
)

var _ = register("zscore", func() Detector { return NewZScore(4, 1.0/512) })

// ZScore is a plain robust z-score detector, kept as a baseline to measure
// the default against: the distance of each point from an outlier-clipped
// EWMA baseline in mean absolute deviations, mapped so that z = Z scores 0.5.
// It has no calibration, no novelty and no refractory period.
type ZScore struct {
	z, rate float64
	st      zscoreState
}

type zscoreState struct {
	N      int64
	Lo, Hi float64
	Base   baseline
}

var _ Detector = (*ZScore)(nil)

// NewZScore returns a ZScore detector that scores 0.5 at z deviations from a
// baseline learned at EWMA rate rate.
func NewZScore(z, rate float64) *ZScore { return &ZScore{z: z, rate: rate} }

// Observe implements Detector.
func (d *ZScore) Observe(_ time.Time, v float64) Result {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return Result{}
	}
	s := &d.st
	s.N++
	if s.N == 1 {
		s.Base.init(v)
		s.Lo, s.Hi = v, v
		return Result{}
	}
	eps := 1e-3*(s.Hi-s.Lo) + 1e-9*math.Abs(v) + 1e-12
	s.Lo, s.Hi = math.Min(s.Lo, v), math.Max(s.Hi, v)
	z := (v - s.Base.Mean) / math.Max(s.Base.Dev, eps)
	s.Base.update(v, d.rate, 4, eps, s.N)
	if s.N < 32 {
		return Result{}
	}
	score := 1.0 // z is ±Inf or NaN only for extreme, overflowing inputs
	if az := math.Abs(z); az <= math.MaxFloat64 {
		score = az / (az + d.z)
	}
	if score < DefaultThreshold {
		return Result{Score: score}
	}
	reason := "value far above the baseline"
	if z < 0 {
		reason = "value far below the baseline"
	}
	return Result{Score: score, Reason: reason}
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (d *ZScore) MarshalBinary() ([]byte, error) { return marshalState("zscore", 1, &d.st) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (d *ZScore) UnmarshalBinary(data []byte) error {
	var st zscoreState
	if err := unmarshalState(data, "zscore", 1, &st); err != nil {
		return err
	}
	if b := st.Base; st.N < 0 || st.Lo > st.Hi || b.Dev < 0 || math.IsNaN(b.Mean+b.Dev) || math.IsInf(b.Mean+b.Dev, 0) {
		return fmt.Errorf("%w: inconsistent state", ErrSnapshot)
	}
	d.st = st
	return nil
}
