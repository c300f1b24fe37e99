package watch

import (
	"cmp"
	"slices"
	"time"

	"github.com/tendhq/tend/internal/series"
)

// Status is what the watcher knows about one series.
type Status struct {
	series.Info
	// Covered is false for series outside the coverage configuration:
	// they are counted but not analysed.
	Covered bool      `json:"covered"`
	Samples uint64    `json:"samples"`
	First   time.Time `json:"first"`
	Last    time.Time `json:"last"`
	// LastValue and LastScore are the latest sample and its score.
	LastValue float64 `json:"last_value"`
	LastScore float64 `json:"last_score"`
	// Baselining is true until BaselineEnds: the series only learns.
	Baselining   bool      `json:"baselining"`
	BaselineEnds time.Time `json:"baseline_ends"`
}

// List returns the series matching sel, sorted by metric then ID, at most
// limit of them (all when limit ≤ 0) after skipping offset, and how many
// matched in total.
func (w *Watcher) List(sel series.Selector, offset, limit int) ([]Status, int) {
	var out []Status
	for _, sh := range w.shards {
		sh.smu.Lock()
		for _, st := range sh.series {
			if sel.Matches(st.info.Metric, st.info.Labels) {
				out = append(out, w.status(st))
			}
		}
		sh.smu.Unlock()
	}
	slices.SortFunc(out, func(a, b Status) int {
		return cmp.Or(cmp.Compare(a.Metric, b.Metric), cmp.Compare(a.ID, b.ID))
	})
	total := len(out)
	if offset > 0 {
		out = out[min(offset, len(out)):]
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, total
}

func (w *Watcher) status(st *state) Status {
	ends := time.UnixMilli(st.firstMs).Add(w.o.Baseline)
	return Status{
		Info: st.info, Covered: st.covered, Samples: st.n,
		First: time.UnixMilli(st.firstMs).UTC(), Last: time.UnixMilli(st.lastMs).UTC(),
		LastValue: st.last, LastScore: st.score,
		Baselining: st.covered && st.lastMs < ends.UnixMilli(), BaselineEnds: ends.UTC(),
	}
}

// SeriesCount returns the number of series tracked.
func (w *Watcher) SeriesCount() int { return int(w.nSeries.Load()) }

// Pending returns the number of samples admitted and not yet processed.
func (w *Watcher) Pending() int { return int(w.pending.Load()) }
