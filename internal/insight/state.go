package insight

import (
	"math"
	"time"

	"github.com/tendhq/tend/internal/series"
	"github.com/tendhq/tend/internal/store"
)

// point is one sample in a series' recent history, kept to 16 bytes: the
// ring of every watched series holds ExcerptBefore of them. ts packs the
// time in Unix microseconds (51 bits until the year 2041, 53 until 2255)
// with the score in thousandths in the low 10 bits.
type point struct {
	ts int64
	v  float64
}

func packPoint(us int64, v, score float64) point {
	q := int64(math.Round(math.Max(0, math.Min(1, score)) * 1000))
	return point{ts: us<<10 | q, v: v}
}

func (p point) micros() int64  { return p.ts >> 10 }
func (p point) score() float64 { return float64(p.ts&1023) / 1000 }

// seriesState is what the engine keeps per series: a ring of recent
// samples (the excerpt before an anomaly) and the open anomaly, if any.
// It is guarded by its shard's mutex.
type seriesState struct {
	ring []point
	head int // next write position
	n    int // points held
	// lastWall is the coarse wall clock (Unix seconds) of the last sample.
	lastWall int64
	open     *openAnomaly
	// cool is set when an anomaly of this series closed: the first sample
	// at or after cool.until tells the grouper that the data has been
	// normal for the cool-down, so the insight can close in the data's
	// time (a replay of last month closes as it goes, not ten minutes of
	// wall clock after it ends).
	cool *cooling
}

// cooling is a closed anomaly whose insight may be waiting for its
// cool-down.
type cooling struct {
	until   int64 // Unix microseconds: the anomaly's end plus the cool-down
	anomaly string
}

// push records a normal sample in the ring. It allocates only the first
// time, when the ring is created.
func (st *seriesState) push(size int, t int64, v float64, s float64) {
	if size <= 0 {
		return
	}
	if st.ring == nil {
		st.ring = make([]point, size)
	}
	st.ring[st.head] = packPoint(t, v, s)
	st.head = (st.head + 1) % len(st.ring)
	if st.n < len(st.ring) {
		st.n++
	}
}

// before returns the ring's points oldest first, as excerpt points.
func (st *seriesState) before() []store.Point {
	out := make([]store.Point, 0, st.n)
	start := st.head - st.n
	if start < 0 {
		start += len(st.ring)
	}
	for i := 0; i < st.n; i++ {
		p := st.ring[(start+i)%len(st.ring)]
		out = append(out, store.Point{T: time.UnixMicro(p.micros()).UTC(), V: p.v, S: p.score()})
	}
	return out
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// openAnomaly is an anomaly in progress on one series.
type openAnomaly struct {
	rec      store.Anomaly
	boundary series.Boundary
	// nBefore is how many points of rec.Excerpt precede the start.
	nBefore int
	// The excerpt during the anomaly is capped: when full, pairs of points
	// merge (keeping the higher score) and only every stride-th sample is
	// kept from then on.
	stride, skip int
	// normalRun counts consecutive normal samples; normalSince is the first
	// of them.
	normalRun   int
	normalSince time.Time
	// quietSince is the first sample of the current run below the
	// threshold (zero while anomalous).
	quietSince time.Time
	// The band of values the series kept before the anomaly: a sample
	// counts as normal only inside it. hasBand is false when fewer than
	// minBandPoints samples preceded the anomaly.
	bandLo, bandHi float64
	hasBand        bool
	last           time.Time
	// sentPeak is the peak score last handed to the grouper.
	sentPeak float64
	// confirmed: handed to the grouper; until then a candidate with
	// abnormalRun consecutive abnormal samples.
	confirmed   bool
	abnormalRun int
}

// add appends a sample to the excerpt, downsampling when the during part
// reaches max points.
func (o *openAnomaly) add(max int, p store.Point) {
	if o.skip > 0 {
		o.skip--
		// Keep a skipped point only if it beats the last kept one's score.
		if last := &o.rec.Excerpt[len(o.rec.Excerpt)-1]; p.S > last.S {
			*last = p
		}
		return
	}
	o.rec.Excerpt = append(o.rec.Excerpt, p)
	o.skip = o.stride - 1
	during := o.rec.Excerpt[o.nBefore:]
	if len(during) < max || max < 2 {
		return
	}
	// Halve: merge pairs, keeping the point with the higher score.
	j := 0
	for i := 0; i < len(during); i += 2 {
		keep := during[i]
		if i+1 < len(during) && during[i+1].S > keep.S {
			keep = during[i+1]
		}
		during[j] = keep
		j++
	}
	o.rec.Excerpt = o.rec.Excerpt[:o.nBefore+j]
	o.stride *= 2
	o.skip = o.stride - 1
}

// snapshot copies the record, excerpt included, for the grouper.
func (o *openAnomaly) snapshot() store.Anomaly {
	r := o.rec
	r.Excerpt = append([]store.Point(nil), o.rec.Excerpt...)
	return r
}

// minBandPoints is the fewest samples before an anomaly that give it a band.
const minBandPoints = 5

// setBand derives the normal band from the samples before the start: their
// range widened by three standard deviations, and by at least 5 % of the
// mean's magnitude so a flat series does not make every wobble abnormal.
func (o *openAnomaly) setBand() {
	before := o.rec.Excerpt[:o.nBefore]
	o.hasBand = len(before) >= minBandPoints
	if !o.hasBand {
		return
	}
	var sum, sq float64
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range before {
		sum += p.V
		lo, hi = math.Min(lo, p.V), math.Max(hi, p.V)
	}
	mean := sum / float64(len(before))
	for _, p := range before {
		sq += (p.V - mean) * (p.V - mean)
	}
	sd := math.Sqrt(sq / float64(len(before)))
	pad := math.Max(3*sd, 0.05*math.Abs(mean))
	o.bandLo, o.bandHi = lo-pad, hi+pad
}

// inBand reports whether v is within the pre-anomaly band (always, without one).
func (o *openAnomaly) inBand(v float64) bool {
	return !o.hasBand || (v >= o.bandLo && v <= o.bandHi)
}
