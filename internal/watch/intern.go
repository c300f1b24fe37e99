package watch

import (
	"strings"
	"sync"

	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/series"
)

// interner keeps one copy of every string the series share: label names,
// the values many series have in common (job, instance, region, stack),
// metric names, and what the mapper derives from them (resource IDs,
// boundaries, units). A fleet's series differ in a label or two, so
// 100,000 series hold a few thousand distinct strings, not a million.
//
// It grows with the strings of new series and is rebuilt from the live
// series after series expire (Watcher.expire), so it holds no more than
// what is in use plus what arrived since.
type interner struct {
	mu sync.Mutex
	m  map[string]string
}

func newInterner() *interner { return &interner{m: map[string]string{}} }

func (in *interner) getLocked(s string) string {
	if s == "" {
		return ""
	}
	if c, ok := in.m[s]; ok {
		return c
	}
	c := strings.Clone(s)
	in.m[c] = c
	return c
}

// info replaces every string of a series' description by its kept copy
// (the series ID, unique per series, is left as it is).
func (in *interner) info(i *series.Info) {
	in.mu.Lock()
	defer in.mu.Unlock()
	g := in.getLocked
	i.Metric = g(i.Metric)
	i.Resource = series.Resource{Type: g(i.Resource.Type), ID: g(i.Resource.ID), Name: g(i.Resource.Name),
		InstanceID: g(i.Resource.InstanceID), InstanceType: g(i.Resource.InstanceType)}
	i.Boundary = series.Boundary{Kind: g(i.Boundary.Kind), Name: g(i.Boundary.Name), TagKey: g(i.Boundary.TagKey),
		Account: g(i.Boundary.Account), Region: g(i.Boundary.Region)}
	i.Statistic, i.Unit = g(i.Statistic), g(i.Unit)
}

// labels returns a Labels map of kept strings.
func (in *interner) labels(metric string, ls []ingest.Label) (string, series.Labels) {
	in.mu.Lock()
	defer in.mu.Unlock()
	m := make(series.Labels, len(ls))
	for _, l := range ls {
		m[in.getLocked(l.Name)] = in.getLocked(l.Value)
	}
	return in.getLocked(metric), m
}

// rebuild keeps only the strings that keep reports, by starting a new map
// and re-adding them (the old copies are reused: the series already point
// at them).
func (in *interner) rebuild(keep func(add func(string))) {
	m := make(map[string]string, len(in.m)/2)
	keep(func(s string) {
		if s != "" {
			m[s] = s
		}
	})
	in.mu.Lock()
	in.m = m
	in.mu.Unlock()
}
