// Package forecast predicts where a series is heading: a robust, streaming
// linear trend (Theil–Sen over bucketed means of a time window, with Sen's
// rank-based confidence band for the slope) and, from it, when the series
// reaches a limit. Memory per series is fixed (MaxBuckets buckets) and
// adding a sample allocates nothing; fitting is done only when a bucket
// completes, with a scratch buffer the caller owns.
package forecast

import (
	"errors"
	"math"
	"slices"
	"time"
)

// MaxBuckets is the most buckets a Trend keeps.
const MaxBuckets = 48

// bucket is the mean of the samples of one slice of the window, and their
// largest value.
type bucket struct {
	t   float64 // mean sample time, seconds since the trend's epoch
	v   float64 // mean value
	max float64 // largest value
	min float64 // smallest value
}

// Trend follows one series. It keeps the means of the last Buckets slices
// of Window; the zero value is not usable: call New.
type Trend struct {
	width  float64 // bucket width, seconds
	season float64 // the season (a day), seconds; 0 for none
	epoch  int64   // Unix microseconds of the first sample
	ring   [MaxBuckets]bucket
	size   int // buckets kept (≤ MaxBuckets)
	head   int // next write position
	n      int // buckets held
	// The bucket being filled.
	curStart             float64 // its start, seconds since epoch
	curN                 int
	curT, curV, max, min float64
	started              bool
	last                 float64 // last sample time, seconds since epoch
}

// New returns a trend over window, in buckets slices (2–MaxBuckets).
func New(window time.Duration, buckets int) (*Trend, error) {
	if window <= 0 {
		return nil, errors.New("forecast: the window must be positive")
	}
	if buckets < 4 || buckets > MaxBuckets {
		return nil, errors.New("forecast: buckets must be from 4 to 48")
	}
	return &Trend{width: window.Seconds() / float64(buckets), size: buckets}, nil
}

// NewSeasonal returns a trend over window that compares like with like:
// its slope is the seasonal Kendall–Sen slope (Hirsch, Slack and Smith
// 1982) from pairs of buckets a whole number of seasons apart, so a daily
// cycle adds nothing to it. The window should hold at least two seasons.
func NewSeasonal(window time.Duration, buckets int, season time.Duration) (*Trend, error) {
	tr, err := New(window, buckets)
	if err != nil {
		return nil, err
	}
	if season <= 0 || season > window {
		return nil, errors.New("forecast: the season must be positive and within the window")
	}
	tr.season = season.Seconds()
	return tr, nil
}

// Add records a sample. It reports whether a bucket completed (then Fit
// has something new to say). Samples must come in time order; an older
// sample than the last is ignored. It does not allocate.
func (tr *Trend) Add(at time.Time, v float64) bool {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return false
	}
	us := at.UnixMicro()
	if !tr.started {
		tr.started, tr.epoch = true, us
	}
	t := float64(us-tr.epoch) / 1e6
	if tr.curN > 0 && t < tr.last {
		return false
	}
	closed := false
	if tr.curN > 0 && t >= tr.curStart+tr.width {
		tr.push(bucket{t: tr.curT / float64(tr.curN), v: tr.curV / float64(tr.curN), max: tr.max, min: tr.min})
		closed = true
		// A gap longer than a bucket starts the next bucket at this sample.
		tr.curStart += tr.width * math.Floor((t-tr.curStart)/tr.width)
		tr.curN, tr.curT, tr.curV = 0, 0, 0
	}
	if tr.curN == 0 {
		if !closed {
			tr.curStart = t
		}
		tr.max, tr.min = v, v
	}
	tr.curN++
	tr.curT += t
	tr.curV += v
	tr.max = math.Max(tr.max, v)
	tr.min = math.Min(tr.min, v)
	tr.last = t
	return closed
}

func (tr *Trend) push(b bucket) {
	tr.ring[tr.head] = b
	tr.head = (tr.head + 1) % tr.size
	if tr.n < tr.size {
		tr.n++
	}
}

// Age is the time from the first sample to the last.
func (tr *Trend) Age() time.Duration {
	return time.Duration(tr.last * float64(time.Second))
}

// Buckets reports how many completed buckets the trend holds.
func (tr *Trend) Buckets() int { return tr.n }

// Span is the time between the first and the last completed bucket's mean
// sample time.
func (tr *Trend) Span() time.Duration {
	if tr.n < 2 {
		return 0
	}
	first := tr.at(0)
	last := tr.at(tr.n - 1)
	return time.Duration((last.t - first.t) * float64(time.Second))
}

// at returns the i-th completed bucket, oldest first.
func (tr *Trend) at(i int) bucket {
	start := tr.head - tr.n
	if start < 0 {
		start += tr.size
	}
	return tr.ring[(start+i)%tr.size]
}

// Scratch is the working memory of Fit; one may serve many trends, but not
// at the same time.
type Scratch struct {
	slopes []float64
	res    []float64
}

// NewScratch returns a scratch buffer big enough for MaxBuckets.
func NewScratch() *Scratch {
	return &Scratch{slopes: make([]float64, 0, MaxBuckets*(MaxBuckets-1)/2), res: make([]float64, 0, 2*MaxBuckets)}
}

// Fit is a trend fitted on some of the buckets.
type Fit struct {
	// At is the time of the last bucket fitted; Level the trend's value then.
	At    time.Time
	Level float64
	// Slope is Sen's slope per second, with the 95 % confidence bounds.
	Slope, SlopeLow, SlopeHigh float64
	// Spread is the robust standard deviation (1.4826 × MAD) of the bucket
	// means around the trend (for a seasonal trend, of the differences one
	// season apart: the noise without the cycle); Peak the 90th percentile
	// of the excess of a bucket's largest value over the trend (how far
	// above it the series reaches, its cycle included), Trough that of the
	// shortfall of a bucket's smallest value below it.
	Spread, Peak, Trough float64
	// Fall is the largest drop from one bucket's mean to the next, Rise
	// the largest climb: a sawtooth (log rotation, restarts) has one as
	// large as the trend's whole rise.
	Fall, Rise float64
	// Points and Span are how many buckets, over how long, were fitted.
	Points int
	Span   time.Duration
}

// Fit fits the trend on the last k completed buckets (all when k <= 0 or
// k exceeds them). It reports false with fewer than 4 buckets. It does
// not allocate.
func (tr *Trend) Fit(k int, s *Scratch) (Fit, bool) {
	if k <= 0 || k > tr.n {
		k = tr.n
	}
	if k < 4 {
		return Fit{}, false
	}
	off := tr.n - k
	sl := s.slopes[:0]
	seasonal := tr.season > 0
	// varS is the variance of Kendall's S: n(n−1)(2n+5)/18 over all
	// buckets, or summed over the seasons (buckets at the same time of
	// day) for the seasonal slope.
	varS := 0.0
	for i := 0; i < k; i++ {
		bi := tr.at(off + i)
		m := 0
		for j := i + 1; j < k; j++ {
			bj := tr.at(off + j)
			dt := bj.t - bi.t
			if dt <= 0 {
				continue
			}
			if seasonal {
				cycles := math.Round(dt / tr.season)
				if cycles < 1 || math.Abs(dt-cycles*tr.season) > tr.width/2 {
					continue
				}
			}
			sl = append(sl, (bj.v-bi.v)/dt)
			m++
		}
		if seasonal && m > 0 {
			// bi starts a chain of m+1 buckets of its season; count each
			// season once, from its first bucket.
			first := true
			for j := 0; j < i; j++ {
				dt := bi.t - tr.at(off+j).t
				if c := math.Round(dt / tr.season); c >= 1 && math.Abs(dt-c*tr.season) <= tr.width/2 {
					first = false
					break
				}
			}
			if first {
				n := float64(m + 1)
				varS += n * (n - 1) * (2*n + 5) / 18
			}
		}
	}
	if !seasonal {
		n := float64(k)
		varS = n * (n - 1) * (2*n + 5) / 18
	}
	if len(sl) < 3 {
		return Fit{}, false
	}
	slices.Sort(sl)
	s.slopes = sl
	N := float64(len(sl))
	slope := median(sl)
	// Sen (1968): the confidence interval of the slope from the variance
	// of Kendall's S (no ties): C = z·sqrt(var S).
	c := 1.96 * math.Sqrt(varS)
	lo := int(math.Floor((N - c) / 2))
	hi := int(math.Ceil((N+c)/2)) - 1
	lo = max(0, min(lo, len(sl)-1))
	hi = max(0, min(hi, len(sl)-1))
	last := tr.at(tr.n - 1)
	res := s.res[:0]
	for i := 0; i < k; i++ {
		b := tr.at(off + i)
		res = append(res, b.v-slope*(b.t-last.t))
	}
	slices.Sort(res)
	level := median(res)
	// The spread of the means around the trend, and how far above (below)
	// it the buckets' largest (smallest) values typically reach: medians,
	// so a few spikes do not move them.
	res = res[:0]
	for i := 0; i < k; i++ {
		b := tr.at(off + i)
		if !seasonal {
			res = append(res, math.Abs(b.v-(level+slope*(b.t-last.t))))
			continue
		}
		// The noise, without the cycle: differences one season apart,
		// less the trend, scaled to one bucket (÷√2).
		for j := i + 1; j < k; j++ {
			bj := tr.at(off + j)
			if dt := bj.t - b.t; math.Abs(dt-tr.season) <= tr.width/2 {
				res = append(res, math.Abs(bj.v-b.v-slope*dt)/math.Sqrt2)
				break
			}
		}
	}
	slices.Sort(res)
	spread := 1.4826 * median(res)
	res = res[:0]
	for i := 0; i < k; i++ {
		b := tr.at(off + i)
		res = append(res, b.max-(level+slope*(b.t-last.t)))
	}
	slices.Sort(res)
	peak := math.Max(0, quantile(res, peakQuantile))
	res = res[:0]
	for i := 0; i < k; i++ {
		b := tr.at(off + i)
		res = append(res, (level+slope*(b.t-last.t))-b.min)
	}
	slices.Sort(res)
	trough := math.Max(0, quantile(res, peakQuantile))
	s.res = res
	var fall, rise float64
	for i := 1; i < k; i++ {
		d := tr.at(off+i).v - tr.at(off+i-1).v
		fall, rise = math.Max(fall, -d), math.Max(rise, d)
	}
	first := tr.at(off)
	return Fit{Fall: fall, Rise: rise,
		At:    time.UnixMicro(tr.epoch + int64(last.t*1e6)).UTC(),
		Level: level, Slope: slope, SlopeLow: sl[lo], SlopeHigh: sl[hi],
		Spread: spread, Peak: peak, Trough: trough,
		Points: k, Span: time.Duration((last.t - first.t) * float64(time.Second)),
	}, true
}

// peakQuantile is the share of buckets whose largest value the series'
// upper edge is above.
const peakQuantile = 0.9

// quantile is the q-quantile of sorted values (nearest rank).
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// Value returns the trend's value at t.
func (f Fit) Value(t time.Time) float64 {
	return f.Level + f.Slope*t.Sub(f.At).Seconds()
}

// Point is one bucket: its mean sample time and mean value.
type Point struct {
	T time.Time
	V float64
}

// Points appends the completed buckets, oldest first, to dst.
func (tr *Trend) Points(dst []Point) []Point {
	for i := 0; i < tr.n; i++ {
		b := tr.at(i)
		dst = append(dst, Point{T: time.UnixMicro(tr.epoch + int64(b.t*1e6)).UTC(), V: b.v})
	}
	return dst
}
