package detect

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

var _ = register(DefaultName, func() Detector {
	e, _ := NewEnsemble(DefaultConfig()) // DefaultConfig is valid (TestDefaultConfigValid)
	return e
})

// Resolution is one pattern-novelty view of a series: values quantised into
// Bins levels over the range seen so far, patterns of Order consecutive levels.
type Resolution struct{ Bins, Order int }

// Config holds the Ensemble detector's parameters. Start from DefaultConfig;
// docs/detection.md explains each one.
type Config struct {
	// Warmup is the settling scale, in points: the experts' calibration
	// learns from point Warmup/4 on, and scores are 0 until then (fewer
	// points cannot say what is unusual); the level-novelty experts speak
	// from point Warmup/2.
	Warmup int
	// BaselineRate is the EWMA rate of the level baseline and its mean
	// absolute deviation (1/512: a memory of about 512 points).
	BaselineRate float64
	// Clip bounds, in deviations, how far one point can move the baseline,
	// so outliers do not drag it.
	Clip float64
	// LocalRate and LocalDevRate are the EWMA rates of the local level
	// (the last few points) and of the typical distance from it: the local
	// expert judges a point against its neighbours, the level expert
	// against the long-term baseline, and the stronger of the two counts.
	LocalRate, LocalDevRate float64
	// Novelty lists the level-novelty views.
	Novelty [MaxResolutions]Resolution
	// NoveltyAfter is how much of the series' time must have passed before
	// a value beyond the range, at a new level or of a new shape counts as
	// evidence: until a day's rhythm has been seen twice, "never seen
	// before" is what every new hour of the day is.
	NoveltyAfter time.Duration
	// ShapeLen is the window (points) of the shape memory and ShapeRadius
	// the distance (mean absolute difference, in units of the range seen so
	// far) within which a window matches a learned shape.
	ShapeLen    int
	ShapeRadius float64
	// ExcessScale converts how far a value lies beyond the range seen so
	// far (as a fraction of that range) into surprise: log(1 + x·ExcessScale).
	ExcessScale float64
	// HistoryPenalty (γ) demands stronger evidence from a longer history:
	// the evidence is −log10(p) − γ·log10(n), so alerts per series grow
	// like n^(1−γ) rather than n.
	HistoryPenalty float64
	// AlertEvidence is the evidence, in decades, at which the score reaches
	// DefaultThreshold (0.5); Span is the evidence that moves the score from
	// 0.5 to 1.
	AlertEvidence, Span float64
	// Confirm is the most evidence, in decades, a point loses when the
	// previous point showed less: its evidence is lowered towards the
	// previous point's. A lone blip is discounted, a sustained change is not.
	Confirm float64
	// Refractory is the number of points after an alert during which the
	// score stays 0 (one alert per incident). The quiet lasts up to
	// RefractoryFrac × the points seen so far, but ends once the evidence
	// has been below zero for Refractory points in a row: the incident is
	// over. Within it, an alert Escalate decades stronger than the last
	// one breaks through (a new, larger incident).
	Refractory     int
	RefractoryFrac float64
	Escalate       float64
	// Relearn speeds the baseline towards the new level after an alert:
	// its rate is at least Relearn/(k+2) k points after the alert.
	Relearn float64
	// SeasonWeek is the weight of one week in the weekly profile (0 turns
	// the seasonal expert off); the expert judges a series only where the
	// profile fits it better than the flat baseline. SeasonSmooth is the
	// EWMA rate of the sustained deviation from the profile, and SeasonClip
	// the most deviations one point adds to it.
	SeasonWeek, SeasonSmooth, SeasonClip float64
}

// MaxResolutions is the number of level-novelty views.
const MaxResolutions = 1

// DefaultConfig returns the parameters tend ships with.
func DefaultConfig() Config {
	return Config{
		Warmup:         150,
		BaselineRate:   1.0 / 512,
		Clip:           4,
		LocalRate:      1.0 / 5,
		LocalDevRate:   1.0 / 8,
		Novelty:        [MaxResolutions]Resolution{{Bins: 12, Order: 1}},
		NoveltyAfter:   48 * time.Hour,
		ShapeLen:       12,
		ShapeRadius:    0.1,
		ExcessScale:    10,
		HistoryPenalty: 0.8,
		AlertEvidence:  1,
		Span:           5,
		Confirm:        0.2,
		Refractory:     10,
		RefractoryFrac: 0.03,
		Escalate:       3,
		Relearn:        0.25,
		SeasonWeek:     0.3,
		SeasonSmooth:   1.0 / 8,
		SeasonClip:     10,
	}
}

// The experts whose evidence the Ensemble multiplies.
const (
	expLevel  = iota // distance from the robust baseline, in deviations
	expExcess        // distance beyond the range seen so far
	expShape         // distance to the nearest learned shape
	expSeason        // sustained distance from the weekly profile, where it fits
	expLocal         // distance from the local level, in local deviations
	expNovel         // first of MaxResolutions pattern-novelty experts
	nExperts  = expNovel + MaxResolutions
)

type ensembleState struct {
	N          int64
	First      int64 // Unix seconds of the first point
	Last       int64 // Unix seconds of the latest point
	Lo, Hi     float64
	Base       baseline
	Local      baseline
	SinceAlert int64
	Quiet      int64   // points in a row with evidence below zero
	AlertLP    float64 // evidence of the last alert
	PrevLP     float64
	Nov        [MaxResolutions]novelty
	Calib      [nExperts]calib
	Shape      shapeMem
	Season     seasonal
}

// Ensemble is tend's default detector ("tend"). Each point is judged by six
// experts — distance from a robust baseline, the sustained distance of the
// last few points from a weekly profile learnt from the timestamps (in
// series the profile fits), excursion beyond the range seen so far,
// never-seen levels at two resolutions, and distance from the
// nearest learned shape of the last few points. Each expert's surprise is
// calibrated against that expert's own history into a tail probability; the
// probabilities are multiplied, discounted for the length of the history,
// and mapped to a score. After an alert the score stays 0 for a refractory
// period while the baseline relearns. docs/detection.md has the details.
type Ensemble struct {
	// cfg is shared by the detectors one factory makes (ContinuousFactory):
	// 176 bytes a series saved; it is never modified.
	cfg *Config
	st  ensembleState
	sur [nExperts]float64
	// logP is each expert's log10 tail probability for the latest point.
	logP [nExperts]float64
	// shift is the sustained deviation from the weekly profile when the
	// seasonal expert spoke for the latest point, else 0; local is the
	// latest point's signed distance from the local level.
	shift, local float64
}

var _ Detector = (*Ensemble)(nil)

// NewEnsemble returns an Ensemble detector with cfg, or an error naming the
// first invalid parameter.
func NewEnsemble(cfg Config) (*Ensemble, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	e := &Ensemble{cfg: &cfg}
	e.st.SinceAlert = math.MaxInt32
	return e, nil
}

// Validate reports the first parameter outside its range.
func (c Config) Validate() error {
	bad := func(field, why string) error { return fmt.Errorf("detector config: %s %s", field, why) }
	pos := func(x float64) bool { return x > 0 && !math.IsInf(x, 0) }
	switch {
	case c.Warmup < 0:
		return bad("Warmup", "must be ≥ 0")
	case !pos(c.BaselineRate) || c.BaselineRate > 1:
		return bad("BaselineRate", "must be in (0, 1]")
	case !pos(c.Clip):
		return bad("Clip", "must be > 0")
	case !pos(c.LocalRate) || c.LocalRate > 1:
		return bad("LocalRate", "must be in (0, 1]")
	case !pos(c.LocalDevRate) || c.LocalDevRate > 1:
		return bad("LocalDevRate", "must be in (0, 1]")
	case c.NoveltyAfter < 0:
		return bad("NoveltyAfter", "must be ≥ 0")
	case c.ShapeLen < 2 || c.ShapeLen > maxShapeLen:
		return bad("ShapeLen", fmt.Sprintf("must be in [2, %d]", maxShapeLen))
	case !pos(c.ShapeRadius):
		return bad("ShapeRadius", "must be > 0")
	case !pos(c.ExcessScale):
		return bad("ExcessScale", "must be > 0")
	case math.IsNaN(c.HistoryPenalty) || c.HistoryPenalty < 0 || c.HistoryPenalty > 1:
		return bad("HistoryPenalty", "must be in [0, 1]")
	case math.IsNaN(c.AlertEvidence) || math.IsInf(c.AlertEvidence, 0):
		return bad("AlertEvidence", "must be finite")
	case !pos(c.Span):
		return bad("Span", "must be > 0")
	case !pos(c.Confirm):
		return bad("Confirm", "must be > 0")
	case c.Refractory < 0:
		return bad("Refractory", "must be ≥ 0")
	case math.IsNaN(c.RefractoryFrac) || c.RefractoryFrac < 0 || c.RefractoryFrac > 1:
		return bad("RefractoryFrac", "must be in [0, 1]")
	case math.IsNaN(c.Escalate) || c.Escalate < 0:
		return bad("Escalate", "must be ≥ 0 (0: no alert inside the refractory period)")
	case math.IsNaN(c.Relearn) || c.Relearn < 0 || c.Relearn > 2:
		return bad("Relearn", "must be in [0, 2]")
	case math.IsNaN(c.SeasonWeek) || c.SeasonWeek < 0 || c.SeasonWeek > 1:
		return bad("SeasonWeek", "must be in [0, 1]")
	case !pos(c.SeasonSmooth) || c.SeasonSmooth > 1:
		return bad("SeasonSmooth", "must be in (0, 1]")
	case !pos(c.SeasonClip):
		return bad("SeasonClip", "must be > 0")
	}
	for i, r := range c.Novelty {
		if r.Bins < 1 || r.Bins > 256 || r.Order < 1 || r.Order > 4 {
			return bad(fmt.Sprintf("Novelty[%d]", i), "needs Bins in [1, 256] and Order in [1, 4]")
		}
	}
	return nil
}

// Observe implements Detector.
func (e *Ensemble) Observe(t time.Time, v float64) Result {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return Result{}
	}
	s, c := &e.st, e.cfg
	s.N++
	if s.N == 1 {
		s.Lo, s.Hi = v, v
		s.First, s.Last = t.Unix(), t.Unix()
		s.Base.init(v)
		s.Local.init(v)
		return Result{}
	}
	rng := s.Hi - s.Lo
	eps := 1e-3*rng + 1e-9*math.Abs(v) + 1e-12
	dev := math.Max(s.Base.Dev, eps)
	z := (v - s.Base.Mean) / dev
	e.sur[expLevel] = math.Abs(z)
	e.shift = 0
	e.sur[expSeason] = 0
	if c.SeasonWeek > 0 {
		// in a series the weekly profile fits, a run of points away from
		// their hour's usual level is evidence of its own
		sh, ok := s.Season.observe(t, v, c.SeasonWeek, c.SeasonSmooth, c.Clip, c.SeasonClip, eps, s.N)
		if a := math.Abs(sh); ok && s.Season.Dev < dev && a >= c.Clip && a > e.sur[expLevel] {
			// a sustained deviation beyond what one point may move the
			// baseline; the level expert stays silent: one deviation,
			// counted once
			e.sur[expSeason], e.sur[expLevel], e.shift = a, 0, sh
		}
	}
	e.sur[expExcess] = 0
	if rng > 0 {
		if ex := math.Max(v-s.Hi, s.Lo-v) / rng; ex > 0 {
			e.sur[expExcess] = math.Log1p(ex * c.ExcessScale)
		}
	}
	s.Lo, s.Hi = math.Min(s.Lo, v), math.Max(s.Hi, v)
	for i, r := range c.Novelty {
		e.sur[expNovel+i] = s.Nov[i].observe(v, s.Lo, s.Hi, r.Bins, r.Order, c.Warmup, s.N)
	}
	e.sur[expShape] = s.Shape.observe(v, s.Lo, s.Hi, c.ShapeLen, c.ShapeRadius)
	// the local view: the distance from the last few points, in units of
	// their typical distance (a spike within the day's range stands out
	// here, not against the long-term baseline)
	e.local = (v - s.Local.Mean) / math.Max(s.Local.Dev, eps)
	e.sur[expLocal] = math.Abs(e.local)
	s.Local.updateRates(v, c.LocalRate, c.LocalDevRate, c.Clip, eps, s.N)
	s.Base.update(v, c.BaselineRate, c.Clip, eps, s.N)
	if s.SinceAlert < int64(c.Refractory) {
		a := math.Min(1, c.Relearn/float64(s.SinceAlert+2))
		s.Base.Mean += a * (v - s.Base.Mean)
	}

	// Calibrate each expert against its own history and combine.
	logP := 0.0
	learn := s.N > int64(c.Warmup)/4
	for i := range e.sur {
		b := s.Calib[i].bin(e.sur[i])
		if i == expLevel {
			// how far beyond its past deviations a value lies matters,
			// not only that it lies beyond them
			e.logP[i] = s.Calib[i].log10TailBeyond(e.sur[i], b)
		} else {
			e.logP[i] = s.Calib[i].log10Tail(b)
		}
		logP += e.logP[i]
		if learn {
			s.Calib[i].add(b)
		}
	}
	// One deviation, counted once: of the long-term and the local view
	// the stronger speaks.
	if a, b := e.logP[expLevel], e.logP[expLocal]; a < b {
		logP -= b
		e.logP[expLocal] = 0
	} else {
		logP -= a
		e.logP[expLevel] = 0
	}
	s.Last = max(s.Last, t.Unix())
	if s.Last-s.First < int64(c.NoveltyAfter/time.Second) {
		// beyond the range, a new level, a new shape: not yet evidence
		for i := range e.logP {
			if i == expExcess || i == expShape || i >= expNovel {
				logP -= e.logP[i]
				e.logP[i] = 0
			}
		}
	}
	lp := -logP - c.HistoryPenalty*math.Log10(float64(s.Calib[expLevel].Tail[0])+1)
	lp, s.PrevLP = math.Max(math.Min(lp, s.PrevLP), lp-c.Confirm), lp

	if !learn {
		return Result{}
	}
	s.SinceAlert++
	if lp < 0 {
		s.Quiet++
	} else {
		s.Quiet = 0
	}
	if s.SinceAlert <= int64(c.Refractory) ||
		float64(s.SinceAlert) <= c.RefractoryFrac*float64(s.N) && s.Quiet < int64(c.Refractory) {
		if c.Escalate == 0 || lp < s.AlertLP+c.Escalate {
			return Result{}
		}
	}
	score := math.Max(0, math.Min(1, DefaultThreshold+(lp-c.AlertEvidence)/c.Span))
	if score < DefaultThreshold {
		return Result{Score: score}
	}
	s.SinceAlert, s.AlertLP = 0, lp
	return Result{Score: score, Reason: e.reason(v, z)}
}

// reason names the expert with the strongest evidence. It runs only for
// alerts, so its allocation stays off the hot path.
func (e *Ensemble) reason(v, z float64) string {
	best := 0
	for i := range e.logP {
		if e.logP[i] < e.logP[best] {
			best = i
		}
	}
	var b []byte
	switch {
	case best == expSeason:
		b = append(b, "values "...)
		b = strconv.AppendFloat(b, math.Abs(e.shift), 'f', 1, 64)
		if e.shift > 0 {
			b = append(b, "σ above the usual for this hour of the week"...)
		} else {
			b = append(b, "σ below the usual for this hour of the week"...)
		}
	case best == expLevel:
		b = append(b, "value "...)
		b = strconv.AppendFloat(b, math.Abs(z), 'f', 1, 64)
		if z >= 0 {
			b = append(b, "σ above the baseline"...)
		} else {
			b = append(b, "σ below the baseline"...)
		}
	case best == expExcess && v >= e.st.Hi:
		b = append(b, "value above the highest seen before"...)
	case best == expExcess:
		b = append(b, "value below the lowest seen before"...)
	case best == expShape:
		b = append(b, "shape never seen before"...)
	case best == expLocal:
		b = append(b, "value "...)
		b = strconv.AppendFloat(b, math.Abs(e.local), 'f', 1, 64)
		if e.local >= 0 {
			b = append(b, "σ above the last few points"...)
		} else {
			b = append(b, "σ below the last few points"...)
		}
	case e.cfg.Novelty[best-expNovel].Order == 1:
		b = append(b, "value at a level never seen before"...)
	default:
		b = append(b, "pattern of levels never seen before"...)
	}
	b = append(b, " (p≈"...)
	b = strconv.AppendFloat(b, math.Pow(10, e.logP[best]), 'g', 2, 64)
	b = append(b, ')')
	return string(b)
}

// stateVersion is the layout version of ensembleState in snapshots (2: the
// weekly profile was added; 3: the local view, one novelty view, the
// incident and escalation state).
const stateVersion = 3

// MarshalBinary implements encoding.BinaryMarshaler: a snapshot of the
// learned state (not the configuration), 3,634 bytes.
func (e *Ensemble) MarshalBinary() ([]byte, error) {
	return marshalState(DefaultName, stateVersion, &e.st)
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler. The receiver must
// have the configuration the snapshot was taken with.
func (e *Ensemble) UnmarshalBinary(data []byte) error {
	var st ensembleState
	if err := unmarshalState(data, DefaultName, stateVersion, &st); err != nil {
		return err
	}
	if err := st.validate(); err != nil {
		return err
	}
	e.st = st
	return nil
}

func (s *ensembleState) validate() error {
	fs := []float64{s.Lo, s.Hi, s.Base.Mean, s.Base.Dev, s.Local.Mean, s.Local.Dev, s.PrevLP, s.AlertLP}
	for _, nv := range s.Nov {
		fs = append(fs, nv.QLo, nv.QW, nv.Rate)
		if nv.QW < 0 || nv.Rate < 0 || nv.Rate > 1 {
			return fmt.Errorf("%w: novelty state out of range", ErrSnapshot)
		}
	}
	for _, f := range fs {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("%w: non-finite value", ErrSnapshot)
		}
	}
	if sh := s.Shape; sh.Used < 0 || sh.Used > shapeK || sh.Fill < 0 || sh.Fill > maxShapeLen ||
		sh.W < 0 || math.IsNaN(sh.Lo+sh.W) || math.IsInf(sh.Lo+sh.W, 0) {
		return fmt.Errorf("%w: shape memory out of range", ErrSnapshot)
	}
	if !s.Season.valid() {
		return fmt.Errorf("%w: weekly profile out of range", ErrSnapshot)
	}
	if s.N < 0 || s.Quiet < 0 || s.Lo > s.Hi || s.Base.Dev < 0 || s.Local.Dev < 0 {
		return fmt.Errorf("%w: inconsistent state", ErrSnapshot)
	}
	return nil
}
