package insight

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/forecast"
	"github.com/tendhq/tend/internal/nab"
	"github.com/tendhq/tend/internal/series"
)

// The labelled set of proactive insights (docs/benchmarks.md, "Proactive
// insights"): leak/fill series that reach their limit, and series that
// never do, each run through the proactive engine's own evaluation and
// through Prometheus's predict_linear rule.
//
//	TEND_PROACTIVE_LABELLED=full go test ./internal/insight -run TestProactiveLabelledSet -v
//
// runs the whole set and prints the table (TEND_PROACTIVE_DEBUG=1 says
// per series what happened; TEND_PROACTIVE_SEED=N draws
// other synthetic series and other leaks on the real ones; TEND_MINRISE
// and TEND_CONFIRM override those settings); without it a deterministic
// sample runs and must meet the targets.

// labelled is one series of the set.
type labelled struct {
	name  string
	kind  string // KindMemory or KindDisk
	times []time.Time
	vals  []float64
	limit float64
	// hit is the index of the first sample at the limit (-1: never).
	hit int
}

func (l labelled) days() float64 { return l.times[len(l.times)-1].Sub(l.times[0]).Hours() / 24 }

// synthetic makes a series: a level, a daily (and weekly) cycle, noise,
// and optionally a leak that starts after onset and reaches the limit
// fill later (the series stops at the hit, as an OOM-killed process does).
func synthetic(rng *rand.Rand, name, kind string, step, length time.Duration, leak bool) labelled {
	l := labelled{name: name, kind: kind, limit: 100, hit: -1}
	base := 15 + rng.Float64()*40
	daily := rng.Float64() * 12
	weekly := rng.Float64() * 4
	noise := 0.3 + rng.Float64()*2.5
	phase := rng.Float64() * 24
	var onset, fill time.Duration
	if leak {
		onset = time.Duration((2 + rng.Float64()*2) * float64(24*time.Hour))
		if kind == KindMemory {
			fill = time.Duration((1.5 + rng.Float64()*4.5) * float64(24*time.Hour))
		} else {
			fill = time.Duration((5 + rng.Float64()*15) * float64(24*time.Hour))
		}
		length = onset + fill + 2*24*time.Hour
	}
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	ar := 0.0
	for at := time.Duration(0); at < length; at += step {
		h := at.Hours()
		ar = 0.8*ar + rng.NormFloat64()*noise*0.6 // autocorrelated noise, as real metrics have
		v := base + daily*math.Sin(2*math.Pi*(h+phase)/24) + weekly*math.Sin(2*math.Pi*h/168) + ar
		if leak && at > onset {
			v += (100 - base) * (at - onset).Hours() / fill.Hours()
		}
		l.times = append(l.times, start.Add(at))
		l.vals = append(l.vals, v)
		if v >= l.limit {
			l.hit = len(l.vals) - 1
			break
		}
	}
	return l
}

// negatives that are not plain cycles: sawtooths, steps, a mean-reverting walk.
func syntheticNegative(rng *rand.Rand, i int, step time.Duration) labelled {
	l := labelled{name: fmt.Sprintf("synthetic/negative-%02d", i), kind: KindMemory, limit: 100, hit: -1}
	if i%2 == 1 {
		l.kind = KindDisk
	}
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	base := 20 + rng.Float64()*30
	period := []float64{0.17, 1, 6, 12, 24}[rng.IntN(5)]
	amp := 10 + rng.Float64()*30
	shape := i % 4
	walk := 0.0
	for at := time.Duration(0); at < 14*24*time.Hour; at += step {
		h := at.Hours()
		var v float64
		switch shape {
		case 0: // sawtooth: fill and reset (rotation, GC, nightly clean-up)
			v = base + amp*math.Mod(h, period)/period
		case 1: // steps: a deploy raises memory once, then it stays
			v = base
			if h > 24*(3+float64(i%5)) {
				v += amp / 2
			}
		case 2: // mean-reverting walk
			walk = 0.995*walk + rng.NormFloat64()*0.5
			v = base + 10 + walk
		case 3: // weekday peaks, quiet weekends
			day := int(h/24) % 7
			if day < 5 {
				v = base + amp*math.Max(0, math.Sin(2*math.Pi*(h-8)/24))
			} else {
				v = base
			}
		}
		v += rng.NormFloat64()
		l.times = append(l.times, start.Add(at))
		l.vals = append(l.vals, math.Max(0, math.Min(v, 95)))
	}
	return l
}

// realSeries reads NAB and KPI series and scales each into a utilisation
// band (its 1st–99th percentile to 20–60 %, clipped at 95 %): real noise,
// cycles, spikes and level shifts, never at the limit. With a leak, a
// linear climb from a random onset reaching 100 % fill later is added.
// A series is cut after maxSpan (0: never).
func realSeries(rng *rand.Rand, files []string, leak bool, maxSpan time.Duration) []labelled {
	var out []labelled
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		s, err := nab.ReadSeries(fh)
		fh.Close()
		if err != nil || s.Len() < 1000 {
			continue
		}
		sorted := slices.Clone(s.Values)
		sort.Float64s(sorted)
		p1, p99 := sorted[len(sorted)/100], sorted[len(sorted)*99/100]
		if p99 <= p1 {
			continue
		}
		name := "real/" + filepath.Base(filepath.Dir(f)) + "/" + strings.TrimSuffix(filepath.Base(f), ".csv")
		l := labelled{name: name, kind: KindMemory, limit: 100, hit: -1}
		span := s.Times[len(s.Times)-1].Sub(s.Times[0])
		if span < 5*24*time.Hour {
			continue
		}
		var onset time.Time
		var fill time.Duration
		if leak {
			onset = s.Times[0].Add(time.Duration((2 + rng.Float64()*1.5) * float64(24*time.Hour)))
			fill = time.Duration((1.5 + rng.Float64()*3) * float64(24*time.Hour))
			if onset.Add(fill).After(s.Times[len(s.Times)-1]) {
				fill = s.Times[len(s.Times)-1].Sub(onset) * 9 / 10
			}
		}
		for i, t := range s.Times {
			v := math.Min(95, 20+40*(s.Values[i]-p1)/(p99-p1))
			if leak && t.After(onset) {
				v += 80 * t.Sub(onset).Hours() / fill.Hours()
			}
			if len(l.times) > 0 && !t.After(l.times[len(l.times)-1]) {
				continue
			}
			if maxSpan > 0 && t.Sub(s.Times[0]) > maxSpan {
				break
			}
			l.times = append(l.times, t)
			l.vals = append(l.vals, v)
			if v >= 100 {
				l.hit = len(l.vals) - 1
				break
			}
		}
		out = append(out, l)
	}
	return out
}

// outcome is what a predictor did on one series.
type outcome struct {
	opened  int       // proactive insights (alert episodes) opened
	first   time.Time // the first one, before the hit
	ttlPred time.Duration
}

// runTend evaluates the series as the proactive engine does.
func runTend(p *Proactive, l labelled) outcome {
	info := series.Info{ID: l.name, Metric: "pod_memory_utilization", Unit: "percent"}
	if l.kind == KindDisk {
		info.Metric = "node_filesystem_utilization"
	}
	st := p.classify(info)
	sc := forecast.NewScratch()
	var o outcome
	for i, t := range l.times {
		if l.hit >= 0 && i >= l.hit {
			break
		}
		if !st.trend.Add(t, l.vals[i]) {
			continue
		}
		ev, ok := p.evaluate(st, sc, Observation{Series: info, Time: t, Value: l.vals[i]})
		if ok && ev.kind == proOpenEv {
			o.opened++
			if o.first.IsZero() {
				o.first, o.ttlPred = t, ev.forecast.ExhaustAt.Sub(ev.forecast.FitAt)
			}
		}
	}
	return o
}

// predictLinear is Prometheus's predict_linear(v[rng], ahead) at t:
// an ordinary least-squares line through the samples in (t-rng, t],
// with time measured from t, evaluated ahead (promql/functions.go,
// linearRegression with Kahan summation, intercept at the evaluation
// time).
func predictLinear(times []time.Time, vals []float64, lo, hi int, at time.Time, ahead time.Duration) (float64, float64, bool) {
	if hi-lo < 2 {
		return 0, 0, false
	}
	var n, sumX, cX, sumY, cY, sumXY, cXY, sumX2, cX2 float64
	constY := true
	for i := lo; i < hi; i++ {
		if vals[i] != vals[lo] {
			constY = false
		}
		n++
		x := times[i].Sub(at).Seconds()
		sumX, cX = kahanSum(x, sumX, cX)
		sumY, cY = kahanSum(vals[i], sumY, cY)
		sumXY, cXY = kahanSum(x*vals[i], sumXY, cXY)
		sumX2, cX2 = kahanSum(x*x, sumX2, cX2)
	}
	if constY {
		return vals[lo] + 0*ahead.Seconds(), 0, true
	}
	sumX, sumY, sumXY, sumX2 = sumX+cX, sumY+cY, sumXY+cXY, sumX2+cX2
	covXY := sumXY - sumX*sumY/n
	varX := sumX2 - sumX*sumX/n
	slope := covXY / varX
	intercept := sumY/n - slope*sumX/n
	return slope*ahead.Seconds() + intercept, slope, true
}

func kahanSum(inc, sum, c float64) (float64, float64) {
	t := sum + inc
	switch {
	case math.IsInf(t, 0):
		c = 0
	case math.Abs(sum) >= math.Abs(inc):
		c += (sum - t) + inc
	default:
		c += (inc - t) + sum
	}
	return t, c
}

// runPredictLinear evaluates `predict_linear(x[6h], 4*3600) > limit`
// every 5 minutes; an episode of firing evaluations is one alert.
func runPredictLinear(l labelled) outcome {
	var o outcome
	firing := false
	lo := 0
	next := l.times[0]
	for i, t := range l.times {
		if l.hit >= 0 && i >= l.hit {
			break
		}
		if t.Before(next) {
			continue
		}
		next = t.Add(5 * time.Minute)
		for lo < i && !l.times[lo].After(t.Add(-6*time.Hour)) {
			lo++
		}
		pred, slope, ok := predictLinear(l.times, l.vals, lo, i+1, t, 4*time.Hour)
		fire := ok && pred > l.limit
		if fire && !firing {
			o.opened++
			if o.first.IsZero() {
				o.first = t
				if slope > 0 {
					level := pred - slope*4*3600
					o.ttlPred = time.Duration((l.limit - level) / slope * float64(time.Second))
				}
			}
		}
		firing = fire
	}
	return o
}

type tally struct {
	leads, errs          []float64 // lead as a fraction of the horizon; |TTL error| at opening
	leadHours            []float64
	caught, positives    int
	falseOpen, negatives int
	negDays              float64
}

func (t *tally) positive(o outcome, l labelled, horizon time.Duration) {
	t.positives++
	if o.first.IsZero() || l.hit < 0 {
		return
	}
	t.caught++
	lead := l.times[l.hit].Sub(o.first)
	t.leadHours = append(t.leadHours, lead.Hours())
	t.leads = append(t.leads, lead.Hours()/horizon.Hours())
	if o.ttlPred > 0 {
		t.errs = append(t.errs, math.Abs(o.ttlPred.Hours()-lead.Hours())/lead.Hours())
	}
}

func (t *tally) negative(o outcome, l labelled) {
	t.negatives++
	t.negDays += l.days()
	t.falseOpen += o.opened
}

func medianOf(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	s := slices.Clone(x)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func (t tally) row(name string) string {
	return fmt.Sprintf("| %s | %d/%d | %.0f %% (%.1f h) | %.1f %% | %d in %.0f series-days: %.2f per 1,000 |",
		name, t.caught, t.positives, 100*medianOf(t.leads), medianOf(t.leadHours), 100*medianOf(t.errs),
		t.falseOpen, t.negDays, 1000*float64(t.falseOpen)/math.Max(t.negDays, 1e-9))
}

// labelledSet builds the set: the whole of it (full) or a deterministic
// sample; seed draws the synthetic series and the leaks on the real ones.
func labelledSet(full bool, seed uint64) (pos, neg []labelled) {
	nSynth, nNeg, realEvery := 12, 8, 6
	if full {
		nSynth, nNeg, realEvery = 200, 200, 1
	}
	rng := rand.New(rand.NewPCG(seed, 11))
	for i := range nSynth {
		kind := KindMemory
		if i%2 == 1 {
			kind = KindDisk
		}
		step := 5 * time.Minute
		if kind == KindDisk {
			step = 15 * time.Minute
		}
		pos = append(pos, synthetic(rng, fmt.Sprintf("synthetic/leak-%s-%03d", kind, i), kind, step, 0, true))
		neg = append(neg, synthetic(rng, fmt.Sprintf("synthetic/cycle-%s-%03d", kind, i), kind, step, 14*24*time.Hour, false))
	}
	for i := range nNeg {
		neg = append(neg, syntheticNegative(rng, i, 10*time.Minute))
	}
	dir := findShared()
	var files []string
	if dir != "" {
		all, _ := filepath.Glob(filepath.Join(dir, "nab", "data", "*", "*.csv"))
		kpi, _ := filepath.Glob(filepath.Join(dir, "kpi", "data", "*", "*.csv"))
		for i, f := range append(all, kpi...) {
			if i%realEvery == 0 {
				files = append(files, f)
			}
		}
	}
	// The sample cuts the real series at 14 days (some are months of
	// minutes), so it runs in seconds under -race.
	maxSpan := 14 * 24 * time.Hour
	if full {
		maxSpan = 0
	}
	pos = append(pos, realSeries(rng, files, true, maxSpan)...)
	neg = append(neg, realSeries(rng, files, false, maxSpan)...)
	return pos, neg
}

// labelledSeed is the seed of the set (TEND_PROACTIVE_SEED, default 2026).
func labelledSeed() uint64 {
	if v, err := strconv.ParseUint(os.Getenv("TEND_PROACTIVE_SEED"), 10, 64); err == nil {
		return v // another draw of the synthetic series (and of the leaks on the real ones)
	}
	return 2026
}

func TestProactiveLabelledSet(t *testing.T) {
	full := os.Getenv("TEND_PROACTIVE_LABELLED") == "full"
	pos, neg := labelledSet(full, labelledSeed())

	cfg := DefaultProactiveConfig()
	if v, err := strconv.ParseFloat(os.Getenv("TEND_MINRISE"), 64); err == nil {
		cfg.MinRise = v
	}
	if v, err := strconv.Atoi(os.Getenv("TEND_CONFIRM")); err == nil {
		cfg.Confirm = v
	}
	p, err := NewProactive(ProactiveOptions{Store: newMemStore(), Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string]*[2]tally{}
	get := func(l labelled) *[2]tally {
		key := strings.SplitN(l.name, "/", 2)[0] + " " + l.kind
		if groups[key] == nil {
			groups[key] = &[2]tally{}
		}
		return groups[key]
	}
	var all [2]tally
	for _, l := range pos {
		h := p.cfg.horizon(l.kind)
		ot, op := runTend(p, l), runPredictLinear(l)
		if os.Getenv("TEND_PROACTIVE_DEBUG") != "" && ot.first.IsZero() {
			t.Logf("%s: missed; %s", l.name, whyMissed(p, l))
		}
		if os.Getenv("TEND_PROACTIVE_DEBUG") != "" && !ot.first.IsZero() && l.hit >= 0 {
			t.Logf("%s: opened %.1fh before the hit, predicted %.1fh", l.name, l.times[l.hit].Sub(ot.first).Hours(), ot.ttlPred.Hours())
		}
		g := get(l)
		g[0].positive(ot, l, h)
		g[1].positive(op, l, h)
		all[0].positive(ot, l, h)
		all[1].positive(op, l, h)
	}
	for _, l := range neg {
		ot, op := runTend(p, l), runPredictLinear(l)
		if (full || os.Getenv("TEND_PROACTIVE_DEBUG") != "") && ot.opened > 0 {
			t.Logf("false proactive insight on %s", l.name)
		}
		g := get(l)
		g[0].negative(ot, l)
		g[1].negative(op, l)
		all[0].negative(ot, l)
		all[1].negative(op, l)
	}
	var b strings.Builder
	b.WriteString("| set | predictor | caught | median lead (of horizon) | median time-to-limit error at opening | false alerts on series that never exhaust |\n|---|---|---|---|---|---|\n")
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range append(keys, "all") {
		g := &all
		if k != "all" {
			g = groups[k]
		}
		b.WriteString("| " + k + " " + strings.TrimPrefix(g[0].row("tend"), "| ") + "\n")
		b.WriteString("| " + k + " " + strings.TrimPrefix(g[1].row("predict_linear(x[6h], 4*3600) > limit"), "| ") + "\n")
	}
	t.Logf("%d positive and %d negative series\n%s", len(pos), len(neg), b.String())
	tend := all[0]
	if lead := medianOf(tend.leads); !(lead >= 0.5) {
		t.Errorf("median lead %.0f %% of the horizon, want at least 50 %%", 100*lead)
	}
	// The target is 20 %, met on the whole set with the default seed
	// (18.9 %) but not on every draw (docs/benchmarks.md); the sample is
	// held to 25 % so a regression shows.
	maxErr := 0.25
	if full {
		maxErr = 0.2
	}
	if e := medianOf(tend.errs); !(e <= maxErr) {
		t.Errorf("median time-to-limit error %.0f %%, want at most %.0f %%", 100*e, 100*maxErr)
	}
	if rate := 1000 * float64(tend.falseOpen) / tend.negDays; rate > 1 {
		t.Errorf("%.2f false proactive insights per 1,000 series-days, want at most 1", rate)
	}
}

// findShared finds the shared corpora (../shared/nab, ../shared/kpi).
func findShared() string {
	for _, d := range []string{"../../../shared", "../../shared"} {
		if _, err := os.Stat(filepath.Join(d, "nab", "data")); err == nil {
			return d
		}
	}
	return ""
}

// whyMissed tallies the rules that kept a positive series quiet.
func whyMissed(p *Proactive, l labelled) string {
	st := p.classify(series.Info{ID: l.name, Metric: "pod_memory_utilization", Unit: "percent"})
	sc := forecast.NewScratch()
	n := map[string]int{}
	for i, t := range l.times {
		if l.hit >= 0 && i >= l.hit {
			break
		}
		if st.trend.Add(t, l.vals[i]) {
			_, _, why := judgeWhy(p.cfg, st.sat, st.trend, sc, 100)
			n[why]++
		}
	}
	return fmt.Sprint(n)
}
