package detect

import (
	"math"
	"time"
)

var _ = register(DefaultName, func() Detector { return NewEnsemble(DefaultConfig()) })

// Config holds the Ensemble detector's parameters.
type Config struct {
	FastRate, SlowRate float64
	Clip               float64
	Warmup             int
	Refractory         int
	Damp               float64
	K                  float64
	Decay              float64
	Bins               int
	Order              int
	Experts            uint // bitmask of enabled experts
	Combine            int
	SeasonRate         float64
	Gamma, Offset      float64
	RefFrac            float64
}

// DefaultConfig returns the parameters tend ships with.
func DefaultConfig() Config {
	return Config{FastRate: 1.0 / 8, SlowRate: 1.0 / 512, Clip: 4, Warmup: 150, Refractory: 200, Damp: 0, K: 5,
		Bins: 12, Order: 3, Experts: 5, Combine: 1, Decay: 0, SeasonRate: 0.1}
}

type ewm struct{ mean, dev float64 }

func (e *ewm) init(v float64) { e.mean, e.dev = v, 0 }

func (e *ewm) update(v, a, clip, eps float64, n int64) {
	if inv := 1 / float64(n); inv > a {
		a = inv
	}
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

const (
	novBits    = 1 << 14
	nExperts   = 5
	histBins   = 48
	seasonBins = 48
)

// calib turns an expert's surprise into a tail probability: the (decayed)
// fraction of past surprises at least as large.
type calib struct {
	Hist [histBins]float32
	N    float32
}

func (h *calib) bin(sur float64) int {
	b := int(math.Log1p(math.Max(sur, 0)) * 8)
	if b >= histBins {
		b = histBins - 1
	}
	return b
}

func (h *calib) tail(sur float64) float64 {
	b := h.bin(sur)
	t := float32(0)
	for i := b; i < histBins; i++ {
		t += h.Hist[i]
	}
	return (float64(t) + 1) / (float64(h.N) + 1)
}

func (h *calib) add(sur, decay float64) {
	d := float32(1 - decay)
	for i := range h.Hist {
		h.Hist[i] *= d
	}
	h.N = h.N*d + 1
	h.Hist[h.bin(sur)]++
}

type ensembleState struct {
	N          int64
	Lo, Hi     float64
	Fast, Slow ewm
	SinceAlert int64
	// pattern novelty
	QLo, QW float64
	QN      int64
	Hist    [4]int16
	Seen    [novBits / 64]uint64
	NovRate float64
	// daily profile
	SMean, SDev [seasonBins]float32
	SCount      [seasonBins]uint16
	Calib       [nExperts]calib
	Sur         [nExperts]float64
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

func (e *Ensemble) novelty(v float64) float64 {
	s, c := &e.st, &e.cfg
	rng := s.Hi - s.Lo
	if s.QW <= 0 || rng > 2*s.QW*float64(c.Bins) || (s.QN < int64(c.Warmup) && rng > s.QW*float64(c.Bins)) {
		if rng <= 0 {
			return 0
		}
		s.QW = rng / float64(c.Bins)
		s.QLo = s.Lo
		s.QN = 0
		s.Seen = [novBits / 64]uint64{}
	}
	s.QN++
	q := int16(math.Floor((v - s.QLo) / s.QW))
	if q < -100 {
		q = -100
	} else if q > 1000 {
		q = 1000
	}
	copy(s.Hist[1:], s.Hist[:3])
	s.Hist[0] = q
	h := uint32(2166136261)
	for i := 0; i < c.Order; i++ {
		h = (h ^ uint32(uint16(s.Hist[i]))) * 16777619
	}
	h %= novBits
	bit := uint64(1) << (h % 64)
	novel := s.Seen[h/64]&bit == 0
	s.Seen[h/64] |= bit
	n := 0.0
	if novel && s.QN > int64(c.Order) && s.QN > int64(c.Warmup)/2 {
		n = 1
	}
	r := s.NovRate
	a := math.Max(1.0/500, 1/float64(s.N))
	s.NovRate += a * (n - s.NovRate)
	if n == 0 {
		return 0
	}
	return -math.Log(math.Max(r, 1e-4))
}

// Observe implements Detector.
func (e *Ensemble) Observe(t time.Time, v float64) Result {
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
	sd := math.Max(s.Slow.dev, eps)
	fastNext := s.Fast.mean + c.FastRate*(v-s.Fast.mean)
	s.Sur[0] = math.Abs(v-s.Slow.mean) / sd
	s.Sur[1] = math.Abs(fastNext-s.Slow.mean) / sd / math.Sqrt(c.FastRate/(2-c.FastRate))
	if v < s.Lo {
		s.Lo = v
	}
	if v > s.Hi {
		s.Hi = v
	}
	s.Sur[2] = e.novelty(v)
	// daily profile residual
	sec := t.Unix() % 86400
	if sec < 0 {
		sec += 86400
	}
	b := int(sec * seasonBins / 86400)
	s.Sur[3] = 0
	if s.SCount[b] >= 3 {
		s.Sur[3] = math.Abs(v-float64(s.SMean[b])) / math.Max(float64(s.SDev[b]), eps)
	}
	{
		a := math.Max(c.SeasonRate, 1/float64(s.SCount[b]+1))
		d := v - float64(s.SMean[b])
		if s.SCount[b] == 0 {
			s.SMean[b] = float32(v)
			s.SDev[b] = float32(s.Slow.dev)
		} else {
			lim := c.Clip * math.Max(float64(s.SDev[b]), eps)
			s.SDev[b] += float32(a * (math.Min(math.Abs(d), lim) - float64(s.SDev[b])))
			s.SMean[b] += float32(a * math.Max(-lim, math.Min(lim, d)))
		}
		if s.SCount[b] < math.MaxUint16 {
			s.SCount[b]++
		}
	}
	s.Sur[4] = 0
	s.Fast.update(v, c.FastRate, c.Clip, eps, s.N)
	s.Slow.update(v, c.SlowRate, c.Clip, eps, s.N)

	// calibrate each expert against its own history
	pmin := 1.0
	logSum := 0.0
	k := 0
	for i := 0; i < nExperts; i++ {
		if c.Experts&(1<<i) == 0 {
			continue
		}
		k++
		p := s.Calib[i].tail(s.Sur[i])
		if p < pmin {
			pmin = p
		}
		logSum += math.Log(p)
		if s.N > int64(c.Warmup)/4 {
			s.Calib[i].add(s.Sur[i], c.Decay)
		}
	}
	var p float64
	switch c.Combine {
	case 0:
		p = math.Min(1, pmin*float64(k))
	case 1:
		p = math.Exp(logSum)
	}
	lp := -math.Log10(p) - c.Gamma*math.Log10(float64(s.Calib[0].N)+1)
	out := math.Max(0, math.Min(1, lp/c.K+c.Offset))
	if s.N <= int64(c.Warmup) {
		return Result{}
	}
	s.SinceAlert++
	if s.SinceAlert <= int64(c.Refractory) || float64(s.SinceAlert) <= c.RefFrac*float64(s.N) {
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
