package rollout

import (
	"sync"
	"time"
)

// Metrics is where the comparison gate reads deployments' key metrics.
//
// Contract: Samples returns the values of one key metric (error_rate,
// latency, saturation) of a deployment observed in [from, to) while it
// ran version (0: any version), oldest first; none when nothing was
// observed. It must be safe for concurrent use.
type Metrics interface {
	Samples(deployment string, version int, metric string, from, to time.Time) []float64
}

// Recorder keeps a recent window of every deployment's key metrics in
// memory (the process provider feeds it on every scrape). The zero value
// is not usable: use NewRecorder.
type Recorder struct {
	mu     sync.Mutex
	keep   time.Duration
	max    int
	series map[string][]point
}

type point struct {
	t       time.Time
	version int
	values  map[string]float64
}

var _ Metrics = (*Recorder)(nil)

// NewRecorder keeps each deployment's samples for keep, at most max of
// them (defaults 2h and 20,000).
func NewRecorder(keep time.Duration, max int) *Recorder {
	if keep <= 0 {
		keep = 2 * time.Hour
	}
	if max <= 0 {
		max = 20000
	}
	return &Recorder{keep: keep, max: max, series: map[string][]point{}}
}

// Add records one interval's key metrics of a deployment.
func (r *Recorder) Add(deployment string, version int, t time.Time, values map[string]float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := append(r.series[deployment], point{t: t, version: version, values: values})
	cut := 0
	for cut < len(s) && (len(s)-cut > r.max || t.Sub(s[cut].t) > r.keep) {
		cut++
	}
	if cut > 0 {
		s = append(s[:0], s[cut:]...)
	}
	r.series[deployment] = s
}

// Forget drops a deployment's samples.
func (r *Recorder) Forget(deployment string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.series, deployment)
}

// Samples implements Metrics.
func (r *Recorder) Samples(deployment string, version int, metric string, from, to time.Time) []float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []float64
	for _, p := range r.series[deployment] {
		if p.t.Before(from) || !p.t.Before(to) || (version != 0 && p.version != version) {
			continue
		}
		if v, ok := p.values[metric]; ok {
			out = append(out, v)
		}
	}
	return out
}
