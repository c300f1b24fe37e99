package detect

import (
	"math"
	"time"
)

var _ = register(DefaultName, func() Detector { return NewEnsemble(DefaultConfig()) })

// Config holds the Ensemble detector's parameters.
type Config struct {
	// FastRate and SlowRate are the EWMA rates of the two baselines.
	FastRate, SlowRate float64
	// Clip bounds, in deviations, how far one point may move a baseline.
	Clip float64
	// Warmup is the number of points observed before any score is non-zero.
	Warmup int
	// Refractory is the number of points after an alert during which
	// scores are damped.
	Refractory int
	// Damp multiplies scores during the refractory period.
	Damp float64
	// Mode selects the scoring variant (experiments).
	Mode int
	// K scales the surprise into a score.
	K float64
}

// DefaultConfig returns the parameters tend ships with.
func DefaultConfig() Config {
	return Config{FastRate: 1.0 / 16, SlowRate: 1.0 / 512, Clip: 4, Warmup: 150, Refractory: 200, Damp: 0, K: 6}
}

type ewm struct{ mean, dev float64 }

func (e *ewm) init(v float64) { e.mean, e.dev = v, 0 }

// update moves the baseline towards v at rate a, limiting the step to clip
// deviations (floored at eps) so one outlier cannot drag it far.
func (e *ewm) update(v, a, clip, eps float64) {
	d := v - e.mean
	lim := clip * math.Max(e.dev, eps)
	ad := math.Abs(d)
	e.dev += a * (math.Min(ad, lim) - e.dev)
	if d > lim {
		d = lim
	} else if d < -lim {
		d = -lim
	}
	e.mean += a * d
}

type ensembleState struct {
	N          int64
	Lo, Hi     float64
	Fast, Slow ewm
	SinceAlert int64
	MaxS       float64
}

// Ensemble is tend's default detector.
type Ensemble struct {
	cfg Config
	st  ensembleState
}

var _ Detector = (*Ensemble)(nil)

// NewEnsemble returns an Ensemble detector with cfg.
func NewEnsemble(cfg Config) *Ensemble {
	e := &Ensemble{cfg: cfg}
	e.st.SinceAlert = math.MaxInt32
	return e
}

// Observe implements Detector.
func (e *Ensemble) Observe(_ time.Time, v float64) Result {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return Result{}
	}
	s := &e.st
	c := &e.cfg
	s.N++
	if s.N == 1 {
		s.Lo, s.Hi = v, v
		s.Fast.init(v)
		s.Slow.init(v)
		return Result{}
	}
	rng := s.Hi - s.Lo
	eps := 1e-3*rng + 1e-9*math.Abs(v) + 1e-12
	zs := math.Abs(v-s.Slow.mean) / math.Max(s.Slow.dev, eps)
	zf := math.Abs(v-s.Fast.mean) / math.Max(s.Fast.dev, eps)
	var out float64
	z := math.Max(zs, zf)
	out = 1 - math.Exp(-z/c.K)
	s.Fast.update(v, c.FastRate, c.Clip, eps)
	s.Slow.update(v, c.SlowRate, c.Clip, eps)
	if v < s.Lo {
		s.Lo = v
	}
	if v > s.Hi {
		s.Hi = v
	}
	if s.N <= int64(c.Warmup) {
		return Result{}
	}
	s.SinceAlert++
	if s.SinceAlert <= int64(c.Refractory) {
		out *= c.Damp
	}
	if out >= DefaultThreshold {
		s.SinceAlert = 0
	}
	return Result{Score: out}
}

// MarshalBinary implements encoding.BinaryMarshaler: a snapshot of the
// learned state (not the configuration).
func (e *Ensemble) MarshalBinary() ([]byte, error) {
	return marshalState(DefaultName, 1, &e.st)
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (e *Ensemble) UnmarshalBinary(data []byte) error {
	var st ensembleState
	if err := unmarshalState(data, DefaultName, 1, &st); err != nil {
		return err
	}
	e.st = st
	return nil
}
