package detect

import (
	"math"
	"time"
)

var _ = register(DefaultName, func() Detector { return NewEnsemble(DefaultConfig()) })

// Config holds the Ensemble detector's parameters.
type Config struct {
	FastRate, SlowRate    float64
	Clip                  float64
	Warmup                int
	Refractory            int
	Damp                  float64
	K                     float64
	Decay                 float64
	Bins, Bins2, Bins3    int
	Order, Order2, Order3 int
	Experts               uint // bitmask of enabled experts
	Combine               int
	Gamma, Offset         float64
	RefFrac               float64
	Escalate              float64
	Relearn               float64
	ExScale               float64
	Confirm               int
	DayBins, Bins4        int
	ConfirmGap            float64
}

// DefaultConfig returns the parameters tend ships with.
func DefaultConfig() Config {
	return Config{FastRate: 1.0 / 8, SlowRate: 1.0 / 512, Clip: 4, Warmup: 150, Refractory: 100, Damp: 0, K: 5,
		Bins: 8, Order: 1, Bins2: 6, Order2: 2, Bins3: 12, Order3: 1, Gamma: 0.8, Offset: 0.4, RefFrac: 0.02, Relearn: 0.25, Experts: 31, ExScale: 10, Confirm: 3, ConfirmGap: 0.5, Combine: 1, Decay: 0}
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
	novBits  = 1 << 14
	nExperts = 6
	histBins = 48
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
	N              int64
	Lo, Hi         float64
	Fast, Slow     ewm
	SinceAlert     int64
	Nov            [4]novelty
	Calib          [nExperts]calib
	Sur            [nExperts]float64
	LastLP, PrevLP float64
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

type novelty struct {
	QLo, QW float64
	QN      int64
	Hist    [4]int16
	Seen    [novBits / 64]uint64
	Rate    float64
}

// observe quantises v into bins over the range seen so far and reports the
// surprise (in nats) of a never-seen pattern of the last order levels.
func (nv *novelty) observe(v, lo, hi float64, bins, order, warmup int, n int64, salt uint32) float64 {
	rng := hi - lo
	if nv.QW <= 0 || rng > 2*nv.QW*float64(bins) || (nv.QN < int64(warmup) && rng > nv.QW*float64(bins)) {
		if rng <= 0 {
			return 0
		}
		nv.QW = rng / float64(bins)
		nv.QLo = lo
		nv.QN = 0
		nv.Seen = [novBits / 64]uint64{}
	}
	nv.QN++
	q := int16(math.Floor((v - nv.QLo) / nv.QW))
	if q < -100 {
		q = -100
	} else if q > 1000 {
		q = 1000
	}
	copy(nv.Hist[1:], nv.Hist[:3])
	nv.Hist[0] = q
	h := (2166136261 ^ salt) * 16777619
	for i := 0; i < order; i++ {
		h = (h ^ uint32(uint16(nv.Hist[i]))) * 16777619
	}
	h %= novBits
	bit := uint64(1) << (h % 64)
	novel := nv.Seen[h/64]&bit == 0
	nv.Seen[h/64] |= bit
	x := 0.0
	if novel && nv.QN > int64(order) && nv.QN > int64(warmup)/2 {
		x = 1
	}
	r := nv.Rate
	a := math.Max(1.0/500, 1/float64(n))
	nv.Rate += a * (x - nv.Rate)
	if x == 0 {
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
	s.Sur[0] = math.Abs(v-s.Slow.mean) / sd
	s.Sur[1] = 0
	if rng > 0 {
		if ex := math.Max(v-s.Hi, s.Lo-v) / rng; ex > 0 {
			s.Sur[1] = math.Log1p(ex * c.ExScale)
		}
	}
	if v < s.Lo {
		s.Lo = v
	}
	if v > s.Hi {
		s.Hi = v
	}
	s.Sur[2] = s.Nov[0].observe(v, s.Lo, s.Hi, c.Bins, c.Order, c.Warmup, s.N, 0)
	s.Sur[4] = 0
	if c.Experts&(1<<4) != 0 {
		s.Sur[4] = s.Nov[1].observe(v, s.Lo, s.Hi, c.Bins2, c.Order2, c.Warmup, s.N, 0)
	}
	s.Sur[5] = 0
	if c.Experts&(1<<5) != 0 {
		sec := t.Unix() % 86400
		if sec < 0 {
			sec += 86400
		}
		salt := uint32(1 + sec*int64(c.DayBins)/86400)
		s.Sur[5] = s.Nov[3].observe(v, s.Lo, s.Hi, c.Bins4, 1, c.Warmup, s.N, salt)
	}
	s.Sur[3] = 0
	if c.Experts&(1<<3) != 0 {
		s.Sur[3] = s.Nov[2].observe(v, s.Lo, s.Hi, c.Bins3, c.Order3, c.Warmup, s.N, 0)
	}
	s.Fast.update(v, c.FastRate, c.Clip, eps, s.N)
	s.Slow.update(v, c.SlowRate, c.Clip, eps, s.N)
	if c.Relearn > 0 && s.SinceAlert < int64(c.Refractory) {
		// after an alert, move the baseline quickly to the new regime
		a := c.Relearn / float64(s.SinceAlert+2)
		s.Slow.mean += math.Min(1, a) * (v - s.Slow.mean)
	}

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
	switch c.Confirm {
	case 1:
		lp, s.PrevLP = math.Min(lp, s.PrevLP), lp
	case 2:
		lp, s.PrevLP = 0.5*(lp+s.PrevLP), lp
	case 3:
		lp, s.PrevLP = math.Max(math.Min(lp, s.PrevLP), lp-c.ConfirmGap), lp
	}
	out := math.Max(0, math.Min(1, lp/c.K+c.Offset))
	if s.N <= int64(c.Warmup) {
		return Result{}
	}
	s.SinceAlert++
	if s.SinceAlert <= int64(c.Refractory) || float64(s.SinceAlert) <= c.RefFrac*float64(s.N) {
		if c.Escalate > 0 && lp > s.LastLP+c.Escalate {
			// a clearly worse event during an incident still counts
		} else {
			out *= c.Damp
		}
	}
	if out >= DefaultThreshold {
		s.SinceAlert = 0
		s.LastLP = lp
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
