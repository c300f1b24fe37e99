package detect

import (
	"math"
	"time"
)

const (
	// seasonBins is the number of phase bins of the weekly profile: one per
	// hour of the week, so a daily and a weekly rhythm both fit in it.
	seasonBins   = 7 * 24
	seasonPeriod = 7 * 24 * 3600 // seconds in the profile's period
	seasonBinSec = seasonPeriod / seasonBins
)

// seasonal is a weekly profile of a series, learnt from timestamps: for
// each hour of the week a level, learnt from the points that fell in that
// hour in past weeks, and the mean absolute deviation of points from the
// profile. It judges a point by how far the last few points together lie
// from the profile (Shift, in deviations): a day that is lower or higher
// than that day usually is — a holiday, a missing daily peak — stands out,
// a single noisy point does not.
type seasonal struct {
	Level [seasonBins]float32
	Cnt   [seasonBins]uint8 // points learnt per bin, saturating
	Dev   float64           // mean absolute deviation from the profile
	Shift float64           // EWMA of the clipped deviation in Devs
	Step  float64           // EWMA of the spacing of points, seconds
	Last  int64             // unix seconds of the latest point
}

// seasonPhase returns the profile bin of t (unix seconds).
func seasonPhase(t int64) int {
	h := t / seasonBinSec
	if t%seasonBinSec < 0 {
		h-- // floor, for times before 1970
	}
	p := h % seasonBins
	if p < 0 {
		p += seasonBins
	}
	return int(p)
}

// observe learns v at time t and returns the sustained deviation of the
// latest points from the profile, in deviations (positive: above), and
// whether the profile can judge it: once its hour has been seen. During an
// hour's first visit its level is the running mean of the points of that
// visit so far, so in a series' first week the profile is a short-term,
// local baseline, and from the second week on the same hour of past weeks.
//
// week is the weight of one week's visit of an hour in its level; smooth is
// the EWMA rate of the sustained deviation; clip bounds one point's
// deviation (in deviations) in Dev, as in baseline, and shiftClip in Shift;
// eps is the least deviation. A rhythm shifted by up to an hour is still the
// rhythm, so a point's deviation is from the nearest of its hour's level and
// the neighbouring hours'.
func (s *seasonal) observe(t time.Time, v, week, smooth, clip, shiftClip, eps float64, n int64) (float64, bool) {
	ts := t.Unix()
	if dt := ts - s.Last; dt > 0 && dt <= seasonBinSec {
		s.Step += math.Max(1/float64(n), 1.0/64) * (float64(dt) - s.Step)
	}
	s.Last = max(s.Last, ts)
	b := seasonPhase(ts)
	own := v - float64(s.Level[b])
	r := own
	for _, nb := range [2]int{(b + seasonBins - 1) % seasonBins, (b + 1) % seasonBins} {
		if d := v - float64(s.Level[nb]); s.Cnt[nb] > 0 && math.Abs(d) < math.Abs(r) {
			r = d
		}
	}
	ready := s.Cnt[b] > 0
	if ready {
		dev := math.Max(s.Dev, eps)
		s.Shift += smooth * (math.Max(-shiftClip, math.Min(shiftClip, r/dev)) - s.Shift)
		s.Dev += math.Max(1.0/512, 1/float64(n)) * (math.Min(math.Abs(r), clip*dev) - s.Dev)
	}
	// a visit of an hour brings about seasonBinSec/Step points; together
	// they move its level by week
	if s.Cnt[b] < math.MaxUint8 {
		s.Cnt[b]++
	}
	a := math.Min(1, math.Max(week*math.Max(s.Step, 1)/seasonBinSec, 1/float64(s.Cnt[b])))
	s.Level[b] += float32(a * own)
	if l := float64(s.Level[b]); math.IsNaN(l) || math.IsInf(l, 0) {
		s.Level[b], s.Cnt[b] = 0, 0 // beyond float32 (extreme inputs): forget the hour
	}
	if math.IsNaN(s.Dev+s.Shift) || math.IsInf(s.Dev+s.Shift, 0) {
		s.Dev, s.Shift = 0, 0
	}
	return s.Shift, ready
}

// valid reports whether a restored profile is usable.
func (s *seasonal) valid() bool {
	for _, l := range s.Level {
		if math.IsNaN(float64(l)) || math.IsInf(float64(l), 0) {
			return false
		}
	}
	return s.Dev >= 0 && s.Step >= 0 && !math.IsInf(s.Dev+s.Step, 0) && !math.IsNaN(s.Dev+s.Step+s.Shift) && math.Abs(s.Shift) <= 1e6
}
