package detect

import "math"

// baseline is a robust exponentially weighted level: a mean and a mean
// absolute deviation whose updates are clipped at clip deviations.
type baseline struct{ Mean, Dev float64 }

func (b *baseline) init(v float64) { b.Mean, b.Dev = v, 0 }

// update moves the baseline towards v at rate a (at least 1/n, so early
// estimates are plain averages), limiting the step to clip deviations.
func (b *baseline) update(v, a, clip, eps float64, n int64) {
	a = math.Max(a, 1/float64(n))
	d := v - b.Mean
	lim := clip * math.Max(b.Dev, eps)
	b.Dev += a * (math.Min(math.Abs(d), lim) - b.Dev)
	b.Mean += a * math.Max(-lim, math.Min(lim, d))
	if math.IsNaN(b.Mean+b.Dev) || math.IsInf(b.Mean+b.Dev, 0) {
		b.init(v) // overflow from extreme inputs: start again from v
	}
}

// updateRates moves the baseline towards v with separate rates for the
// mean and the deviation (each at least 1/n), limiting the step to clip
// deviations.
func (b *baseline) updateRates(v, meanRate, devRate, clip, eps float64, n int64) {
	d := v - b.Mean
	lim := clip * math.Max(b.Dev, eps)
	b.Dev += math.Max(devRate, 1/float64(n)) * (math.Min(math.Abs(d), lim) - b.Dev)
	b.Mean += math.Max(meanRate, 1/float64(n)) * math.Max(-lim, math.Min(lim, d))
	if math.IsNaN(b.Mean+b.Dev) || math.IsInf(b.Mean+b.Dev, 0) {
		b.init(v)
	}
}

const (
	novBits  = 1 << 10 // bits in a novelty filter
	histBins = 48      // bins of a calibration histogram
	// rebuild is how far the range may outgrow a quantiser before it is
	// rebuilt (and its memory of patterns cleared).
	rebuild = 2
	// novRate is the EWMA rate of the novelty frequency.
	novRate = 1.0 / 500
)

// novelty remembers which patterns of quantised levels a series has shown,
// in a bit set indexed by a hash of the pattern.
type novelty struct {
	QLo, QW float64 // quantiser origin and bin width
	QN      int64   // points since the quantiser was built
	Hist    [4]int16
	Seen    [novBits / 64]uint64
	Rate    float64 // how often patterns have been new lately
}

// observe quantises v into bins over [lo, hi] and returns the surprise, in
// nats, of a pattern of the last order levels never seen before (0 if it was
// seen): −ln of how often new patterns have appeared lately.
func (nv *novelty) observe(v, lo, hi float64, bins, order, warmup int, n int64) float64 {
	rng := hi - lo
	if nv.QW <= 0 || rng > rebuild*nv.QW*float64(bins) || (nv.QN < int64(warmup) && rng > nv.QW*float64(bins)) {
		if rng <= 0 {
			return 0
		}
		nv.QW = rng / float64(bins)
		nv.QLo = lo
		nv.QN = 0
		nv.Seen = [novBits / 64]uint64{}
	}
	nv.QN++
	q := int16(math.Max(-100, math.Min(1000, math.Floor((v-nv.QLo)/nv.QW))))
	copy(nv.Hist[1:], nv.Hist[:len(nv.Hist)-1])
	nv.Hist[0] = q
	h := uint32(2166136261) // FNV-1a over the pattern
	for i := 0; i < order && i < len(nv.Hist); i++ {
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
	nv.Rate += math.Max(novRate, 1/float64(n)) * (x - nv.Rate)
	if x == 0 {
		return 0
	}
	return -math.Log(math.Max(r, 1e-4))
}

// calib turns an expert's surprise into a tail probability: the fraction of
// the expert's past surprises at least as large (with one pseudo-count).
// Tail[i] counts past surprises in bin i or above, so a lookup is O(1).
type calib struct {
	Tail [histBins]uint32
}

func (h *calib) bin(sur float64) int {
	switch {
	case sur <= 0:
		return 0
	case !(sur < 1e300): // +Inf or NaN from extreme inputs
		return histBins - 1
	}
	return min(int(math.Log1p(sur)*8), histBins-1)
}

// log10Tail returns log10 of the tail probability of bin b.
func (h *calib) log10Tail(b int) float64 {
	if b == 0 {
		return 0 // every past surprise is at least 0
	}
	return math.Log10(float64(h.Tail[b])+1) - math.Log10(float64(h.Tail[0])+1)
}

func (h *calib) add(b int) {
	if h.Tail[0] == math.MaxUint32 {
		return
	}
	for i := 0; i <= b; i++ {
		h.Tail[i]++
	}
}

// tailPoints is how many past surprises the extrapolated tail is fitted on.
const tailPoints = 20

// log10TailBeyond is log10Tail with the far tail extrapolated (peaks over
// threshold): a surprise that fewer than tailPoints past surprises reached
// gets the probability of u, the lowest bin edge that tailPoints of them
// reached, times (sur/u)^−α, a Pareto tail whose index α is the Hill
// estimate from the past surprises beyond u. A value ten times beyond every
// deviation the series has shown is then far less likely than one just
// beyond them, even in a short history, where the empirical tail alone
// cannot go below 1/(n+1). Heavy-tailed series (bursty counts) get a small
// α and so little extra evidence.
func (h *calib) log10TailBeyond(sur float64, b int) float64 {
	lt := h.log10Tail(b)
	if b == 0 || h.Tail[b] >= tailPoints || h.Tail[0] < 2*tailPoints {
		return lt
	}
	bu := b
	for bu > 0 && h.Tail[bu] < tailPoints {
		bu--
	}
	if bu == 0 {
		return lt
	}
	// bins are 1/8 wide in log1p(surprise): the mean log-excess over u
	var ex float64
	for j := bu; j < histBins; j++ {
		c := h.Tail[j]
		if j+1 < histBins {
			c -= h.Tail[j+1]
		}
		ex += float64(c) * (float64(j-bu) + 0.5) / 8
	}
	m := ex / float64(h.Tail[bu])
	x := math.Log1p(sur) - float64(bu)/8
	if !(m > 0) || x <= 0 {
		return lt
	}
	pu := math.Log10(float64(h.Tail[bu])+1) - math.Log10(float64(h.Tail[0])+1)
	return math.Max(math.Min(lt, pu-x/m/math.Ln10), -30)
}
